"""Column sets and highlighting shared by the workbooks (labels come from :mod:`opsdesk.labels`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from opsdesk.faults.edits import VerdictChange
from opsdesk.labels import label, value
from opsdesk.reports.confirm_block import Block, block
from opsdesk.reports.figures import ClockSummary
from opsdesk.reports.item_rows import ItemRow
from opsdesk.reports.rows import (
    ChangeRow,
    CorrectionRow,
    EditRow,
    ExceptionRow,
    FaultRow,
    InspectionGap,
    InspectionRow,
    RiskRow,
    Scalar,
    TrainingRow,
    WorkRow,
    row_cells,
)
from opsdesk.reports.workbook import Cell, Chart, Column, SheetRow, Table
from opsdesk.sla.durations import working_span
from opsdesk.sla.terms import SlaTerms
from opsdesk.store.anchors import Anchor

Spec = Sequence[tuple[str, str, str] | tuple[str, str, str, bool]]  # (row key, label key, kind[, always])
Record = FaultRow | ChangeRow | RiskRow | WorkRow | TrainingRow | ExceptionRow | InspectionRow | InspectionGap | ItemRow

CODED = {
    "kind",
    "type",
    "review",
    "acceptance",
    "state",
    "level",
    "verdict",
    "section",
    "work_type",
    "response_state",
    "arrival_state",
    "resolution_state",
    "db_conclusion",
    "clock",
    "decision",
    "plan_kind",
}
BOOLEAN = {"inside", "schema", "done", "onsite", "late", "voided", "unrisked"}


def columns(lang: str, spec: Spec) -> list[Column]:
    """(row key, label key, kind[, always]) -> Columns with their titles in ``lang``."""
    return [Column(key, label(lang, title), kind, *always) for key, title, kind, *always in spec]


def localise(lang: str, cells: Mapping[str, Cell]) -> dict[str, Cell]:
    """Coded values and booleans as the deliverable shows them; the rest untouched."""
    out = dict(cells)
    for key in CODED & out.keys():
        code = out[key]
        if code is not None:
            out[key] = value(lang, str(code))
    for key in BOOLEAN & out.keys():
        if isinstance(out[key], bool):
            out[key] = value(lang, "yes" if out[key] else "no")
    return out


def after_text(lang: str, after: Iterable[tuple[str, datetime]]) -> str | None:
    """What happened after the period: 修复 2026-12-02 10:00；院方确认 2026-12-05 09:00."""
    parts = [f"{value(lang, 'after.' + key)} {moment:%Y-%m-%d %H:%M}" for key, moment in after]
    return ("；" if lang == "zh" else "; ").join(parts) or None


def sheet_row(lang: str, row: Record, fill: str | None = None, **shown: Cell) -> SheetRow:
    """A typed row as a record sheet shows it: its cells in words (with ``shown``, the cells a sheet
    computes for people), what happened after the period, the flag and the confirmation block."""
    cells = row_cells(row)
    if isinstance(row, FaultRow | ChangeRow | RiskRow):
        cells["after"] = after_text(lang, row.after or ())
    if isinstance(row, FaultRow) and row.after_outcome:  # a fix after the period, with what it found and did
        cells["after"] = (
            f"{cells['after']}（{row.after_outcome}）" if lang == "zh" else f"{cells['after']} ({row.after_outcome})"
        )
    cells.update(shown)
    return SheetRow(localise(lang, cells), fill, row.confirm)


def confirm_titles(lang: str) -> Block:
    """The confirmation block of a record sheet in ``lang``: key, 校验, the answer (a drop-down of 确认 /
    不确认), who answers, the date and a comment."""
    return block(lang)


# The first columns of a record sheet identify the record: frozen, and printed on every page.
FAULT_COLUMNS = [
    ("id", "col.id", "int"),
    ("system_name", "col.system", "text"),
    ("symptom", "col.symptom", "text"),
    ("kind", "col.kind", "text"),
    ("reporter", "col.reporter", "text"),
    ("reported", "col.reported", "datetime"),
    ("inside", "col.inside", "text"),
    ("responded", "col.responded", "datetime"),
    ("response_state", "col.response_state", "text"),
    ("arrived", "col.arrived", "datetime"),
    ("remote", "col.remote", "datetime"),
    ("arrival_state", "col.arrival_state", "text"),
    ("resolved", "col.resolved", "datetime"),
    ("resolution_state", "col.resolution_state", "text"),
    ("late_by", "col.late_by", "text"),
    ("cause", "col.cause", "text"),
    ("action", "col.action", "text"),
    ("outcome", "col.outcome", "text"),
    ("late", "col.late", "text"),
    ("ref", "col.ref", "text"),
    ("confirmed_at", "col.confirmed_at", "datetime"),
    ("corrections", "col.corrections", "text"),
    ("voided", "col.voided", "text"),
    ("exceptions", "col.exceptions", "text"),
    ("after", "col.after_period", "text"),
]
CHANGE_COLUMNS = [
    ("id", "col.id", "int"),
    ("system_name", "col.system", "text"),
    ("title", "col.title", "text"),
    ("type", "col.type", "text"),
    ("schema", "col.schema", "text"),
    ("submitted", "col.submitted", "datetime"),
    ("due", "col.change_due", "datetime"),
    ("review", "col.review", "text"),
    ("implemented", "col.implemented", "datetime"),
    ("acceptance", "col.acceptance", "text"),
    ("accepted_at", "col.accepted_at", "datetime"),
    ("warranty", "col.warranty", "date"),
    ("state", "col.state", "text"),
    ("ref", "col.ref", "text"),
    ("after", "col.after_period", "text"),
]
WORK_COLUMNS = [
    ("id", "col.id", "int"),
    ("system_name", "col.system", "text"),
    ("what", "col.what", "text"),
    ("work_type", "col.work_type", "text"),
    ("at", "col.at", "datetime"),
    ("duration", "col.duration", "text"),
    ("by", "col.by", "text"),
]
TRAINING_COLUMNS = [
    ("id", "col.id", "int"),
    ("system_name", "col.system", "text"),
    ("topic", "col.topic", "text"),
    ("at", "col.at", "datetime"),
    ("trainer", "col.trainer", "text"),
    ("attendees", "col.attendees", "int"),
    ("hours", "col.hours", "float"),
    ("note", "col.note", "text"),
]
RISK_COLUMNS = [
    ("id", "col.id", "int"),
    ("system_name", "col.system", "text"),
    ("risk", "col.risk", "text"),
    ("month", "col.found", "text"),
    ("item", "col.item", "text"),
    ("level", "col.level", "text"),
    ("remedy", "col.remedy", "text"),
    ("owner", "col.owner", "text"),
    ("due", "col.due", "date"),
    ("done", "col.done", "text"),
    ("done_at", "col.done_at", "datetime"),
    ("note", "col.note", "text"),
    ("after", "col.after_period", "text"),
]
ITEM_COLUMNS = [
    ("system_name", "col.system", "text"),
    ("item", "col.item", "text"),
    ("section", "col.section", "text"),
    ("standard", "col.standard", "text"),
    ("reading", "col.reading", "text"),
    ("threshold", "col.threshold", "text"),
    ("result", "col.result", "text"),
    ("verdict", "col.verdict", "text"),
    ("unrisked", "col.unrisked", "text"),
    ("note", "col.note", "text"),
]
# The SLA per clock: a rate over the clocks that were due (无需到场 beside it, never in it)
INSPECTION_COLUMNS = [  # the monthly report's inspection summary (巡检汇总)
    ("system_name", "col.system", "text"),
    ("system", "col.system_code", "text"),
    ("at", "col.at", "datetime"),
    ("inspector", "col.inspector", "text"),
    ("ok", "col.ok", "int"),
    ("warn", "col.warn", "int"),
    ("fail", "col.fail", "int"),
    ("db_conclusion", "col.db_conclusion", "text"),
    ("unrisked", "col.unrisked", "int"),
]
SLA_COLUMNS = [
    ("clock", "col.clock", "text"),
    ("kind", "col.kind", "text"),
    ("target", "col.target", "text"),
    ("tickets", "col.tickets", "int"),
    ("met", "col.met", "int"),
    ("breached", "col.breached", "int"),
    ("not_applicable", "col.not_applicable", "int"),
    ("running", "col.running", "int"),
    ("time_unknown", "col.time_unknown", "int"),
    ("compliance", "col.compliance", "percent"),
    ("median", "col.median", "text"),
    ("worst", "col.worst", "text"),
    ("exceptions", "col.exceptions_count", "int"),
    ("compliance_as_recorded", "col.compliance_recorded", "percent"),
]


def record_table(lang: str, sheet_key: str, spec: Spec, rows: Iterable[SheetRow]) -> Table:
    """A sheet of records the hospital confirms (with the confirmation block). Rows given as a list
    are read whole (a column no row fills is left out); other iterables stream. The id, system and
    what the record is (symptom, title...) identify it on every printed page."""
    return Table(
        label(lang, sheet_key),
        columns(lang, spec),
        rows,
        confirm=confirm_titles(lang),
        ident=3 if spec[0][0] == "id" else 1,
    )


def duration(lang: str, minutes: int | None, working_day: int | None = None) -> str | None:
    """Minutes as a person reads them: 3 小时 40 分 (3 h 40 min); with ``working_day`` (its length in
    minutes) working time as screens and alerts show it: 1个工作日5小时 (1 working day 5h00m), under a
    day marked 45分钟（工作时间） (45m working)."""
    if minutes is None:
        return None
    zh = lang == "zh"
    if working_day:  # the one format of working time (screens, alerts): 1个工作日5小时, 45分钟（工作时间）
        return working_span(timedelta(minutes=minutes), timedelta(minutes=working_day), lang, mark=True)
    hours, mins = divmod(int(minutes), 60)
    hour_word, min_word = ("小时", "分") if zh else ("h", "min")
    if not hours:
        text = f"{mins} {'分钟' if zh else 'min'}"
    else:
        text = f"{hours} {hour_word}" + (f" {mins} {min_word}" if mins else "")
    if working_day:
        text += "（工作时间）" if zh else " working time"
    return text


def fault_sheet_row(lang: str, row: FaultRow, working_day: int) -> SheetRow:
    """A fault with how late each breached clock is, in words (working time for resolution), and
    whether a late arrival's ticket was handled remotely; a breached one flagged."""
    late = []
    for clock, minutes in (
        ("response", row.response_late_min),
        ("arrival", row.arrival_late_min),
        ("resolution", row.resolution_late_min),
    ):
        if minutes is not None:
            shown = duration(lang, minutes, working_day if clock == "resolution" else None)
            late.append(f"{LATE_WORDS[clock]} {shown}" if lang == "zh" else f"{clock} {shown} late")
    if row.arrival_late_min is not None and row.remote:
        late.append("已远程处理" if lang == "zh" else "handled remotely")
    late_by = ("；" if lang == "zh" else "; ").join(late) or None
    return sheet_row(lang, row, "bad" if row.breached else None, late_by=late_by)


