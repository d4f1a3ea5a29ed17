"""The hospital's workbook read back (confirm import): the answer it chose in each row's confirmation
block (确认 / 不确认, :mod:`opsdesk.reports.confirm_block`), each row bound to what the hospital read by
its seal and judged against the store. How a cell is read is :mod:`opsdesk.reports.answers`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from sqlmodel import select

from opsdesk.desk import Desk, name_value, text_value
from opsdesk.errors import InvalidInput, Refused
from opsdesk.faults import requests as exceptions
from opsdesk.hospital.confirmations import CONFIRMABLE, confirm
from opsdesk.labels import label
from opsdesk.reports.answers import (
    CONFIRM,
    DATE_FORMS,
    REFUSE,
    Columns,
    is_agreeing,
    is_export,
    is_refusal,
    read_answer,
    record_columns,
    signed_moment,
)

__all__ = ["import_confirmations", "is_refusal", "judge_row"]

OBJECT = "object"  # a workbook without the answer column: a comment that does not plainly agree


@dataclass(frozen=True)
class CellEdited:
    """A visible cell of an already-confirmed row that differs from the record (reported, not refused)."""

    sheet: str
    row: int
    record: str  # kind:id
    column: str
    workbook: str
    on_record: str


@dataclass(frozen=True)
class ObjectionRead:
    """The hospital's 不确认 of a record (or, in a workbook without the answer column, a comment that
    does not plainly agree): kept as its objection, nothing confirmed."""

    sheet: str
    row: int
    record: str
    comment: str
    by: str = ""  # the name beside it


@dataclass(frozen=True)
class RowNote:
    """A row that was not taken, and why (no answer, an answer the product does not know, no name,
    a date in no accepted form...): nothing of it is confirmed."""

    sheet: str
    row: int
    record: str
    text: str


@dataclass(frozen=True)
class Proposed:
    """A row the hospital edited without confirming it: the change it proposes, cell by cell
    (column, on record, in the workbook). Nothing is applied."""

    sheet: str
    row: int
    record: str
    cells: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class ImportResult:
    rows: int  # rows with anything in their confirmation block
    confirmed: int
    refused: int  # exception requests the hospital refused
    objected: int  # records it answered 不确认 (kept as objections)
    unchanged: int  # answered already, by the same person and the same way
    objections: tuple[ObjectionRead, ...]
    edited: tuple[CellEdited, ...]
    notes: tuple[RowNote, ...] = ()
    proposed: tuple[Proposed, ...] = ()
    ignored: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (sheet, the titles of columns not opsdesk's)


def import_confirmations(desk: Desk, path) -> ImportResult:
    """Read the confirmation blocks of an exported workbook and record what the hospital answered.

    Only the answer decides: 确认 beside a name confirms (dated by 确认日期); 不确认 refuses an exception
    request (its comment the reason) and is kept as an objection to any other record. A row with a name
    and no answer, an answer neither 确认 nor 不确认, or a date in no accepted form is reported and not
    taken. A row being confirmed whose visible cells differ from the record as exported, an unknown
    record, or an answer that contradicts one given before refuses the whole file, naming the sheet
    and row. An unanswered row the hospital edited is reported as the change it proposes; a column it
    added is ignored. A workbook exported before the answer column is read by its comments: empty or
    plainly agreeing (同意 / 确认 / 无异议 / OK) confirms; any other comment is an objection.
    """
    from opsdesk.store.anchors import check_signed_workbook

    check_signed_workbook(desk.session, Path(path))  # the history must not have changed under what was signed
    sheets = _record_sheets(Path(path))
    reading = _Reading(desk, Path(path).name)
    for columns, body in sheets:
        reading.sheet(columns, body)
    return reading.result()


def _record_sheets(path: Path) -> list[tuple[Columns, list[tuple[int, tuple]]]]:
    """The record sheets of a workbook opsdesk exported (any other workbook is refused)."""
    from opsdesk.reports.workbook_read import read_rows

    sheets = read_rows(path, lambda header: record_columns("", header) is not None)
    if not is_export([(name, header) for name, header, _ in sheets]):
        raise Refused(
            f"{path} is not a workbook exported by opsdesk (no sheet has the 记录键 and 校验 columns); "
            "give the monthly report or acceptance workbook the hospital filled in"
        )
    out = []
    for name, header, body in sheets:
        columns = record_columns(name, header)
        if columns is not None:
            out.append((columns, body))
        elif is_export([(name, header)]):  # its record keys, but no column for who answers: altered
            raise Refused(
                f"sheet {name} has the 记录键 column but no 院方确认人（填写） (Confirmed by) column: its answers "
                "cannot be read; give the workbook as exported, its columns' titles unchanged"
            )
    return out


@dataclass
class _Reading:
    """What one import has read so far."""

    desk: Desk
    workbook: str
    counts: dict[str, int] = field(
        default_factory=lambda: {"rows": 0, "confirmed": 0, "refused": 0, "objected": 0, "unchanged": 0}
    )
    objections: list[ObjectionRead] = field(default_factory=list)
    edited: list[CellEdited] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    proposed: list[Proposed] = field(default_factory=list)
    ignored: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (answer, where) read so far

    def result(self) -> ImportResult:
        return ImportResult(
            **self.counts,
            objections=tuple(self.objections),
            edited=tuple(self.edited),
            notes=tuple(self.notes),
            proposed=tuple(self.proposed),
            ignored=tuple(self.ignored),
        )

    def sheet(self, cols: Columns, body: list[tuple[int, tuple]]) -> None:
        if cols.added:
            titles = tuple(cols.header[i] or f"(untitled column {_letter(i)})" for i in cols.added)
            self.ignored.append((cols.name, titles))
        for number, row in body:
            if _cell(row, cols.key):
                self.row(cols, number, row)

    def row(self, cols: Columns, number: int, row: tuple) -> None:
        key, who = _cell(row, cols.key), _cell(row, cols.who)
        comment = _cell(row, cols.comment) or _cell(row, cols.old_comment)
        raw_answer = row[cols.answer] if cols.answer is not None and cols.answer < len(row) else None
        answer = read_answer(raw_answer)
        signed = row[cols.signed] if cols.signed is not None and cols.signed < len(row) else None
        if not (who or comment or answer or _cell(row, cols.signed)):
            self.untouched(cols, number, row, key)
            return
        self.counts["rows"] += 1
        where = f"sheet {cols.name} row {number}"
        kind, _, record = _record_of(self.desk, where, key)
        cols = self.form(cols, row, key, where)
        answer = read_answer(raw_answer) if cols.answer is not None else None
        comment = _cell(row, cols.comment)
        if _answer(record)[0] is not None:
            self.answered(cols, number, row, (key, who, comment, answer), record)
            return
        if cols.answer is None:  # exported before the answer column: the comment is read, cautiously
            if kind == "exception" and is_refusal(comment):
                answer = REFUSE
            elif who:
                answer = CONFIRM if is_agreeing(comment) else OBJECT
            else:
                answer = OBJECT if comment else None
        if answer in (CONFIRM, REFUSE, OBJECT):
            self.one_answer(where, key, CONFIRM if answer == CONFIRM else REFUSE)
        verdict, differences = judge_row(self.desk, cols, row, key, kind, record)
        if answer == CONFIRM and who:
            if verdict != ROW_OK:
                _refuse(where, key, verdict, differences)
            self.confirm(cols, number, key, (who, comment, signed), record)
            return
        if verdict == WORKBOOK_EDITED:
            self.proposed.append(Proposed(cols.name, number, key, tuple((c, r, w) for c, w, r in differences)))
        if answer in (REFUSE, OBJECT):
            self.refuse(cols, number, key, (who, comment, signed), answer)
            return
        why = _unanswered(cols, answer, raw_answer)
        if comment:
            why += "; its comment is kept as an objection"
            self.keep(ObjectionRead(cols.name, number, key, comment, who), listed=False)
        self.notes.append(RowNote(cols.name, number, key, why + "; nothing confirmed"))

    def form(self, cols: Columns, row: tuple, key: str, where: str) -> Columns:
        """The sheet as exported, as far as the row's seal tells: a row sealed with the answer column
        is read by its answer only (a sheet without it lost it: the file is refused); a row sealed
        before the answer column existed is read by its comment, whatever column was added since."""
        form = _sealed(self.desk, cols, row, key)
        if form == V2 and cols.answer is None:
            raise Refused(
                f"{where}: the answer column {label(cols.lang, 'col.answer')} is missing from the sheet, "
                "but the workbook was exported with it; only the answer confirms: give the workbook as "
                "exported, or export it again"
            )
        if form == LEGACY and cols.answer is not None:
            return replace(cols, answer=None, comment=cols.old_comment)
        return cols

    def one_answer(self, where: str, key: str, answer: str) -> None:
        """A record answered twice in one workbook (on its sheet and on 未确认记录, say) must be answered the
        same way: 确认 in one row and 不确认 in another refuses the file."""
        said, there = self.answers.setdefault(key, (answer, where))
        if said != answer:
            words = {CONFIRM: "确认", REFUSE: "不确认"}
            raise Refused(
                f"{where}: {key} is answered {words[answer]} here but {words[said]} in {there}; "
                "a record has one answer: correct one of them"
            )

    def confirm(self, cols: Columns, number: int, key: str, filled: tuple[str, str, object], record) -> None:
        from opsdesk.errors import OpsdeskError

        who, comment, raw = filled
        kind, _, raw_id = key.partition(":")
        where = f"sheet {cols.name} row {number}"
        try:
            signed = _signed_at(self.desk, raw, where)
        except ValueError:
            note = f"确认日期 {raw!s} is not a date in an accepted form ({DATE_FORMS}); nothing confirmed"
            self.notes.append(RowNote(cols.name, number, key, note))
            return
        try:
            who = name_value(who, "院方确认人", required=True)  # no name that prints as another's
            confirm(self.desk, kind, int(raw_id), by=who, comment=comment or None, at=signed)
        except OpsdeskError as exc:
            raise Refused(f"{where}: {exc}") from None
        self.counts["confirmed"] += 1

    def refuse(self, cols: Columns, number: int, key: str, filled: tuple[str, str, object], answer: str) -> None:
        """不确认: an exception request refused (with a name and its reason); any other record objected to."""
        from opsdesk.errors import OpsdeskError

        who, comment, raw = filled
        kind, _, raw_id = key.partition(":")
        where = f"sheet {cols.name} row {number}"
        if kind == "exception" and answer == REFUSE and who and comment:
            try:
                at = _signed_at(self.desk, raw, where)
            except ValueError:
                note = f"确认日期 {raw!s} is not a date in an accepted form ({DATE_FORMS}); nothing refused"
                self.notes.append(RowNote(cols.name, number, key, note))
                return
            try:
                exceptions.decide(self.desk, int(raw_id), by=who, comment=comment, refuse=True, at=at)
            except OpsdeskError as exc:
                raise Refused(f"{where}: {exc}") from None
            self.counts["refused"] += 1
            return
        text = comment or ("不确认" if cols.lang == "zh" else "do not confirm")
        unrefused = kind == "exception" and answer == REFUSE  # a refusal needs a name and its reason
        if unrefused:
            missing = "a name" if not who else "the reason (the comment)"
            note = f"不确认 of an exception request needs {missing} to refuse it; kept as an objection, not refused"
            self.notes.append(RowNote(cols.name, number, key, note))
        new = self.keep(ObjectionRead(cols.name, number, key, text, who), listed=not unrefused)
        self.counts["objected" if new else "unchanged"] += 1

    def answered(self, cols: Columns, number: int, row: tuple, filled: tuple[str, str, str, str | None], record):
        """A row of a record answered already: the same answer by the same person changes nothing; an edited
        cell is reported; a different answer refuses the file (an answer is never changed)."""
        key, who, comment, answer = filled
        kind, raw_id, _ = _record_of(self.desk, f"sheet {cols.name} row {number}", key)
        where = f"sheet {cols.name} row {number}"
        answered_by, was_refused = _answer(record)
        verdict, differences = judge_row(self.desk, cols, row, key, kind, record)
        if verdict == WORKBOOK_EDITED:
            self.edited += [CellEdited(cols.name, number, key, *d) for d in differences]
        elif verdict == CHECK_EDITED:
            _refuse(where, key, verdict, differences)
        said = getattr(record, "refuse_reason" if was_refused else "confirm_comment", None) or ""
        if not who:
            if comment and comment != said and verdict != WORKBOOK_EDITED:
                self.keep(ObjectionRead(cols.name, number, key, comment))
            return
        verb = "refused" if was_refused else "confirmed"
        if answered_by != who:
            raise Refused(f"{where}: {kind} {raw_id} is already {verb} by {answered_by}, not {who}")
        if cols.answer is None:  # the comment says it, as it did when the workbook was written
            refuses = kind == "exception" and is_refusal(comment)
            if not refuses and comment != said and not is_agreeing(comment):
                new = self.keep(ObjectionRead(cols.name, number, key, comment, who))
                self.counts["objected" if new else "unchanged"] += 1
                return
        elif answer not in (CONFIRM, REFUSE):
            self.notes.append(RowNote(cols.name, number, key, f"no answer chosen; {kind} {raw_id} stays {verb}"))
            return
        else:
            refuses = answer == REFUSE
        if was_refused != refuses:
            raise Refused(
                f"{where}: {kind} {raw_id} was already {verb} by {who}; the workbook now "
                f"{'refuses' if refuses else 'agrees to'} it, and an answer is not changed"
            )
        self.counts["unchanged"] += 1

    def untouched(self, cols: Columns, number: int, row: tuple, key: str) -> None:
        """A row with nothing in its confirmation block: read only if it no longer matches its seal (the
        hospital edited it without answering: the change it proposes, listed, nothing applied)."""
        if _sealed(self.desk, cols, row, key) is not None:
            return
        kind, _, raw_id = key.partition(":")
        known = kind in CONFIRMABLE and _is_id(raw_id)
        record = self.desk.session.get(CONFIRMABLE[kind], int(raw_id)) if known else None
        if record is None:
            self.notes.append(RowNote(cols.name, number, key, f"{key!r} is not a record of this database; ignored"))
            return
        verdict, differences = judge_row(self.desk, cols, row, key, kind, record)
        if verdict == WORKBOOK_EDITED and _answer(record)[0] is None:
            self.proposed.append(Proposed(cols.name, number, key, tuple((c, r, w) for c, w, r in differences)))
        elif verdict == WORKBOOK_EDITED:
            self.edited += [CellEdited(cols.name, number, key, *d) for d in differences]
        elif verdict == CHECK_EDITED:
            text = "the check 校验 no longer matches the row (it was edited); nothing of it is taken"
            self.notes.append(RowNote(cols.name, number, key, text))

    def keep(self, objection: ObjectionRead, listed: bool = True) -> bool:
        """Record the hospital's objection once (the same comment by the same person on the same record
        is kept once; False: it was kept already); ``listed``: among the objections reported (a row's
        note may say it instead)."""
        from opsdesk.store.models import Objection

        if listed:
            self.objections.append(objection)
        kind, _, raw_id = objection.record.partition(":")
        try:
            comment = text_value(objection.comment, "意见", required=True)
            by = name_value(objection.by, "院方确认人")
        except InvalidInput as exc:
            raise Refused(f"sheet {objection.sheet} row {objection.row}: {exc}") from None
        seen = self.desk.session.exec(
            select(Objection).where(
                Objection.kind == kind,
                Objection.record_id == int(raw_id),
                Objection.comment == comment,
                Objection.objected_by == by,
            )
        ).first()
        if seen is None:
            where = f"{self.workbook}, sheet {objection.sheet} row {objection.row}"
            self.desk.create(
                Objection(
                    kind=kind,
                    record_id=int(raw_id),
                    comment=comment,
                    objected_by=by,
                    workbook=where,
                    recorded_at=self.desk.local_now,
                ),
                "confirm.objection",
            )
        return seen is None


def _unanswered(cols: Columns, answer: str | None, raw: object) -> str:
    """Why a filled row that neither confirms nor objects is not taken."""
    if cols.answer is None:  # a workbook without the answer column: a date, or a name, alone
        return f"{cols.header[cols.who]} is empty; a record is confirmed by a named hospital person"
    title = cols.header[cols.answer]
    if answer == CONFIRM:
        who = cols.header[cols.who]
        return f"{title} is {raw!s} but {who} is empty; a record is confirmed by a named hospital person"
    if answer is None:
        return f"no answer chosen in {title} (确认 or 不确认); only the answer confirms"
    return f"the answer {answer!r} is neither 确认 nor 不确认 (confirm / do not confirm); choose one in {title}"


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _answer(record) -> tuple[str | None, bool]:
    """Who answered the record already (None: nobody yet), and whether it was a refusal."""
    if getattr(record, "refused_at", None) is not None:
        return record.refused_by, True
    return record.confirmed_by if record.confirmed_at is not None else None, False


def _is_id(text: str) -> bool:
    """A record id as a key writes it: ASCII digits, within a database integer."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _record_of(desk: Desk, where: str, key: str):
    kind, _, raw_id = key.partition(":")
    if kind not in CONFIRMABLE or not _is_id(raw_id):
        raise Refused(f"{where}: {key!r} is not a record key (kind:id, e.g. fault:12)")
    record = desk.session.get(CONFIRMABLE[kind], int(raw_id))
    if record is None:
        raise Refused(f"{where}: there is no {kind} {raw_id} in this database")
    return kind, raw_id, record


