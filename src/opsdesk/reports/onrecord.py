"""A record's row as an exported workbook shows it, rendered from the store as it is now: what
``confirm import`` compares a signed row with, cell by cell (see :mod:`opsdesk.rowcheck`)."""

from __future__ import annotations

from datetime import datetime

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


def record_cells(desk: Desk, kind: str, record, lang: str) -> dict[str, str]:
    """Column title -> the cell's text (:func:`~opsdesk.rowcheck.cell_text`), as a sheet in ``lang``
    would show ``record`` (a confirmable record of ``kind``) if exported now."""
    row = next(iter(localise(lang, [_row(desk, kind, record)])))
    out = {}
    for key, title, column_kind in SPECS[kind]:
        if key in CONFIRMATION_SHOWN:
            continue
        value = row.get(key)
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(desk.tz)
        out[label(lang, title)] = cell_text(excel_value(value, column_kind))
    return out


def _row(desk: Desk, kind: str, record) -> dict:
    from opsdesk.models import System
    from opsdesk.reports import rows

    if kind == "fault":
        from opsdesk.faults import view

        return rows.fault_row(view(desk, record), rows.corrections_by_record(desk))
    if kind == "change":
        from opsdesk.changes import change_view

        return rows.change_row(change_view(desk, record))
    if kind == "inspection":
        from opsdesk.inspections import list_inspections

        return rows.inspection_row(list_inspections(desk, inspection_id=record.id)[0])
    system = desk.session.get(System, record.system_id)
    return rows.training_row(record, system) if kind == "training" else rows.work_row(record, system)