LATE_WORDS = {"response": "响应超", "arrival": "到场超", "resolution": "修复超"}


def fault_rows(lang: str, rows: Iterable[FaultRow], working_day: int) -> Iterable[SheetRow]:
    """Fault rows as a sheet shows them, streamed (see :func:`fault_sheet_row`)."""
    return (fault_sheet_row(lang, row, working_day) for row in rows)


def work_sheet_row(lang: str, row: WorkRow) -> SheetRow:
    return sheet_row(lang, row, duration=duration(lang, row.minutes))


def work_rows(lang: str, rows: list[WorkRow]) -> list[SheetRow]:
    return [work_sheet_row(lang, r) for r in rows]


def change_rows(lang: str, rows: list[ChangeRow]) -> list[SheetRow]:
    """Change requests, a late one (delivered late, or past its due date) flagged."""
    return [sheet_row(lang, r, "bad" if r.late else None) for r in rows]


def risk_rows(lang: str, rows: list[RiskRow]) -> list[SheetRow]:
    """Risks, one not carried out flagged."""
    return [sheet_row(lang, r, None if r.done else "warn") for r in rows]


def item_rows(lang: str, rows: Iterable[ItemRow]) -> Iterable[SheetRow]:
    """Check items (streamed), failed or with no risk recorded flagged bad, warned ones warn."""
    return (sheet_row(lang, r, r.fill) for r in rows)


