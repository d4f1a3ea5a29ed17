"""The contract: its SLA terms over time, the hospital's confirmations, and the payment milestones.

SPEC: payment 30% after service start; 30% at half the service period with the maintenance
records; 40% at the end after acceptance with the complete records. The hospital starts the
final acceptance within 30 working days after the contract ends.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import func, select

from opsdesk import records
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.models import ChangeRequest, Inspection, System, TermsChange, Ticket, Training, WorkLog
from opsdesk.records import Desk, contract_end, fmt, text_value

CONFIRMABLE = {"fault": Ticket, "change": ChangeRequest, "inspection": Inspection, "training": Training,
               "work": WorkLog}  # fmt: skip


# -- terms --------------------------------------------------------------------------------


def set_term(
    desk: Desk,
    key: str,
    value: str,
    *,
    effective: datetime | str | None = None,
    note: str | None = None,
    retroactive: bool = False,
) -> TermsChange:
    """Change one SLA term from ``effective`` on; tickets reported before keep the old terms.

    A change that takes effect in the past would re-judge tickets already on record: it is
    refused, with how many, unless ``retroactive``. The time zone cannot change once records exist.
    """
    from opsdesk.terms import SlaTerms
    from opsdesk.timeparse import parse_moment

    desk.contract  # noqa: B018
    names = {f.name: f for f in fields(SlaTerms)}
    if key not in names:
        raise InvalidInput(f"unknown term {key!r}; terms: {', '.join(names)}")
    current = desk.latest_terms.to_dict()
    kind = {"int": int, "float": float}.get(str(names[key].type), str)
    try:
        parsed: Any = kind(value)
    except ValueError:
        raise InvalidInput(f"{key} takes a {kind.__name__}, got {value!r}") from None
    if isinstance(parsed, float) and parsed.is_integer():
        parsed = int(parsed)
    if parsed == current[key]:
        raise Refused(f"{key} is already {value}")
    terms = SlaTerms.from_dict({**current, key: parsed})  # refuses a value that is not valid
    if key == "timezone" and desk.session.exec(select(Ticket.id).limit(1)).first() is not None:
        raise Refused("the contract's time zone cannot change once records exist; every time on record is in it")
    if effective is None:
        moment = desk.local_now.replace(second=0, microsecond=0)
    elif isinstance(effective, str) and len(effective.strip()) == 10:
        moment = parse_moment(f"{effective.strip()} 00:00", desk.local_now, desk.tz, allow_future=True)
    else:
        moment = parse_moment(effective, desk.local_now, desk.tz, allow_future=True) if isinstance(
            effective, str) else desk.moment(effective)  # fmt: skip
    latest = desk.terms_history[-1][0]
    if latest is not None and moment < latest:
        raise Refused(f"the last change of terms took effect at {fmt(latest)}; a new one cannot take effect before")
    affected = desk.session.exec(select(func.count()).select_from(Ticket).where(Ticket.reported_at >= moment)).one()
    if affected and not retroactive:
        raise Refused(
            f"from {fmt(moment)} the new {key} would re-judge {affected} fault(s) already on record; "
            "add --retroactive to apply it to them (the change stays visible in the history)"
        )
    summary = f"{key}: {current[key]} -> {parsed}"
    change = TermsChange(
        effective_from=moment,
        terms=json.dumps(terms.to_dict(), ensure_ascii=False, sort_keys=True),
        note=f"{summary} ({text_value(note, '--note')})" if text_value(note, "--note") else summary,
    )
    return desk.create(change, "contract.terms", happened_at=moment)


# -- confirmation -------------------------------------------------------------------------


def confirm(
    desk: Desk, kind: str, record_id: int, *, by: str, comment: str | None = None, at: datetime | str | None = None
):
    """The hospital's named person confirms a record (双方确认)."""
    kind = kind.strip().lower()
    if kind not in CONFIRMABLE:
        raise InvalidInput(f"unknown record kind {kind!r}; use one of {', '.join(CONFIRMABLE)}")
    if kind == "fault":
        return records.confirm(desk, record_id, by=by, comment=comment, at=at)
    row = desk.session.get(CONFIRMABLE[kind], record_id)
    if row is None:
        raise NotFound(f"no {kind} {record_id}; `opsdesk confirm pending` lists what awaits confirmation")
    if row.confirmed_at is not None:
        raise Refused(f"{kind} {record_id} is already confirmed (by {row.confirmed_by} at {fmt(row.confirmed_at)})")
    if kind == "change" and row.implemented_at is None:
        raise Refused(f"change {record_id} is not implemented yet; the hospital confirms delivered work")
    records.check_confirmer(desk, by)
    moment = desk.moment(at)
    happened = getattr(row, "implemented_at", None) or getattr(row, "at", None)
    if happened is not None and moment < happened:
        raise Refused(f"{kind} {record_id} happened at {fmt(happened)}; it cannot be confirmed before")
    desk.update(
        row,
        {
            "confirmed_at": moment,
            "confirmed_by": text_value(by, "--by", required=True),
            "confirm_comment": text_value(comment, "--comment"),
        },
        f"{kind}.confirm",
        happened_at=moment,
    )
    return row


