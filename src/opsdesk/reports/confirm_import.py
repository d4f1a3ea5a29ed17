"""The hospital's workbook read back (confirm import): the 院方确认人 / 确认意见 columns it filled
in, each row bound to what the hospital read by its seal and judged against the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlmodel import select

from opsdesk.desk import Desk, text_value
from opsdesk.errors import InvalidInput, Refused
from opsdesk.faults import requests as exceptions
from opsdesk.hospital.confirmations import CONFIRMABLE, confirm


@dataclass(frozen=True)
class CellEdited:
    """A visible cell of an already-confirmed row that differs from the record (reported, not refused)."""

    sheet: str
    row: int
    record: str  # kind:id
    column: str
    workbook: str
    on_record: str


# how a 确认意见 that refuses begins (after any quotes, brackets or spaces; "I disagree" too)
REFUSALS = (
    "不同意",
    "不予同意",
    "不认可",
    "不批准",
    "拒绝",
    "驳回",
    "否",
    "disagree",
    "idisagree",
    "refuse",
    "reject",
    "notagree",
)
_OPENING = re.compile(r"[\s\"'“”‘’「」『』（）()【】\[\]:：,，.。!！]+")


def is_refusal(comment: str | None) -> bool:
    """A 确认意见 beginning 不同意 / 不予同意 / 不认可 / 拒绝 / 驳回 / 否 (disagree / refuse / reject / not
    agreed / no), quoted or not, refuses, with its text as the reason."""
    if not comment:
        return False
    if _OPENING.sub("", comment).lower().startswith(REFUSALS):
        return True
    return re.match(r"no(?![a-z])", _OPENING.sub(" ", comment).strip().lower()) is not None  # "No", not "note"


@dataclass(frozen=True)
class ObjectionRead:
    """A comment the hospital wrote without a confirmer's name (it objects or asks), or a named refusal
    of a record that is not an exception request: nothing is confirmed."""

    sheet: str
    row: int
    record: str
    comment: str
    by: str = ""  # the name beside a refusal


@dataclass(frozen=True)
class ImportResult:
    rows: int  # rows with a confirmer's name
    confirmed: int
    refused: int  # exception requests the hospital refused (a 确认意见 beginning 不同意...)
    unchanged: int  # answered already, by the same person and the same way
    objections: tuple[ObjectionRead, ...]
    edited: tuple[CellEdited, ...]


@dataclass
class _Sheet:
    """Where a record sheet keeps its columns."""

    name: str
    lang: str
    header: list[str]
    key: int
    who: int
    check: int | None
    comment: int | None
    signed: int | None
    visible: list[int]  # the row's own cells, which its check covers


def import_confirmations(desk: Desk, path) -> ImportResult:
    """Read the 确认 columns of an exported workbook and confirm what the hospital filled in.

    All or nothing: an unknown record, a conflicting confirmer, a row being confirmed whose visible
    cells differ from the record as exported (edited in the workbook, or the record changed since),
    or a signing date in the future or before the record refuses the whole file, naming the sheet
    and row. Rows already confirmed by the same person are skipped, so importing the same file twice
    changes nothing; an edited cell in such a row is reported. A comment without a name is an
    objection: kept (``confirm pending`` lists it), nothing confirmed. A 确认意见 beginning 不同意 /
    不予同意 / 拒绝 (disagree / refuse) is never an agreement: beside a name it refuses an exception
    request (its text the reason, as `confirm exception --refuse`); on any other record it is an
    objection.
    """
    from pathlib import Path

    from opsdesk.reports.workbook import read_rows
    from opsdesk.store.anchors import check_signed_workbook

    path = Path(path)
    check_signed_workbook(desk.session, path)  # the history must not have changed under what was signed
    counts = {"rows": 0, "confirmed": 0, "refused": 0, "unchanged": 0}
    objections: list[ObjectionRead] = []
    edited: list[CellEdited] = []
    for name, header, body in read_rows(path):
        sheet = _record_sheet(name, header)
        if sheet is None:
            continue
        for number, row in body:
            key, who, comment = _cell(row, sheet.key), _cell(row, sheet.who), _cell(row, sheet.comment)
            refusal = is_refusal(comment)
            if key and comment and (not who or (refusal and not key.startswith("exception:"))):
                if _edited_objection(desk, sheet, number, row, key, edited):
                    continue
                objection = ObjectionRead(name, number, key, comment, who)
                objections.append(objection)
                _keep_objection(desk, objection, path.name)
                continue
            if not key or not who:
                continue
            counts["rows"] += 1
            outcome = _import_row(desk, sheet, number, row, (key, who, comment, refusal), edited)
            counts[outcome] += 1
    return ImportResult(**counts, objections=tuple(objections), edited=tuple(edited))


def _record_sheet(name: str, header: list[str]) -> _Sheet | None:
    from opsdesk.labels import label

    titles = {
        part: {label(lang, f"col.{part}"): lang for lang in ("zh", "en")}
        for part in ("key", "digest", "confirmer", "confirm_comment", "confirm_date")
    }
    titles["confirm_comment"] |= {label(lang, "col.refusable_comment"): lang for lang in ("zh", "en")}
    index = {title: i for i, title in enumerate(header) if title}

    def find(part: str) -> int | None:
        return next((index[t] for t in titles[part] if t in index), None)

    key, who = find("key"), find("confirmer")
    if key is None or who is None:
        return None
    check, comment, signed = find("digest"), find("confirm_comment"), find("confirm_date")
    block = {key, who, check, comment, signed}  # these five columns, and no other of a block title, are not sealed
    visible = [i for i, title in enumerate(header) if title and i not in block]
    lang = titles["key"][header[key]]
    return _Sheet(name, lang, header, key, who, check, comment, signed, visible)


def _import_row(
    desk: Desk, sheet: _Sheet, number: int, row: tuple, filled: tuple[str, str, str, bool], edited: list[CellEdited]
) -> str:
    """Confirm one filled row (``confirmed``), refuse an exception request (``refused``), or find it
    answered already (``unchanged``). ``filled``: the key, the name, the comment, whether it refuses."""
    from opsdesk.errors import OpsdeskError

    key, who, comment, refuse = filled
    where = f"sheet {sheet.name} row {number}"
    kind, raw_id, record = _record_of(desk, where, key)
    verdict, differences = judge_row(desk, sheet, row, key, kind, record)
    answered_by, was_refused = _answer(record)
    if answered_by is not None:  # pre-filled: confirmed (or refused) already; it is not confirmed again
        if verdict == WORKBOOK_EDITED:
            edited += [CellEdited(sheet.name, number, key, *d) for d in differences]
        elif verdict == CHECK_EDITED:
            _refuse(where, key, verdict, differences)
        verb = "refused" if was_refused else "confirmed"
        if answered_by != who:
            raise Refused(f"{where}: {kind} {raw_id} is already {verb} by {answered_by}, not {who}")
        if was_refused != refuse:
            raise Refused(
                f"{where}: {kind} {raw_id} was already {verb} by {who}; the workbook now "
                f"{'refuses' if refuse else 'agrees to'} it, and an answer is not changed"
            )
        return "unchanged"
    if verdict != ROW_OK:
        _refuse(where, key, verdict, differences)
    signed = _signed_at(desk, sheet, row, where)
    try:
        if refuse:  # the same path as `confirm exception N --refuse --comment TEXT`
            exceptions.decide(desk, int(raw_id), by=who, comment=comment, refuse=True, at=signed)
            return "refused"
        confirm(desk, kind, int(raw_id), by=who, comment=comment or None, at=signed)
    except OpsdeskError as exc:
        raise Refused(f"{where}: {exc}") from None
    return "confirmed"


def _answer(record) -> tuple[str | None, bool]:
    """Who answered the record already (None: nobody yet), and whether it was a refusal."""
    if getattr(record, "refused_at", None) is not None:
        return record.refused_by, True
    return record.confirmed_by if record.confirmed_at is not None else None, False


def _edited_objection(desk: Desk, sheet: _Sheet, number: int, row: tuple, key: str, edited: list[CellEdited]) -> bool:
    """A comment without a name on a row edited in the workbook: the edit is what is reported (of a
    confirmed record) or refused (of one awaiting confirmation), not an objection to a row that is
    not the record's."""
    kind, _, raw_id = key.partition(":")
    record = desk.session.get(CONFIRMABLE[kind], int(raw_id)) if kind in CONFIRMABLE and _is_id(raw_id) else None
    if record is None:
        return False  # not a record: the objection says so
    verdict, differences = judge_row(desk, sheet, row, key, kind, record)
    if verdict not in (WORKBOOK_EDITED, CHECK_EDITED):
        return False
    if _answer(record)[0] is not None and verdict == WORKBOOK_EDITED:
        edited += [CellEdited(sheet.name, number, key, *d) for d in differences]
        return True
    _refuse(f"sheet {sheet.name} row {number}", key, verdict, differences)


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


