"""The hospital's confirmations (双方确认): of one record, of what awaits it, and of a whole
workbook read back (the 院方确认人 / 确认意见 columns the hospital filled in)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from opsdesk import exceptions, faults
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.models import ChangeRequest, ExceptionRequest, Inspection, Risk, System, Ticket, Training, WorkLog
from opsdesk.records import Desk, check_confirmer, fmt, text_value

CONFIRMABLE = {"fault": Ticket, "change": ChangeRequest, "inspection": Inspection, "risk": Risk,
               "training": Training, "work": WorkLog, "exception": ExceptionRequest}  # fmt: skip


def confirm(
    desk: Desk, kind: str, record_id: int, *, by: str, comment: str | None = None, at: datetime | str | None = None
):
    """The hospital's named person confirms a record (双方确认)."""
    kind = kind.strip().lower()
    if kind not in CONFIRMABLE:
        raise InvalidInput(f"unknown record kind {kind!r}; use one of {', '.join(CONFIRMABLE)}")
    if kind == "fault":
        return faults.confirm(desk, record_id, by=by, comment=comment, at=at)
    if kind == "exception":  # the hospital agrees to an exception request
        return exceptions.decide(desk, record_id, by=by, comment=comment, at=at)
    row = desk.session.get(CONFIRMABLE[kind], record_id)
    if row is None:
        raise NotFound(f"no {kind} {record_id}; `opsdesk confirm pending` lists what awaits confirmation")
    if row.confirmed_at is not None:
        raise Refused(f"{kind} {record_id} is already confirmed (by {row.confirmed_by} at {fmt(row.confirmed_at)})")
    if kind == "change" and row.implemented_at is None:
        raise Refused(f"change {record_id} is not implemented yet; the hospital confirms delivered work")
    check_confirmer(desk, by)
    moment = desk.moment(at)
    happened = getattr(row, "implemented_at", None) or getattr(row, "at", None) or getattr(row, "done_at", None)
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
    query = (select(Risk, Inspection).join(Inspection, Risk.inspection_id == Inspection.id)
             .where(Risk.confirmed_at.is_(None), Risk.done_at.is_not(None)))  # fmt: skip
    if until is not None:
        query = query.where(Risk.done_at < until)
    for risk, inspection in desk.session.exec(query.order_by(Risk.done_at, Risk.id)):
        out.append({"kind": "risk", "id": risk.id, "system": systems[inspection.system_id].code, "date": risk.done_at,
                    "summary": risk.text})  # fmt: skip
    query = (
        select(ExceptionRequest, Ticket)
        .join(Ticket, ExceptionRequest.ticket_id == Ticket.id)
        .where(ExceptionRequest.confirmed_at.is_(None), ExceptionRequest.refused_at.is_(None))
    )
    if until is not None:
        query = query.where(ExceptionRequest.requested_at < until)
    for r, t in desk.session.exec(query.order_by(ExceptionRequest.requested_at, ExceptionRequest.id)):
        out.append({"kind": "exception", "id": r.id, "system": systems[t.system_id].code, "date": r.requested_at,
                    "summary": f"{exceptions.TYPE_NAMES[r.type]} of fault {t.id}: {r.reason}"})  # fmt: skip
    return out


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
    from opsdesk.workbook import read_rows

    path = Path(path)
    rows = read_rows(path)
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