ROW_OK, CHECK_EDITED, WORKBOOK_EDITED, STORE_CHANGED = "ok", "check edited", "workbook edited", "store changed"


V2, LEGACY = "v2", "legacy"  # a row sealed with the answer column, or by an opsdesk before it


def _sealed(desk: Desk, cols: Columns, row: tuple, key: str) -> str | None:
    """Whether the row's visible cells are as exported (its 校验 matches them), and in which form: V2
    (exported with the answer column) or LEGACY (before it); None when they are not. A column the
    hospital added is left out."""
    from opsdesk.reports.seal import cell_text, cells_check, row_check, split_check
    from opsdesk.store.history import workbook_seal

    check = split_check(_cell(row, cols.check))
    if check is None:
        return None
    seal = workbook_seal(desk.session)
    texts = {i: cell_text(row[i] if i < len(row) else None) for i in cols.visible}
    own = [i for i in cols.visible if i not in cols.added]

    def legacy(indexes: list[int]) -> list[str]:  # every titled cell in column order, then untitled ones
        titled = [f"{cols.header[i]}\x1e{texts[i]}" for i in indexes if cols.header[i]]
        return titled + [f"\x1e{texts[i]}" for i in indexes if not cols.header[i] and texts[i]]

    for indexes in (own, list(cols.visible)):
        if row_check(seal, key, check[1], [(cols.header[i], texts[i]) for i in indexes]) == check[0]:
            return V2
        if cells_check(seal, key, check[1], legacy(indexes)) == check[0]:
            return LEGACY
    return None