def judge_row(desk: Desk, sheet: _Sheet, row: tuple, key: str, kind: str, record):
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
    exception agreed since re-judges a verdict). The differences (column, workbook, on record now)
    name the cells for a message; an answered record is compared without the cells its answer fills
    in or rewrites."""
    from opsdesk.reports.onrecord import answer_rewrites, record_cells, unconfirmed_cells
    from opsdesk.reports.seal import cell_text, cells_check, split_check
    from opsdesk.store.history import record_digest, workbook_seal

    shown = [cell_text(row[i] if i < len(row) else None) for i in sheet.visible]
    untitled = [i for i, title in enumerate(sheet.header) if not title and i < len(row) and cell_text(row[i])]
    sealed = [f"{sheet.header[i]}\x1e{text}" for i, text in zip(sheet.visible, shown, strict=True)] + [
        f"\x1e{cell_text(row[i])}" for i in untitled
    ]  # titles too: a column renamed is an edit
    on_record = record_cells(desk, kind, record, sheet.lang)
    answered = _answer(record)[0] is not None
    before = unconfirmed_cells(desk, kind, sheet.lang) if answered else {}
    rewritten = answer_rewrites(kind, sheet.lang) if answered else set()
    differences = [
        (sheet.header[i], text, on_record[sheet.header[i]])
        for i, text in zip(sheet.visible, shown, strict=True)
        if sheet.header[i] in on_record
        and text != on_record[sheet.header[i]]
        and text != before.get(sheet.header[i])
        and sheet.header[i] not in rewritten
    ]
    check = split_check(_cell(row, sheet.check))
    if check is None:
        return CHECK_EDITED, differences
    if cells_check(workbook_seal(desk.session), key, check[1], sealed) != check[0]:
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


def _signed_at(desk: Desk, sheet: _Sheet, row: tuple, where: str) -> datetime | None:
    """The 确认日期 the hospital wrote: the confirmation's time (a day alone: the end of that day, or
    now if that is today). None when empty: the confirmation is dated now."""
    from datetime import date, time, timedelta

    from opsdesk.timeparse import parse_date

    raw = row[sheet.signed] if sheet.signed is not None and sheet.signed < len(row) else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        day, moment = raw.date(), raw.time().replace(second=0, microsecond=0)
    elif isinstance(raw, date):
        day, moment = raw, time(0)
    else:
        try:
            day, moment = parse_date(str(raw).strip()), time(0)
        except InvalidInput:
            raise Refused(f"{where}: 确认日期 {raw!r} is not a date; write it as YYYY-MM-DD") from None
    at = datetime.combine(day, moment, tzinfo=desk.tz)
    if day > desk.local_now.date() or at > desk.local_now + timedelta(minutes=5):
        raise Refused(
            f"{where}: 确认日期 {raw if moment != time(0) else day} is in the future; the hospital "
            f"signs on or before today ({desk.local_now.date()})"
        )
    if moment == time(0):  # a day alone: signed that day
        at = min(at + timedelta(days=1, minutes=-1), desk.local_now)
    return at


def _keep_objection(desk: Desk, objection: ObjectionRead, workbook: str) -> None:
    """Record the hospital's objection once (the same comment on the same record is kept once)."""
    from opsdesk.store.models import Objection

    kind, _, raw_id = objection.record.partition(":")
    if kind not in CONFIRMABLE or not _is_id(raw_id) or desk.session.get(CONFIRMABLE[kind], int(raw_id)) is None:
        raise Refused(
            f"sheet {objection.sheet} row {objection.row}: {objection.record!r} is not a record of "
            "this database (kind:id, e.g. fault:12)"
        )
    comment = text_value(objection.comment, "确认意见", required=True)
    assert comment is not None, "a required value is given"
    seen = desk.session.exec(
        select(Objection).where(
            Objection.kind == kind, Objection.record_id == int(raw_id), Objection.comment == comment
        )
    ).first()
    if seen is None:
        where = f"{workbook}, sheet {objection.sheet} row {objection.row}"
        desk.create(
            Objection(kind=kind, record_id=int(raw_id), comment=comment, workbook=where, recorded_at=desk.local_now),
            "confirm.objection",
        )


def _cell(row: tuple, index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()