def pending(desk: Desk, until: datetime | None = None) -> list[dict[str, Any]]:
    """Records that still lack the hospital's confirmation (resolved faults, delivered changes, the rest)."""
    desk.contract  # noqa: B018
    systems = {s.id: s for s in desk.session.exec(select(System))}
    out: list[dict[str, Any]] = []
    queries = {
        "fault": (Ticket, Ticket.resolved_at, lambda t: t.symptom),
        "change": (ChangeRequest, ChangeRequest.implemented_at, lambda c: c.title),
        "inspection": (Inspection, Inspection.at, lambda i: f"{i.month} 巡检"),
        "training": (Training, Training.at, lambda t: t.topic),
        "work": (WorkLog, WorkLog.at, lambda w: w.text),
    }
    for kind, (model, when, summary) in queries.items():
        query = select(model).where(model.confirmed_at.is_(None), when.is_not(None))
        if until is not None:
            query = query.where(when < until)
        for row in desk.session.exec(query.order_by(when, model.id)):
            out.append(
                {
                    "kind": kind,
                    "id": row.id,
                    "system": systems[row.system_id].code,
                    "date": getattr(row, when.key),
                    "summary": summary(row),
                }
            )
    return out


# -- milestones ---------------------------------------------------------------------------


def midpoint(start: date, end: date) -> date:
    return start + timedelta(days=(end - start).days // 2)


def _inspection_gaps(desk: Desk, first: date, until: date) -> list[str]:
    """'YYYY-MM system' for each whole contract month before ``until`` with a system uninspected."""
    done = {(m, s) for m, s in desk.session.exec(select(Inspection.month, Inspection.system_id))}
    active = records.systems(desk.session, include_inactive=False)
    out = []
    year, month = first.year, first.month
    while date(year, month, 1) < until:
        last_of_month = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        if last_of_month < until:
            label = f"{year}-{month:02d}"
            out.extend(f"{label} {s.code}" for s in active if (label, s.id) not in done)
        year, month = year + (month == 12), month % 12 + 1
    return out


def milestones(desk: Desk) -> dict[str, Any]:
    """The three payment milestones, their dates, and what evidence each still lacks.

    Each gap is given in English (``missing``, for the command line) and Chinese (``missing_zh``,
    for the workbooks handed to the hospital).
    """
    from opsdesk.people import staffing_gaps

    contract = desk.contract
    start, end = contract.start_date, contract_end(contract)
    last_day = end - timedelta(days=1)
    half = midpoint(start, end)
    today = desk.local_now.date()
    tz = desk.tz

    def before(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=tz)

    def record_gaps(until: date) -> list[tuple[str, str]]:
        missing = []
        unconfirmed = pending(desk, before(until))
        if unconfirmed:
            n = len(unconfirmed)
            missing.append((f"{n} record(s) not confirmed by the hospital", f"{n} 条记录尚未经院方确认"))
        open_faults = desk.session.exec(
            select(Ticket.id).where(Ticket.resolved_at.is_(None), Ticket.reported_at < before(until))
        ).all()
        if open_faults:
            missing.append((f"{len(open_faults)} fault(s) still open", f"{len(open_faults)} 个故障尚未修复"))
        gaps = _inspection_gaps(desk, start, min(until, today + timedelta(days=1)))
        if gaps:
            shown = ", ".join(gaps[:5]) + (", ..." if len(gaps) > 5 else "")
            missing.append((f"{len(gaps)} monthly inspection(s) missing ({shown})",
                            f"缺少 {len(gaps)} 次月度巡检（{shown}）"))  # fmt: skip
        staffing = staffing_gaps(desk, min(until - timedelta(days=1), today))
        if staffing:
            days = sum((b - a).days + 1 for a, b, _ in staffing)
            missing.append((f"{days} day(s) with fewer than 2 engineers on site", f"{days} 天驻场人员少于2人"))
        return missing

    changes = desk.session.exec(select(ChangeRequest)).all()
    not_accepted = [c.id for c in changes if c.acceptance != "accepted"]
    final = record_gaps(end)
    if not_accepted:
        ids = ", ".join(map(str, not_accepted[:10]))
        final.append((f"{len(not_accepted)} change request(s) not accepted (ids {ids})",
                      f"{len(not_accepted)} 项修改调整尚未验收（编号 {ids}）"))  # fmt: skip
    if today < end:
        final.insert(0, (f"the service period runs until {last_day}", f"服务期至 {last_day} 结束"))
    first = [] if today >= start else [(f"the service starts on {start}", f"服务期自 {start} 开始")]
    second = ([(f"half the service period is reached on {half}", f"服务时间于 {half} 达到50%")] if today < half
              else []) + record_gaps(half)  # fmt: skip
    acceptance_by = desk.calendar.working_day_after(last_day, 30)
    items = [
        {"n": 1, "percent": 30, "name": "服务期开始后", "name_en": "after the service starts",
         "date": start, "gaps": first},
        {"n": 2, "percent": 30, "name": "服务时间达到50%，提供维护服务记录",
         "name_en": "half the service period, with the maintenance records", "date": half, "gaps": second},
        {"n": 3, "percent": 40, "name": "合同期满且通过维护验收，提供完整维护服务记录",
         "name_en": "the contract's end and its acceptance, with the complete records", "date": end, "gaps": final},
    ]  # fmt: skip
    for item in items:
        gaps = item.pop("gaps")
        item["missing"] = [en for en, _ in gaps]
        item["missing_zh"] = [zh for _, zh in gaps]
        item["ready"] = not gaps
    return {
        "start": start,
        "end": end,
        "last_day": last_day,
        "half": half,
        "acceptance_start_by": acceptance_by,
        "unconfirmed_years": list(desk.calendar.unconfirmed_years(last_day, acceptance_by)),
        "milestones": items,
    }


# -- confirmations read back from a workbook ----------------------------------------------


def import_confirmations(desk: Desk, path) -> dict[str, int]:
    """Read the 确认 columns of an exported workbook and confirm what the hospital filled in.

    All or nothing: an unknown record, a record changed since the export, or a conflicting
    confirmer refuses the whole file, naming the sheet and row. Rows already confirmed by the
    same person are skipped, so importing the same file twice changes nothing.
    """
    from pathlib import Path

    from opsdesk.errors import OpsdeskError
    from opsdesk.history import record_digest
    from opsdesk.labels import label

    path = Path(path)
    rows = _workbook_rows(path)
    key_titles = {label(lang, "col.key") for lang in ("zh", "en")}
    digest_titles = {label(lang, "col.digest") for lang in ("zh", "en")}
    confirmer_titles = {label(lang, "col.confirmer") for lang in ("zh", "en")}
    comment_titles = {label(lang, "col.confirm_comment") for lang in ("zh", "en")}
    result: dict[str, Any] = {"confirmed": 0, "unchanged": 0, "rows": 0, "objections": []}
    for sheet, header, body in rows:
        index = {title: i for i, title in enumerate(header) if title}
        key_col = next((index[t] for t in key_titles if t in index), None)
        who_col = next((index[t] for t in confirmer_titles if t in index), None)
        if key_col is None or who_col is None:
            continue
        digest_col = next((index[t] for t in digest_titles if t in index), None)
        comment_col = next((index[t] for t in comment_titles if t in index), None)
        for number, row in body:
            key, who = _cell(row, key_col), _cell(row, who_col)
            comment = _cell(row, comment_col)
            if key and comment and not who:
                # a comment with no name: the hospital objects or asks; nothing is confirmed
                result["objections"].append({"sheet": sheet, "row": number, "record": key, "comment": comment})
                continue
            if not key or not who:
                continue
            result["rows"] += 1
            where = f"sheet {sheet} row {number}"
            kind, _, raw_id = key.partition(":")
            if kind not in CONFIRMABLE or not raw_id.isdigit():
                raise Refused(f"{where}: {key!r} is not a record key (kind:id, e.g. fault:12)")
            record = desk.session.get(CONFIRMABLE[kind], int(raw_id))
            if record is None:
                raise Refused(f"{where}: there is no {kind} {raw_id} in this database")
            if digest_col is not None and _cell(row, digest_col) != record_digest(record):
                raise Refused(f"{where}: {kind} {raw_id} changed since the workbook was exported; export it again")
            if record.confirmed_at is not None:
                if record.confirmed_by == who:
                    result["unchanged"] += 1
                    continue
                raise Refused(f"{where}: {kind} {raw_id} is already confirmed by {record.confirmed_by}, not {who}")
            try:
                confirm(desk, kind, int(raw_id), by=who, comment=comment or None)
            except OpsdeskError as exc:
                raise Refused(f"{where}: {exc}") from None
            result["confirmed"] += 1
    return result


def _cell(row: tuple, index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()


def _workbook_rows(path) -> list[tuple[str, list[str], list[tuple[int, tuple]]]]:
    """(sheet, header, [(row number, values)]) for every sheet of an .xlsx file."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise NotFound(f"no workbook at {path}")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidInput(f"{path} is not a readable .xlsx workbook (damaged, truncated or another format)") from None
    try:
        out = []
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            out.append((ws.title, [str(h).strip() if h is not None else "" for h in header],
                        list(enumerate(rows, start=2))))  # fmt: skip
        return out
    finally:
        wb.close()