def judge_row(desk: Desk, cols: Columns, row: tuple, key: str, kind: str, record):
    """Whether a row still says what the store holds, and if not who changed it: (verdict, the
    differences (column, workbook, on record) between the row and the record rendered now).

    ===================================  ======================  ================
    the row's seal (校验's first half)   the record's digest     verdict
    ===================================  ======================  ================
    not in the exported form             -                       CHECK_EDITED
    does not match the row               -  (cells differ)       WORKBOOK_EDITED
    does not match the row               -  (cells the same)     CHECK_EDITED
    matches: the row is as exported      the record's now        ROW_OK
    matches: the row is as exported      an earlier version's    STORE_CHANGED
    ===================================  ======================  ================

    The seal is an HMAC under the store's own key (:mod:`opsdesk.reports.seal`): a workbook edited by
    anyone, however careful, cannot carry a matching one. A row that matches it is the store's own
    export of the record as it still is: what the hospital read is what it confirms, even where the
    row is rendered differently now (a monthly report shows each record as at its month's end; an
    exception agreed since re-judges a verdict). Columns are matched by their titles, wherever they
    stand; a column the hospital added is no part of the row. The differences (column, workbook, on
    record now) name the cells for a message; an answered record is compared without the cells its
    answer fills in or rewrites."""
    from opsdesk.reports.onrecord import answer_rewrites, record_cells, unconfirmed_cells
    from opsdesk.reports.seal import cell_text, split_check
    from opsdesk.store.history import record_digest

    own = [i for i in cols.visible if i not in cols.added]
    shown = {cols.header[i]: cell_text(row[i] if i < len(row) else None) for i in own}
    on_record = record_cells(desk, kind, record, cols.lang)
    answered = _answer(record)[0] is not None
    before = unconfirmed_cells(desk, kind, cols.lang) if answered else {}
    rewritten = answer_rewrites(kind, cols.lang) if answered else set()
    differences = [
        (title, text, on_record[title])
        for title, text in shown.items()
        if title in on_record and text != on_record[title] and text != before.get(title) and title not in rewritten
    ]
    check = split_check(_cell(row, cols.check))
    if check is None:
        return CHECK_EDITED, differences
    if _sealed(desk, cols, row, key) is None:
        return (WORKBOOK_EDITED if differences else CHECK_EDITED), differences
    return (ROW_OK if check[1] == record_digest(record) else STORE_CHANGED), differences


