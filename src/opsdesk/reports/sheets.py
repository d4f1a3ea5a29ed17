"""Column sets and highlighting shared by the workbooks (labels come from :mod:`opsdesk.labels`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opsdesk.labels import label, value
from opsdesk.workbook import Column, Table

CODED = {"kind", "type", "review", "acceptance", "state", "level", "verdict", "section", "work_type",
         "response_state", "arrival_state", "resolution_state", "db_conclusion", "clock"}  # fmt: skip
BOOLEAN = {"inside", "schema", "done", "onsite", "late"}


def columns(lang: str, spec: list[tuple[str, str, str]]) -> list[Column]:
    """(row key, label key, kind) -> Columns with their titles in ``lang``."""
    return [Column(key, label(lang, title), kind) for key, title, kind in spec]


def localise(lang: str, rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Coded values and booleans as the deliverable shows them; the rest untouched."""
    for row in rows:
        out = dict(row)
        for key in CODED & out.keys():
            if out[key] is not None:
                out[key] = value(lang, out[key])
        for key in BOOLEAN & out.keys():
            if isinstance(out[key], bool):
                out[key] = value(lang, "yes" if out[key] else "no")
        yield out


def confirm_titles(lang: str) -> tuple[str, str, str, str, str]:
    return (label(lang, "col.key"), label(lang, "col.digest"), label(lang, "col.confirmer"),
            label(lang, "col.confirm_comment"), label(lang, "col.confirm_date"))  # fmt: skip


FAULT_COLUMNS = [
    ("id", "col.id", "int"), ("system", "col.system", "text"), ("kind", "col.kind", "text"),
    ("symptom", "col.symptom", "text"), ("reporter", "col.reporter", "text"), ("reported", "col.reported", "datetime"),
    ("inside", "col.inside", "text"), ("responded", "col.responded", "datetime"),
    ("response_state", "col.response_state", "text"), ("arrived", "col.arrived", "datetime"),
    ("arrival_state", "col.arrival_state", "text"), ("resolved", "col.resolved", "datetime"),
    ("resolution_state", "col.resolution_state", "text"), ("cause", "col.cause", "text"),
    ("action", "col.action", "text"), ("outcome", "col.outcome", "text"), ("late", "col.late", "text"),
    ("ref", "col.ref", "text"), ("confirmed_at", "col.confirmed_at", "datetime"),
    ("corrections", "col.corrections", "text"),
]  # fmt: skip
CHANGE_COLUMNS = [
    ("id", "col.id", "int"), ("system", "col.system", "text"), ("type", "col.type", "text"),
    ("title", "col.title", "text"), ("schema", "col.schema", "text"), ("submitted", "col.submitted", "datetime"),
    ("due", "col.change_due", "datetime"), ("review", "col.review", "text"),
    ("implemented", "col.implemented", "datetime"), ("acceptance", "col.acceptance", "text"),
    ("accepted_at", "col.accepted_at", "datetime"), ("warranty", "col.warranty", "date"),
    ("state", "col.state", "text"),
]  # fmt: skip
WORK_COLUMNS = [
    ("id", "col.id", "int"), ("system", "col.system", "text"), ("work_type", "col.work_type", "text"),
    ("at", "col.at", "datetime"), ("what", "col.what", "text"), ("minutes", "col.minutes", "int"),
    ("by", "col.by", "text"),
]  # fmt: skip
TRAINING_COLUMNS = [
    ("id", "col.id", "int"), ("system", "col.system", "text"), ("at", "col.at", "datetime"),
    ("topic", "col.topic", "text"), ("trainer", "col.trainer", "text"), ("attendees", "col.attendees", "int"),
    ("hours", "col.hours", "float"), ("note", "col.note", "text"),
]  # fmt: skip
INSPECTION_COLUMNS = [
    ("system", "col.system", "text"), ("system_name", "col.system_name", "text"), ("at", "col.at", "datetime"),
    ("inspector", "col.inspector", "text"), ("ok", "col.ok", "int"), ("warn", "col.warn", "int"),
    ("fail", "col.fail", "int"), ("db_conclusion", "col.db_conclusion", "text"),
]  # fmt: skip
SLA_COLUMNS = [
    ("clock", "col.clock", "text"), ("kind", "col.kind", "text"), ("tickets", "col.tickets", "int"),
    ("met", "col.met", "int"), ("not_applicable", "col.not_applicable", "int"), ("breached", "col.breached", "int"),
    ("running", "col.running", "int"),
    ("time_unknown", "col.time_unknown", "int"), ("compliance", "col.compliance", "percent"),
    ("median", "col.median", "int"), ("worst", "col.worst", "int"),
]  # fmt: skip