def target_text(lang: str, clock: str, kind: str | None, terms: SlaTerms) -> str:
    """A clock's target in words: ≤30 分钟（工作期间）/ ≤60 分钟（非工作期间）; ≤2 个工作日."""
    zh = lang == "zh"
    if clock == "resolution":
        resolve = {
            "fault": terms.resolve_fault_days,
            "defect": terms.resolve_defect_days,
            "data": terms.resolve_data_days,
        }
        days = f"{resolve[kind or 'fault']:g}"
        return f"≤{days} 个工作日" if zh else f"≤ {days} working day{'' if days == '1' else 's'}"
    if clock == "response":
        inside, outside = terms.response_inside_min, terms.response_outside_min
    else:
        inside, outside = terms.arrival_inside_min, terms.arrival_outside_min
    if zh:
        return f"≤{duration(lang, inside)}（工作期间）/ ≤{duration(lang, outside)}（非工作期间）"
    return f"≤ {duration(lang, inside)} (working hours) / ≤ {duration(lang, outside)} (outside)"


def clock_label(lang: str, clock: str, kind: str | None) -> str:
    if not kind:
        return value(lang, clock)
    clock, kind = value(lang, clock), value(lang, kind)
    return f"{clock}（{kind}）" if lang == "zh" else f"{clock} ({kind})"


