"""Importing from the hospital's platform (ZenTao) and handing back what was done.

Bugs become tickets, stories become change requests, keyed by platform id (``bug#12``,
``story#5`` in ``ref``). Re-importing the same export changes nothing; a newer export moves
only the fields the platform changed, and never a field an engineer changed by hand (each
record keeps the values last imported in ``platform_data`` for that three-way comparison).
One transaction: any bad row refuses the whole file, naming the row.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from opsdesk.contract.systems import get_system, system_by_id
from opsdesk.desk import Desk, text_value
from opsdesk.errors import BadOption, InvalidInput, OpsdeskError, Refused
from opsdesk.faults.tickets import KIND_NAMES, check_order, normalise_kind
from opsdesk.outfile import output_file
from opsdesk.store import bulk
from opsdesk.store.history import to_json_value
from opsdesk.store.models import ChangeRequest, PlatformMap, System, Ticket
from opsdesk.zentao.files import Export, named, parse_time, read_export, resolution_label, status_of

DEFAULT_SEVERITY = {"1": "fault", "2": "fault", "3": "defect", "4": "defect"}
DEFAULT_TYPE = {"数据错误": "data", "数据修复": "data"}  # a bug of this type is of this kind, whatever its severity
SEVERITY_NAMES = {"1": "致命", "2": "严重", "3": "一般", "4": "轻微"}
DONE_REASONS = {"已完成", "done"}
DRAFT_STATUSES = {"草稿", "draft"}
NOT_FAULTS = {"重复Bug", "转为需求"}


def _check_unique(path: Path, rows, what: str) -> None:
    seen: dict[int, int] = {}
    for number, row in rows:
        key = row["id"]
        if key in seen:
            raise InvalidInput(
                f"{Path(path).name} rows {seen[key]} and {number} both hold {what}#{key}; "
                "export again without duplicates"
            )
        seen[key] = number


def _in_service(desk: Desk, result, number: int, where: str, platform_id: str, moment: datetime) -> bool:
    """Rows from before the contract's service are reported and skipped; from the future, refused."""
    if moment.date() < desk.contract.start_date:
        result.reported.append(
            (
                number,
                platform_id,
                f"{platform_id} dates from {moment:%Y-%m-%d}, before the "
                f"contract's service starts ({desk.contract.start_date}): skipped",
            )
        )
        return False
    if moment > desk.local_now + timedelta(minutes=5):
        raise InvalidInput(f"{where}: {platform_id} is dated {moment:%Y-%m-%d %H:%M}, in the future; check the export")
    return True


# -- maps ---------------------------------------------------------------------------------


def set_map(desk: Desk, key: str, value: str, *, severity: bool = False, bug_type: bool = False) -> PlatformMap:
    """Map a platform product (or ``product/module``) to a system, a severity 1-4 to a ticket kind,
    or (``bug_type``) a bug type such as 数据错误 to a ticket kind."""
    desk.contract  # noqa: B018
    if severity and bug_type:
        raise BadOption("give either --severity or --type, not both")
    kind = "severity" if severity else "type" if bug_type else "product"
    key = text_value(key, "the platform's name") or ""
    if bug_type:
        if not key:
            raise InvalidInput("the bug type is empty")
        value = normalise_kind(value)
    elif severity:
        if key not in DEFAULT_SEVERITY:
            raise InvalidInput(f"severity {key!r}: ZenTao severities are 1, 2, 3 and 4")
        value = normalise_kind(value)
    else:
        if not key:
            raise InvalidInput("the product name is empty")
        value = get_system(desk, value).code
    row = desk.session.exec(select(PlatformMap).where(PlatformMap.kind == kind, PlatformMap.key == key)).first()
    if row is None:
        return desk.create(PlatformMap(kind=kind, key=key, value=value), "import.map")
    if desk.update(row, {"value": value}, "import.map") is None:
        raise Refused(f"{key!r} already maps to {value}")
    return row


def maps(desk: Desk) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"product": {}, "severity": dict(DEFAULT_SEVERITY), "type": dict(DEFAULT_TYPE)}
    for row in desk.session.exec(select(PlatformMap).order_by(PlatformMap.kind, PlatformMap.key)):
        out.setdefault(row.kind, {})[row.key] = row.value
    return out