def breached(row: dict[str, Any]) -> str | None:
    return "bad" if row.get("breached") else None


def record_table(lang: str, sheet_key: str, spec, rows, highlight=None) -> Table:
    """A sheet of records the hospital confirms (with the confirmation block)."""
    return Table(label(lang, sheet_key), columns(lang, spec), localise(lang, rows), highlight,
                 confirm=confirm_titles(lang))  # fmt: skip


CORRECTION_COLUMNS = [
    ("id", "col.id", "int"), ("record", "col.corrected_record", "text"), ("field", "col.field", "text"),
    ("before", "col.before", "text"), ("after", "col.after", "text"), ("reason", "col.reason", "text"),
    ("by", "col.corrected_by", "text"), ("at", "col.corrected_at", "datetime"),
]  # fmt: skip
# a corrected column -> the title its sheet gives it; the rest are bookkeeping (*_rec, time_unknown), not shown
CORRECTED_FIELDS = {
    "reported_at": "col.reported", "responded_at": "col.responded", "arrived_at": "col.arrived",
    "resolved_at": "col.resolved", "remote_at": "col.remote", "symptom": "col.symptom", "kind": "col.kind",
    "reporter": "col.reporter", "dept": "col.dept", "phone": "col.phone", "channel": "col.channel",
    "ref": "col.ref", "cause": "col.cause", "action": "col.action", "result": "col.outcome", "impact": "col.impact",
}  # fmt: skip


def corrections_table(lang: str, rows: list[dict[str, Any]]) -> Table:
    """Every correction of a confirmed record, a row per field: the confirmed value and the new one."""

    from opsdesk.timeparse import stored_minute

    def shown(field: str, v: Any) -> Any:
        if field.endswith("_at"):
            return stored_minute(v)
        return value(lang, v) if field == "kind" and v is not None else v

    out = [{
        "id": r["id"], "record": f"{value(lang, 'entity.' + r['entity'])} {r['entity_id']}",
        "field": label(lang, CORRECTED_FIELDS[r["field"]]),
        "before": shown(r["field"], r["before"]), "after": shown(r["field"], r["after"]), "reason": r["reason"],
        "by": r["by"], "at": r["at"],
    } for r in rows if r["field"] in CORRECTED_FIELDS]  # fmt: skip
    return Table(label(lang, "sheet.corrections"), columns(lang, CORRECTION_COLUMNS), out)


def anchor_rows(lang: str, anchors) -> list[dict[str, Any]]:
    """An integrity sheet's anchors (:func:`opsdesk.anchors.history_anchors`): the event count and
    head hash at export, the anchor ``N:HASH`` to check them with, and checkpoints along the history."""
    head = anchors[-1]
    rows = [{"table": value(lang, "events"), "records": head.events},
            {"table": value(lang, "head_hash"), "records": head.head},
            {"table": value(lang, "anchor"), "records": str(head)}]  # fmt: skip
    rows += [{"table": f"{value(lang, 'checkpoint')} {n}", "records": str(a)}
             for n, a in enumerate(anchors[:-1], start=1)]  # fmt: skip
    return [*rows, {"table": value(lang, "anchor_hint"), "records": ""}]


INTEGRITY_COLUMNS = [("table", "col.table", "text"), ("records", "col.records", "text")]
DELIVERY_COLUMNS = [
    ("month", "col.month", "text"), ("written_at", "col.written_at", "datetime"), ("anchor", "col.anchor", "text"),
    ("sha256", "col.sha256", "text"), ("file", "col.file", "text"),
]  # fmt: skip