def sla_rows(lang: str, summaries: Iterable[ClockSummary], terms: SlaTerms, working_day: int) -> list[SheetRow]:
    """Clock summaries as the SLA table shows them: a rate over the clocks that were due, 无需到场
    counted beside it; durations in words."""
    out = []
    for s in summaries:
        basis = working_day if s.clock == "resolution" else None
        counts = s.counts
        cells: dict[str, Cell] = {
            "clock": clock_label(lang, s.clock, s.kind),
            "target": target_text(lang, s.clock, s.kind, terms),
            "tickets": s.tickets,
            "met": counts["met"],
            "breached": counts["breached"] + counts["overdue"],
            "not_applicable": counts["not_applicable"] + counts["waived"],
            "running": counts["running"],
            "time_unknown": counts["time_unknown"],
            "compliance": s.rate,
            "median": duration(lang, s.median, basis),
            "worst": duration(lang, s.worst, basis),
            "exceptions": s.exceptions,
            "compliance_as_recorded": s.rate_as_recorded,
        }
        out.append(SheetRow(cells))
    return out


def sla_table(lang: str, sheet_key: str, rows: list[SheetRow], chart: bool = True) -> Table:
    """The compliance per clock (rows from :func:`sla_rows`), with a chart of the rates."""
    spec = [c for c in SLA_COLUMNS if c[0] != "kind"]
    charts = [Chart(label(lang, "col.compliance"), ["compliance"], label(lang, "col.compliance"), percent=True)]
    return Table(label(lang, sheet_key), columns(lang, spec), rows, charts=charts if chart else [], drop_empty=False)


CORRECTION_COLUMNS = [
    ("id", "col.id", "int"),
    ("record", "col.corrected_record", "text"),
    ("field", "col.field", "text"),
    ("before", "col.before", "text"),
    ("after", "col.after", "text"),
    ("reason", "col.reason", "text"),
    ("by", "col.corrected_by", "text"),
    ("at", "col.corrected_at", "datetime"),
]
# a corrected column -> the title its sheet gives it; the rest are bookkeeping (*_rec, time_unknown), not shown
CORRECTED_FIELDS = {
    "reported_at": "col.reported",
    "responded_at": "col.responded",
    "arrived_at": "col.arrived",
    "resolved_at": "col.resolved",
    "remote_at": "col.remote",
    "symptom": "col.symptom",
    "kind": "col.kind",
    "reporter": "col.reporter",
    "dept": "col.dept",
    "phone": "col.phone",
    "channel": "col.channel",
    "ref": "col.ref",
    "cause": "col.cause",
    "action": "col.action",
    "result": "col.outcome",
    "impact": "col.impact",
}