# -- import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[tuple[int, str, int]] = field(default_factory=list)  # (row, platform id, record id)
    updated: list[tuple[int, str, int, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    kept: list[tuple[int, str, int, list[str]]] = field(default_factory=list)  # fields changed by hand, kept
    reported: list[tuple[int, str, str]] = field(default_factory=list)  # (row, platform id, what)
    time_unknown: list[tuple[int, str, int, date]] = field(default_factory=list)  # (row, platform id, id, the day)
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "created": [{"row": r, "platform_id": p, "id": i} for r, p, i in self.created],
            "updated": [{"row": r, "platform_id": p, "id": i, "fields": f} for r, p, i, f in self.updated],
            "unchanged": self.unchanged,
            "kept_hand_edits": [{"row": r, "platform_id": p, "id": i, "fields": f} for r, p, i, f in self.kept],
            "reported": [{"row": r, "platform_id": p, "message": m} for r, p, m in self.reported],
            "time_unknown": [{"row": r, "platform_id": p, "id": i, "date": d} for r, p, i, d in self.time_unknown],
        }


def _system_for(mapping: dict[str, str], product: str, module: str) -> str | None:
    """The most specific map: ``product/a/b``, then ``product/a``, then ``product``.

    ZenTao writes a module as its path (``/智能候诊/叫号屏(#31)``) or its name (``叫号屏(#31)``).
    """
    parts = [p for p in module.split("/") if p]
    for n in range(len(parts), 0, -1):
        found = mapping.get("/".join([product, *parts[:n]]))
        if found:
            return found
    return mapping.get(product)


def _check_products(path: Path, rows, mapping: dict[str, str]) -> None:
    unmapped = sorted(
        {
            named(r.get("product"))
            for _, r in rows
            if not _system_for(mapping, named(r.get("product")), named(r.get("module")))
        }
    )
    if unmapped:
        listed = ", ".join(repr(p) for p in unmapped)
        raise Refused(
            f"{path}: ZenTao product(s) {listed} are not mapped to a system; map each with "
            f'`opsdesk import map "{unmapped[0]}" SYSTEM` (systems: see `opsdesk system list`), then import again'
        )


@dataclass
class _Row:
    """One export row inside the contract's service, its platform id, creation time and system checked."""

    number: int
    where: str
    platform_id: str
    cells: dict[str, Any]
    opened: datetime
    date_only: bool
    system_id: int
    api: bool
    tz: tzinfo

    def time(self, field_name: str) -> datetime | None:
        return parse_time(self.cells.get(field_name), self.tz, api=self.api, where=self.where)[0]


def _read(desk: Desk, path: Path, export: Export, known: dict, prefix: str) -> tuple[ImportResult, list[_Row]]:
    """What bugs and stories share: check products and ids, date each row, skip what predates the
    contract (reported in the result)."""
    _check_products(path, export.rows, known["product"])
    _check_unique(path, export.rows, prefix)
    systems = {s.code: s.id for s in desk.session.exec(select(System))}
    result = ImportResult(format=export.format)
    rows = []
    for number, cells in export.rows:
        where = f"{Path(path).name} row {number}"
        platform_id = f"{prefix}#{cells['id']}"
        opened, date_only = parse_time(cells.get("opened"), desk.tz, api=export.format == "api", where=where)
        if opened is None:
            raise InvalidInput(f"{where}: {platform_id} has no creation date (创建日期)")
        if not _in_service(desk, result, number, where, platform_id, opened):
            continue
        code = _system_for(known["product"], named(cells.get("product")), named(cells.get("module")))
        assert code is not None  # every product is mapped (_check_products)
        rows.append(
            _Row(number, where, platform_id, cells, opened, date_only, systems[code], export.format == "api", desk.tz)
        )
    return result, rows


def import_bugs(desk: Desk, path: Path) -> ImportResult:
    """ZenTao bugs -> fault tickets.

    The file is read and every row checked before the store is touched; the store is then read
    (maps, the bugs imported before) and written in bulk, so the write lock, which the first
    statement takes, is held for seconds however long the export is. All or nothing.
    """
    export = read_export(path, "bugs")
    known = maps(desk)
    result, rows = _read(desk, path, export, known, "bug")
    writer = _Writer(desk, Ticket, "bug")
    for r in rows:
        resolution = resolution_label(r.cells.get("resolution"))
        if resolution in NOT_FAULTS:
            result.reported.append(
                (r.number, r.platform_id, f"{r.platform_id} was closed as {resolution}: not a fault, skipped")
            )
            continue
        severity = r.cells.get("severity") or ""
        resolved = None
        if status_of(r.cells.get("status")) in ("resolved", "closed"):
            resolved = r.time("resolved") or r.time("closed")
            if resolved is None:
                raise InvalidInput(
                    f"{r.where}: {r.platform_id} is {r.cells.get('status')} but has no 解决日期 or 关闭日期"
                )
        values = {
            "system_id": r.system_id,
            "kind": known["type"].get(r.cells.get("type") or "") or known["severity"].get(severity, "defect"),
            "symptom": named(r.cells.get("title")) or r.platform_id,
            "reporter": named(r.cells.get("opened_by")) or None,
            "impact": f"严重程度{severity}（{SEVERITY_NAMES[severity]}）" if severity in SEVERITY_NAMES else None,
            "reported_at": r.opened,
            "time_unknown": r.date_only,
            "resolved_at": resolved,
            "result": resolution,
            "channel": "platform",
        }
        resolver = named(r.cells.get("resolved_by")) if resolved else None
        record_id, unknown = writer.apply(result, r, values, meta={"resolved_by": resolver} if resolver else None)
        if unknown:
            result.time_unknown.append((r.number, r.platform_id, record_id, r.opened.date()))
    writer.write()
    return result


def import_stories(desk: Desk, path: Path, *, type: str = "perfective") -> ImportResult:
    """ZenTao stories -> change requests (type from --type; delivered when closed as done)."""
    from opsdesk.contract.changes import normalise_type

    change_type = normalise_type(type)
    export = read_export(path, "stories")
    result, rows = _read(desk, path, export, maps(desk), "story")
    writer = _Writer(desk, ChangeRequest, "story")
    for r in rows:
        status = named(r.cells.get("status"))
        reason = r.cells.get("closed_reason") or ""
        dropped = status in DRAFT_STATUSES or (reason and reason not in DONE_REASONS)
        if dropped and r.platform_id not in writer.existing:
            why = f"closed as {reason}" if reason else f"still {status}"
            result.reported.append((r.number, r.platform_id, f"{r.platform_id} is {why}: no change request made"))
            continue
        values = {
            "system_id": r.system_id,
            "title": named(r.cells.get("title")) or r.platform_id,
            "requested_by": named(r.cells.get("opened_by")) or None,
            "submitted_at": r.opened,
            "implemented_at": r.time("closed") if reason in DONE_REASONS else None,
        }
        # the type is ours, not the platform's: --type sets it on a new request; a re-import never moves it
        writer.apply(result, r, values, on_create={"type": change_type})
    writer.write()
    return result


STEP_RECORDED = {
    "reported_at": "reported_rec",
    "resolved_at": "resolved_rec",
    "submitted_at": "submitted_rec",
    "implemented_at": "implemented_rec",
}


class _Writer:
    """The records of one import: those the platform sent before, read at once; new ones numbered
    on from the table's highest id and written in bulk (:meth:`write`) after every update."""

    def __init__(self, desk: Desk, model, prefix: str):
        self.desk, self.model = desk, model
        self.kind = "fault" if model is Ticket else "change"
        query = select(model).where(model.ref.like(f"{prefix}#%"))
        self.existing = {record.ref: record for record in desk.session.exec(query)}
        self.next_id = (desk.session.exec(select(func.max(model.id))).one() or 0) + 1
        self.new: list[tuple[dict[str, Any], datetime | None]] = []

    def apply(
        self,
        result: ImportResult,
        r: _Row,
        values: dict[str, Any],
        *,
        on_create: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> tuple[int, bool]:
        """Create the record (with ``values`` and ``on_create``), or move the fields of ``values`` the
        platform changed and nobody changed by hand. ``meta``: what else the platform said, kept in the
        snapshot only. Returns the record's id and whether its report time of day is still unknown."""
        snapshot = {k: to_json_value(v) for k, v in values.items()} | (meta or {})
        try:
            existing = self.existing.get(r.platform_id)
            if existing is None:
                return self._create(result, r, values, snapshot, on_create or {}), bool(values.get("time_unknown"))
            self._update(result, r, existing, values, snapshot, on_create or {})
            return existing.id, bool(getattr(existing, "time_unknown", False))
        except OpsdeskError as exc:
            if str(exc).startswith(r.where):
                raise
            raise type(exc)(f"{r.where}: {exc}") from None

    def _create(self, result: ImportResult, r: _Row, values: dict, snapshot: dict, on_create: dict) -> int:
        if self.model is Ticket:
            check_order(r.platform_id, {k: values.get(k) for k in ("reported_at", "resolved_at")})
        elif values["implemented_at"] is not None and values["implemented_at"] < values["submitted_at"]:
            raise Refused(f"{r.platform_id} was closed before it was created")
        recorded = {rec: self.desk.local_now for col, rec in STEP_RECORDED.items() if values.get(col) is not None}
        record_id, self.next_id = self.next_id, self.next_id + 1
        data = json.dumps(snapshot, ensure_ascii=False)
        row = bulk.row(
            self.model,
            id=record_id,
            ref=r.platform_id,
            source="zentao",
            platform_data=data,
            **values,
            **on_create,
            **recorded,
        )
        self.new.append((row, values.get("reported_at") or values.get("submitted_at")))
        result.created.append((r.number, r.platform_id, record_id))
        return record_id

    def write(self) -> None:
        """The new records and their creation events, after the updates' (the chain stays one line)."""
        self.desk.session.flush()
        if not self.new:
            return
        writer = bulk.BulkWriter(self.desk.session, self.desk.actor)
        for row, happened in self.new:
            writer.add(
                self.model.__tablename__,
                row,
                action="import.zentao",
                recorded_at=self.desk.local_now,
                happened_at=happened,
            )
        writer.flush()

    def _unseen(self, result: ImportResult, r: _Row, ticket: Ticket, edits: dict[str, Any]) -> bool:
        """Whether the platform's changes to a fault may be applied: not when they would improve a verdict
        the hospital has seen (reported instead; the vendor asks for them with `fault edit --reason`)."""
        from opsdesk.faults.corrections import judge_edits
        from opsdesk.faults.edits import improves

        judged = judge_edits(self.desk, ticket, edits)
        if not judged.asks_the_hospital:
            return True
        words = (
            "; ".join(
                [f"{c.clock} {c.before} → {c.after}" for c in judged.changes if improves(c)]
                + [f"{s.clock}'s breach shorter" for s in judged.shorter]
            )
            or "the month it counts in"
        )
        result.reported.append(
            (
                r.number,
                r.platform_id,
                f"fault {ticket.id}: the platform's changes to {', '.join(edits)} would change {words}, and the "
                f"hospital has seen its verdicts ({judged.seen}): not applied; ask for them with "
                f'`opsdesk fault edit {ticket.id} ... --reason "..."`',
            )
        )
        return False

    def _update(self, result: ImportResult, r: _Row, existing, values: dict, snapshot: dict, on_create: dict) -> None:
        desk, number, platform_id, kind = self.desk, r.number, r.platform_id, self.kind
        last = json.loads(existing.platform_data or "{}")
        for column in on_create:  # earlier imports kept these in the snapshot: leave it as it was
            if column in last:
                snapshot[column] = last[column]
        if existing.system_id != values["system_id"]:
            system = system_by_id(desk, existing.system_id)
            result.reported.append(
                (
                    number,
                    platform_id,
                    f"{platform_id} is {kind} {existing.id} of system "
                    f"{system.code}; the platform now files it elsewhere: not moved",
                )
            )
            values = {k: v for k, v in values.items() if k != "system_id"}
            snapshot["system_id"] = last.get("system_id", to_json_value(existing.system_id))
        edits: dict[str, Any] = {}
        kept: list[str] = []
        for column, new in values.items():
            new_json, current = to_json_value(new), to_json_value(getattr(existing, column))
            if column in last and new_json == last[column]:
                continue  # the platform did not change it
            if current == new_json:
                continue
            if (column in last and current == last[column]) or (column not in last and current is None):
                edits[column] = new
            else:
                kept.append(column)
        if existing.confirmed_at is not None and edits:
            result.reported.append(
                (
                    number,
                    platform_id,
                    f"{kind} {existing.id} is confirmed; the platform's changes to {', '.join(edits)} are not applied",
                )
            )
            edits = {}
        if self.model is Ticket and edits and not self._unseen(result, r, existing, edits):
            for column in edits:  # the snapshot keeps what was applied: the next import asks again
                if column in last:
                    snapshot[column] = last[column]
            edits = {}
        for column in list(edits):
            recorded = STEP_RECORDED.get(column)
            if recorded and getattr(existing, column) is None and edits[column] is not None:
                edits[recorded] = desk.local_now
        if self.model is Ticket and edits:
            merged = {
                k: edits.get(k, getattr(existing, k))
                for k in ("reported_at", "responded_at", "arrived_at", "remote_at", "resolved_at", "confirmed_at")
            }
            check_order(existing.id, merged)
        new_data = json.dumps(snapshot, ensure_ascii=False)
        if new_data != existing.platform_data:
            edits["platform_data"] = new_data
        if kept:
            result.kept.append((number, platform_id, existing.id, kept))
        if edits and desk.update(existing, edits, "import.zentao") is not None:
            moved = [c for c in edits if c != "platform_data" and c not in STEP_RECORDED.values()]
            if moved:
                result.updated.append((number, platform_id, existing.id, moved))
            else:
                result.unchanged += 1
        else:
            result.unchanged += 1


# -- hand back ----------------------------------------------------------------------------

FEEDBACK_COLUMNS = [
    "平台编号",
    "类型",
    "系统",
    "状态",
    "报修/提交时间",
    "原因分析",
    "处理过程",
    "处理结果",
    "处理人",
    "处理时间",
    "院方确认人",
    "确认时间",
]


def feedback(desk: Desk, since: date | None = None) -> list[dict[str, Any]]:
    """For each ticket or change from the platform: our status and the handling, for ZenTao."""
    from opsdesk.store.models import Event

    desk.contract  # noqa: B018
    systems = {s.id: s.code for s in desk.session.exec(select(System))}
    rows: list[dict[str, Any]] = []
    handled_by: dict[tuple[str, int], str] = {}
    for ev in desk.session.exec(select(Event).where(col(Event.action).in_(("fault.resolve", "change.implement")))):
        handled_by[(ev.entity, ev.entity_id)] = ev.actor
    for t in desk.session.exec(
        select(Ticket).where(col(Ticket.ref).like("bug#%"), col(Ticket.resolved_at).is_not(None))
    ):
        resolver = json.loads(t.platform_data or "{}").get("resolved_by")  # 解决者, when the platform resolved it
        if resolver and ("ticket", t.id) not in handled_by:
            handled_by[("ticket", t.id)] = resolver
    for t in desk.session.exec(select(Ticket).where(col(Ticket.ref).like("bug#%")).order_by(col(Ticket.id))):
        status = "已确认" if t.confirmed_at else ("已解决" if t.resolved_at else "处理中")
        rows.append(
            {
                "平台编号": (t.ref or "").removeprefix("bug#"),
                "类型": f"Bug（{KIND_NAMES[t.kind]}）",
                "系统": systems[t.system_id],
                "状态": status,
                "报修/提交时间": _reported(t),
                "原因分析": t.cause,
                "处理过程": t.action,
                "处理结果": t.result,
                "处理人": handled_by.get(("ticket", t.id)),
                "处理时间": t.resolved_at,
                "院方确认人": t.confirmed_by,
                "确认时间": t.confirmed_at,
                "_when": t.resolved_at or t.reported_at,
            }
        )
    for c in desk.session.exec(
        select(ChangeRequest).where(col(ChangeRequest.ref).like("story#%")).order_by(col(ChangeRequest.id))
    ):
        status = {"accepted": "已验收"}.get(c.acceptance) or ("已交付" if c.implemented_at else "处理中")
        rows.append(
            {
                "平台编号": (c.ref or "").removeprefix("story#"),
                "类型": "需求",
                "系统": systems[c.system_id],
                "状态": status,
                "报修/提交时间": c.submitted_at,
                "原因分析": None,
                "处理过程": c.implement_note,
                "处理结果": status,
                "处理人": handled_by.get(("change_request", c.id)),
                "处理时间": c.implemented_at,
                "院方确认人": c.confirmed_by or c.accepted_by,
                "确认时间": c.confirmed_at or c.accepted_at,
                "_when": c.implemented_at or c.submitted_at,
            }
        )
    if since is not None:
        rows = [r for r in rows if r["_when"].date() >= since]
    for r in rows:
        del r["_when"]
    return rows


def _reported(ticket: Ticket) -> datetime | date:
    """When it was reported; the date alone, as the platform gave it, while the time of day is
    unknown (never a made-up 00:00)."""
    return ticket.reported_at.date() if ticket.time_unknown else ticket.reported_at


def safe_text(value: Any) -> str:
    """CSV cell text that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_feedback_csv(rows: list[dict[str, Any]], path: Path, *, force: bool = False) -> Path:
    """UTF-8 with BOM so Excel opens the Chinese text right; an existing file is replaced only with ``force``."""
    if Path(path).exists() and not force:
        raise Refused(f"{path} already exists; choose another -o or add --force to overwrite it")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FEEDBACK_COLUMNS)
    for row in rows:
        writer.writerow([safe_text(row[c]) for c in FEEDBACK_COLUMNS])
    try:
        with output_file(Path(path), replace=force) as temp:  # renamed to `path` when complete (0600)
            temp.write_text(buffer.getvalue(), encoding="utf-8-sig")
    except OSError as exc:
        raise OpsdeskError(f"cannot write {path}: {exc.strerror}") from None
    return Path(path)