def _refuse(where: str, key: str, verdict: str, differences: list[tuple[str, str, str]]) -> NoReturn:
    """The one line that refuses a row, naming the side that changed."""
    kind, _, raw_id = key.partition(":")
    if verdict == CHECK_EDITED:
        raise Refused(
            f"{where} ({key}): the check cell 校验 does not match the row (it was edited, or the workbook "
            "comes from another database or an older opsdesk); nothing was confirmed; export the "
            "workbook again"
        )
    cell = ""
    if differences:
        column, shown, on_record = differences[0]
        cell = f"{column} reads {shown!r} in the workbook but {on_record!r} on record: "
    if verdict == WORKBOOK_EDITED:
        raise Refused(
            f"{where}: {cell}the workbook was edited after it was exported ({kind} {raw_id} is "
            "unchanged since); nothing was confirmed"
        )
    raise Refused(f"{where}: {cell}{kind} {raw_id} changed since the workbook was exported; export it again")


def _signed_at(desk: Desk, raw: object, where: str) -> datetime | None:
    """The 确认日期 the hospital wrote: the answer's time (a day alone: the end of that day, or now if that
    is today). None when empty: the answer is dated now. ValueError: in no accepted form."""
    from datetime import time, timedelta

    found = signed_moment(raw)
    if found is None:
        return None
    day, moment = found
    at = datetime.combine(day, moment or time(0), tzinfo=desk.tz)
    if day > desk.local_now.date() or at > desk.local_now + timedelta(minutes=5):
        written = day if moment is None else f"{at:%Y-%m-%d %H:%M}"
        raise Refused(
            f"{where}: 确认日期 {written} is in the future; the hospital signs on or before today "
            f"({desk.local_now.date()})"
        )
    if moment is None:  # a day alone: signed that day
        at = min(at + timedelta(days=1, minutes=-1), desk.local_now)
    return at


def _cell(row: tuple, index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()