def _before_after(lang: str, field: str, v: Scalar) -> Cell:
    """A corrected or edited value as its sheet shows it: a moment to the minute, a kind in words."""
    from opsdesk.timeparse import stored_minute

    if field.endswith("_at"):
        return stored_minute(v) if isinstance(v, str) else v
    return value(lang, v) if field == "kind" and isinstance(v, str) and v else v


def corrections_table(lang: str, rows: list[CorrectionRow]) -> Table:
    """Every correction of a confirmed record, a row per field: the confirmed value and the new one."""
    out = [
        SheetRow(
            {
                "id": r.id,
                "record": f"{value(lang, 'entity.' + r.entity)} {r.entity_id}",
                "field": label(lang, CORRECTED_FIELDS[r.field]),
                "before": _before_after(lang, r.field, r.before),
                "after": _before_after(lang, r.field, r.after),
                "reason": r.reason,
                "by": r.by,
                "at": r.at,
            }
        )
        for r in rows
        if r.field in CORRECTED_FIELDS
    ]
    return Table(label(lang, "sheet.corrections"), columns(lang, CORRECTION_COLUMNS), out)


def verdicts_text(lang: str, changes: tuple[VerdictChange, ...]) -> str:
    """What an exception or an edit changes, in words: ``修复：超时 → 达标（期限 ... → ...）``."""
    zh = lang == "zh"
    if changes and changes[0].after == "void":
        was = ("，" if zh else ", ").join(f"{value(lang, c.clock)} {value(lang, c.before)}" for c in changes)
        return value(lang, "voided_note") + (f"（原：{was}）" if zh else f" (was: {was})")
    parts = []
    for c in changes:
        text = f"{value(lang, c.clock)}{'：' if zh else ': '}{value(lang, c.before)} → {value(lang, c.after)}"
        if c.deadline_before != c.deadline_after:
            moved = f"{c.deadline_before:%Y-%m-%d %H:%M} → {c.deadline_after:%Y-%m-%d %H:%M}"
            text += f"（{value(lang, 'deadline')} {moved}）" if zh else f" ({value(lang, 'deadline')} {moved})"
        parts.append(text)
    return ("；" if zh else "; ").join(parts)


EXCEPTION_COLUMNS: Spec = [
    ("id", "col.id", "int"),
    ("fault", "col.fault_id", "int"),
    ("system", "col.system", "text"),
    ("type", "col.exception_type", "text"),
    ("reason", "col.exception_reason", "text"),
    ("duplicate_of", "col.duplicate_of", "int"),
    ("paused_at", "col.paused_at", "datetime"),
    ("resumed_at", "col.resumed_at", "datetime"),
    ("paused_minutes", "col.paused_minutes", "int"),
    ("requested_by", "col.requested_by", "text"),
    ("requested_at", "col.requested_at", "datetime"),
    ("decision", "col.decision", "text"),
    ("decided_by", "col.decided_by", "text", True),
    ("decided_at", "col.decided_at", "datetime", True),
    ("refuse_reason", "col.refuse_reason", "text", True),
    ("verdicts", "col.verdicts", "text"),
]


def effect_text(lang: str, row: ExceptionRow) -> str:
    """An exception's 对结论的影响: a refused one's none, a pending one's once agreed."""
    if row.state == "refused":
        return value(lang, "effect.refused")
    text = verdicts_text(lang, row.changes) or (value(lang, "effect.pause_none") if row.type == "pause" else "")
    return value(lang, "effect.pending") + text if row.state == "pending" else text


EXCEPTION_FILLS = {"pending": "warn", "refused": "bad"}


def asked_text(lang: str, row: ExceptionRow) -> str:
    """A correction request in words, each field from its value when asked to the one asked for:
    ``更正申请：到场时间 2026-10-07 18:55 → 2026-09-30 18:55``."""
    zh = lang == "zh"
    parts = [
        f"{label(lang, CORRECTED_FIELDS[k])} {_before_after(lang, k, b) or '-'} → {_before_after(lang, k, a) or '-'}"
        for k, (b, a) in sorted((row.asked or {}).items())
        if k in CORRECTED_FIELDS
    ]
    return value(lang, row.type) + ("：" if zh else ": ") + ("；" if zh else "; ").join(parts)


