"""A record's row as an exported workbook shows it, rendered from the store as it is now: what
``confirm import`` compares a signed row with, cell by cell (see :mod:`opsdesk.rowcheck`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsdesk.labels import label
from opsdesk.records import Desk
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    FAULT_COLUMNS,
    INSPECTION_COLUMNS,
    TRAINING_COLUMNS,
    WORK_COLUMNS,
    localise,
)  # fmt: skip
from opsdesk.rowcheck import cell_text
from opsdesk.workbook import excel_value

SPECS = {"fault": FAULT_COLUMNS, "change": CHANGE_COLUMNS, "inspection": INSPECTION_COLUMNS,
         "training": TRAINING_COLUMNS, "work": WORK_COLUMNS}  # fmt: skip
CONFIRMATION_SHOWN = {"confirmed_at"}  # the confirmation itself, which an import is about to change
PERIOD_SHOWN = {"after"}  # what happened after a monthly report's period: the report's, not the record's


def record_cells(desk: Desk, kind: str, record, lang: str) -> dict[str, str]:
    """Column title -> the cell's text (:func:`~opsdesk.rowcheck.cell_text`), as a sheet in ``lang``
    would show ``record`` (a confirmable record of ``kind``) if exported now."""
    if kind not in SPECS:  # risks and exception requests: their check covers the row; no column rendering here
        return {}
    row = next(iter(localise(lang, [_shown(desk, kind, _row(desk, kind, record), lang)])))
    out = {}
    for key, title, column_kind in SPECS[kind]:
        if key in CONFIRMATION_SHOWN or key in PERIOD_SHOWN:
            continue
        value = row.get(key)
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(desk.tz)
        out[label(lang, title)] = cell_text(excel_value(value, column_kind))
    return out


def _shown(desk: Desk, kind: str, row: dict, lang: str) -> dict:
    """The row with the cells a sheet computes for people (how late, durations in words)."""
    from opsdesk.reports.sheets import fault_rows, work_rows

    if kind == "fault":
        return next(iter(fault_rows(lang, [row], desk.terms.working_day_length // timedelta(minutes=1))))
    if kind == "work":
        return work_rows(lang, [row])[0]
    return row


def _row(desk: Desk, kind: str, record) -> dict:
    from opsdesk.models import System
    from opsdesk.reports.rows import (
        change_row,
        corrections_by_record,
        fault_row,
        inspection_row,
        training_row,
        work_row,
    )

    if kind == "fault":
        from opsdesk.fault_views import view

        return fault_row(view(desk, record), corrections_by_record(desk))
    if kind == "change":
        from opsdesk.changes import change_view

        return change_row(change_view(desk, record))
    if kind == "inspection":
        from opsdesk.inspections import list_inspections

        return inspection_row(list_inspections(desk, inspection_id=record.id)[0])
    system = desk.session.get(System, record.system_id)
    return training_row(record, system) if kind == "training" else work_row(record, system)
