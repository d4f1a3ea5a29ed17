"""The hospital's confirmations (双方确认): of one record, and of what awaits it. A whole workbook
read back is :mod:`opsdesk.reports.confirm_import`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel, col, select

from opsdesk.desk import Desk, check_confirmer, fmt, name_value, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.faults import requests as exceptions
from opsdesk.faults import tickets as faults
from opsdesk.store.models import ChangeRequest, ExceptionRequest, Inspection, Risk, System, Ticket, Training, WorkLog

CONFIRMABLE: dict[str, type[SQLModel]] = {
    "fault": Ticket,
    "change": ChangeRequest,
    "inspection": Inspection,
    "risk": Risk,
    "training": Training,
    "work": WorkLog,
    "exception": ExceptionRequest,
}


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
    # Any: one of the tables that share the confirmation columns (SQLModel has no type for "a table with these").
    row: Any = desk.session.get(CONFIRMABLE[kind], record_id)
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
            "confirmed_by": name_value(by, "--by", required=True),
            "confirm_comment": text_value(comment, "--comment"),
        },
        f"{kind}.confirm",
        happened_at=moment,
    )
    return row


@dataclass(frozen=True)
class Pending:
    """A record that still lacks the hospital's confirmation, with the objections read back for it."""

    kind: str
    id: int
    system: str
    date: datetime
    summary: str
    objections: tuple[str, ...]  # the hospital's, read from a workbook ("name: comment" when it was signed)
    digest: str = ""  # the record's (:func:`opsdesk.store.history.record_digest`): its row's 校验 is made from it

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "system": self.system,
            "date": self.date,
            "summary": self.summary,
            "objections": list(self.objections),
        }


def pending(desk: Desk, until: datetime | None = None, digests: bool = False) -> list[Pending]:
    """Records that still lack the hospital's confirmation (resolved faults, delivered changes, the rest);
    ``digests``: with each record's digest, for a workbook row the hospital answers on (status only
    counts them, and a digest per record would cost it)."""
    desk.contract  # noqa: B018
    systems = {s.id: s for s in desk.session.exec(select(System))}
    out: list[Pending] = []
    # The table, its moment and its summary; Any: tables that share the confirmation columns, as above.
    queries: dict[str, tuple[Any, Any, Callable[[Any], str]]] = {
        "fault": (Ticket, Ticket.resolved_at, lambda t: t.symptom),
        "change": (ChangeRequest, ChangeRequest.implemented_at, lambda c: c.title),
        "inspection": (Inspection, Inspection.at, lambda i: f"{i.month} 巡检"),
        "training": (Training, Training.at, lambda t: t.topic),
        "work": (WorkLog, WorkLog.at, lambda w: w.text),
    }
    from opsdesk.store.history import record_digest
    from opsdesk.store.models import Objection

    def digest(record) -> str:
        return record_digest(record) if digests else ""

    objections: dict[tuple[str, int], list[str]] = {}
    for o in desk.session.exec(select(Objection).order_by(col(Objection.id))):
        said = f"{o.objected_by}: {o.comment}" if o.objected_by else o.comment
        objections.setdefault((o.kind, o.record_id), []).append(said)
    for kind, (model, when, summary) in queries.items():
        query = select(model).where(model.confirmed_at.is_(None), when.is_not(None))
        if until is not None:
            query = query.where(when < until)
        for row in desk.session.exec(query.order_by(when, model.id)):
            out.append(
                Pending(
                    kind,
                    row.id,
                    systems[row.system_id].code,
                    getattr(row, when.key),
                    summary(row),
                    tuple(objections.get((kind, row.id), [])),
                    digest(row),
                )
            )
    risks = (
        select(Risk, Inspection)
        .join(Inspection, col(Risk.inspection_id) == col(Inspection.id))
        .where(col(Risk.confirmed_at).is_(None), col(Risk.done_at).is_not(None))
    )
    if until is not None:
        risks = risks.where(col(Risk.done_at) < until)
    for risk, inspection in desk.session.exec(risks.order_by(col(Risk.done_at), col(Risk.id))):
        assert risk.done_at is not None  # the query's
        out.append(
            Pending(
                "risk",
                risk.id,
                systems[inspection.system_id].code,
                risk.done_at,
                risk.text,
                tuple(objections.get(("risk", risk.id), [])),
                digest(risk),
            )
        )
    requests = (
        select(ExceptionRequest, Ticket)
        .join(Ticket, col(ExceptionRequest.ticket_id) == col(Ticket.id))
        .where(col(ExceptionRequest.confirmed_at).is_(None), col(ExceptionRequest.refused_at).is_(None))
    )
    if until is not None:
        requests = requests.where(ExceptionRequest.requested_at < until)
    for r, t in desk.session.exec(requests.order_by(col(ExceptionRequest.requested_at), col(ExceptionRequest.id))):
        out.append(
            Pending(
                "exception",
                r.id,
                systems[t.system_id].code,
                r.requested_at,
                f"{exceptions.TYPE_NAMES[r.type]} of fault {t.id}: {r.reason}",
                tuple(objections.get(("exception", r.id), [])),
                digest(r),
            )
        )
    return out