def exception_sheet_row(lang: str, row: ExceptionRow) -> SheetRow:
    """An exception request with its effect in words (a correction with the fields it asks for), a
    pending one flagged warn, a refused one bad."""
    shown: dict[str, Cell] = {"verdicts": effect_text(lang, row), "system": row.system_name or row.system}
    if row.type == "correction":
        shown["type"] = asked_text(lang, row)
    return sheet_row(lang, row, EXCEPTION_FILLS.get(row.state), **shown)


def exceptions_table(lang: str, rows: list[ExceptionRow]) -> Table:
    """豁免与作废记录: every exception request, the hospital's answer, and the verdicts it changes; the
    hospital answers a pending one in the confirmation block, as for any record: 确认 agrees, 不确认
    refuses (its comment the reason)."""
    shown = [exception_sheet_row(lang, r) for r in rows]
    table = record_table(lang, "sheet.exceptions", EXCEPTION_COLUMNS, shown)
    table.ident = 4  # 申请类型 too: beside the answer on every printed page, what 确认 agrees to (a void, a waiver)
    return table


EDIT_COLUMNS = [
    ("id", "col.id", "int"),
    ("record", "col.edited_record", "text"),
    ("field", "col.field", "text"),
    ("before", "col.edit_before", "text"),
    ("after", "col.edit_after", "text"),
    ("verdicts", "col.verdicts", "text"),
    ("by", "col.edited_by", "text"),
    ("at", "col.edited_at", "datetime"),
]


def edits_table(lang: str, rows: list[EditRow]) -> Table:
    """修改记录: each field of the edits, reopens and corrections that changed a verdict or a deadline
    (a reopen's new value: the fix withdrawn); a monthly report's also those made in its month to a
    verdict of an earlier month the hospital had seen."""
    out = [
        SheetRow(
            {
                "id": r.id,
                "record": f"{value(lang, 'entity.ticket')} {r.entity_id}",
                "field": label(lang, CORRECTED_FIELDS[r.field]),
                "before": _before_after(lang, r.field, r.before),
                "after": value(lang, "reopened") if r.reopen else _before_after(lang, r.field, r.after),
                "verdicts": verdicts_text(lang, r.changes),
                "by": r.by,
                "at": r.at,
            }
        )
        for r in rows
        if r.field in CORRECTED_FIELDS
    ]
    return Table(label(lang, "sheet.edits"), columns(lang, EDIT_COLUMNS), out)


def integrity_row(what: str, records: Cell) -> SheetRow:
    """A row of an integrity sheet: what (a table, the anchor...) and its count or value."""
    return SheetRow({"table": what, "records": records})


def anchor_rows(lang: str, anchors: list[Anchor]) -> list[SheetRow]:
    """An integrity sheet's anchors (:func:`opsdesk.store.anchors.history_anchors`): the event count and
    head hash at export, the anchor ``N:HASH`` to check them with, and checkpoints along the history."""
    head = anchors[-1]
    rows = [
        integrity_row(value(lang, "events"), head.events),
        integrity_row(value(lang, "head_hash"), head.head),
        integrity_row(value(lang, "anchor"), str(head)),
    ]
    rows += [integrity_row(f"{value(lang, 'checkpoint')} {n}", str(a)) for n, a in enumerate(anchors[:-1], start=1)]
    return [*rows, integrity_row(value(lang, "anchor_hint"), "")]


INTEGRITY_COLUMNS = [("table", "col.table", "text"), ("records", "col.records", "text")]
DELIVERY_COLUMNS = [
    ("month", "col.month", "text"),
    ("kind", "col.report_kind", "text"),
    ("written_at", "col.written_at", "datetime"),
    ("anchor", "col.anchor", "text"),
    ("sha256", "col.sha256", "text"),
    ("file", "col.file", "text"),
]
