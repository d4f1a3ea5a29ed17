"""A record's row as an exported workbook shows it, rendered from the store as it is now: what
``confirm import`` compares a signed row with, cell by cell (see :mod:`opsdesk.reports.seal`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsdesk.desk import Desk
from opsdesk.labels import label
from opsdesk.reports.rows import (
    change_row,
    corrections_by_record,
    exception_rows,
    fault_row,
    inspection_row,
    risk_row,
    training_row,
    work_row,
)
from opsdesk.reports.seal import cell_text
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    EXCEPTION_COLUMNS,
    FAULT_COLUMNS,
    INSPECTION_COLUMNS,
    RISK_COLUMNS,
    TRAINING_COLUMNS,
    WORK_COLUMNS,
    Spec,
    exception_sheet_row,
    fault_sheet_row,
    sheet_row,
    work_sheet_row,
)
from opsdesk.reports.workbook import Cell, SheetRow, excel_value
from opsdesk.store.models import ChangeRequest, ExceptionRequest, Inspection, Risk, System, Ticket, Training, WorkLog

Confirmable = Ticket | ChangeRequest | Inspection | Risk | WorkLog | Training | ExceptionRequest

SPECS: dict[str, Spec] = {
    "fault": FAULT_COLUMNS,
    "change": CHANGE_COLUMNS,
    "inspection": INSPECTION_COLUMNS,
    "training": TRAINING_COLUMNS,
    "work": WORK_COLUMNS,
    "risk": RISK_COLUMNS,
    "exception": EXCEPTION_COLUMNS,
}
# The cells that show the confirmation itself (an exception request's: the hospital's decision), as
# a row exported before it shows them: a confirmed record's row may read either way.
CONFIRMATION_SHOWN: dict[str, dict[str, str | None]] = {
    "fault": {"confirmed_at": None},
    "exception": {"decision": "exception.pending", "decided_by": None, "decided_at": None},
}
# The cells an answer rewrites in ways not known before it (a refusal's reason; what an agreed or
# refused request does to the verdicts): a row exported before the answer may read anything there.
ANSWER_REWRITES = {"exception": {"refuse_reason", "verdicts"}}
PERIOD_SHOWN = {"after"}  # what happened after a monthly report's period: the report's, not the record's


def record_cells(desk: Desk, kind: str, record: Confirmable, lang: str) -> dict[str, str]:
    """Column title -> the cell's text (:func:`~opsdesk.reports.seal.cell_text`), as a sheet in ``lang``
    would show ``record`` (a confirmable record of ``kind``) if exported now."""
    cells = _shown(desk, record, lang).cells
    out = {}
    for key, title, column_kind, *_ in SPECS[kind]:
        if key in PERIOD_SHOWN:
            continue
        out[label(lang, title)] = _text(desk, cells.get(key), column_kind)
    return out


def unconfirmed_cells(desk: Desk, kind: str, lang: str) -> dict[str, str]:
    """Column title -> the text the cells that show the confirmation have before it (a confirmed
    record's row exported earlier reads so)."""
    from opsdesk.labels import value as coded

    shown = CONFIRMATION_SHOWN.get(kind, {})
    return {
        label(lang, title): _text(desk, None if shown[key] is None else coded(lang, shown[key]), column_kind)
        for key, title, column_kind, *_ in SPECS[kind]
        if key in shown
    }


def answer_rewrites(kind: str, lang: str) -> set[str]:
    """The titles of the cells an answer rewrites (:data:`ANSWER_REWRITES`)."""
    return {label(lang, title) for key, title, *_ in SPECS[kind] if key in ANSWER_REWRITES.get(kind, ())}


def _text(desk: Desk, value: Cell, column_kind: str) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(desk.tz)
    return cell_text(excel_value(value, column_kind))


def _shown(desk: Desk, record: Confirmable, lang: str) -> SheetRow:
    """The record's row as its sheet shows it, with the cells a sheet computes for people (how late,
    durations in words, an exception's effect)."""
    if isinstance(record, Ticket):
        from opsdesk.faults.views import view

        row = fault_row(view(desk, record), corrections_by_record(desk))
        return fault_sheet_row(lang, row, desk.terms.working_day_length // timedelta(minutes=1))
    if isinstance(record, ChangeRequest):
        from opsdesk.contract.changes import change_view

        return sheet_row(lang, change_row(change_view(desk, record)))
    if isinstance(record, Inspection):
        from opsdesk.contract.inspections import list_inspections

        return sheet_row(lang, inspection_row(list_inspections(desk, inspection_id=record.id)[0]))
    if isinstance(record, Risk):
        inspection = desk.session.get(Inspection, record.inspection_id)
        assert inspection is not None, "a risk's inspection is kept"
        return sheet_row(lang, risk_row(_system(desk, inspection.system_id), inspection.month, record))
    if isinstance(record, ExceptionRequest):
        from opsdesk.faults.requests import list_exceptions

        views = list_exceptions(desk, ticket_id=record.ticket_id)
        return exception_sheet_row(lang, exception_rows([v for v in views if v.request.id == record.id])[0])
    if isinstance(record, Training):
        return sheet_row(lang, training_row(record, _system(desk, record.system_id)))
    return work_sheet_row(lang, work_row(record, _system(desk, record.system_id)))


def _system(desk: Desk, system_id: int) -> System:
    system = desk.session.get(System, system_id)
    assert system is not None, "a record's system is kept"
    return system
