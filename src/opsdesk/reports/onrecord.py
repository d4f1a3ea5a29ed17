"""A record's row as an exported workbook shows it, rendered from the store as it is now: what
``confirm import`` compares a signed row with, cell by cell (see :mod:`opsdesk.reports.seal`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsdesk.desk import Desk
from opsdesk.labels import label
from opsdesk.reports.seal import cell_text
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    EXCEPTION_COLUMNS,
    FAULT_COLUMNS,
    INSPECTION_COLUMNS,
    RISK_COLUMNS,
    TRAINING_COLUMNS,
    WORK_COLUMNS,
    localise,
)
from opsdesk.reports.workbook import excel_value

SPECS = {
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
CONFIRMATION_SHOWN = {
    "fault": {"confirmed_at": None},
    "exception": {"decision": "exception.pending", "decided_by": None, "decided_at": None},
}
# The cells an answer rewrites in ways not known before it (a refusal's reason; what an agreed or
# refused request does to the verdicts): a row exported before the answer may read anything there.
ANSWER_REWRITES = {"exception": {"refuse_reason", "verdicts"}}
PERIOD_SHOWN = {"after"}  # what happened after a monthly report's period: the report's, not the record's


def record_cells(desk: Desk, kind: str, record, lang: str) -> dict[str, str]:
    """Column title -> the cell's text (:func:`~opsdesk.reports.seal.cell_text`), as a sheet in ``lang``
    would show ``record`` (a confirmable record of ``kind``) if exported now."""
    row = next(iter(localise(lang, [_shown(desk, kind, _row(desk, kind, record), lang)])))
    out = {}
    for key, title, column_kind, *_ in SPECS[kind]:
        if key in PERIOD_SHOWN:
            continue
        out[label(lang, title)] = _text(desk, row.get(key), column_kind)
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


def _text(desk: Desk, value, column_kind: str) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(desk.tz)
    return cell_text(excel_value(value, column_kind))


def _shown(desk: Desk, kind: str, row: dict, lang: str) -> dict:
    """The row with the cells a sheet computes for people (how late, durations in words)."""
    from opsdesk.reports.sheets import fault_rows, work_rows

    if kind == "fault":
        return next(iter(fault_rows(lang, [row], desk.terms.working_day_length // timedelta(minutes=1))))
    if kind == "work":
        return work_rows(lang, [row])[0]
    if kind == "exception":
        from opsdesk.reports.sheets import effect_text

        return dict(row, verdicts=effect_text(lang, row))
    return row


def _row(desk: Desk, kind: str, record) -> dict:
    from opsdesk.reports.rows import (
        change_row,
        corrections_by_record,
        fault_row,
        inspection_row,
        training_row,
        work_row,
    )
    from opsdesk.store.models import System

    if kind == "fault":
        from opsdesk.faults.views import view

        return fault_row(view(desk, record), corrections_by_record(desk))
    if kind == "change":
        from opsdesk.contract.changes import change_view

        return change_row(change_view(desk, record))
    if kind == "inspection":
        from opsdesk.contract.inspections import list_inspections

        return inspection_row(list_inspections(desk, inspection_id=record.id)[0])
    if kind == "risk":
        from opsdesk.reports.rows import risk_row
        from opsdesk.store.models import Inspection

        inspection = desk.session.get(Inspection, record.inspection_id)
        return risk_row(desk.session.get(System, inspection.system_id), inspection.month, record)
    if kind == "exception":
        from opsdesk.faults.requests import list_exceptions
        from opsdesk.reports.rows import exception_rows

        views = list_exceptions(desk, ticket_id=record.ticket_id)
        return exception_rows([v for v in views if v.request.id == record.id])[0]
    system = desk.session.get(System, record.system_id)
    return training_row(record, system) if kind == "training" else work_row(record, system)
