"""Monthly inspections (每月巡检): checklists per system, results, risks and their remedies.

SPEC: every contracted system is inspected once every calendar month; an inspection holds
check items (item, standard, result, ok / warn / fail) always including the database
environment (数据库环境), and the risks found, each with a remedy and whether it was done.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from opsdesk.contract.systems import get_system, systems
from opsdesk.desk import Desk, fmt, month_owed, name_value, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.infile import Limits, read_bounded
from opsdesk.store.models import Inspection, InspectionItem, InspectionTemplate, Risk, System
from opsdesk.textfile import decode

SECTIONS = {"app": "app", "应用": "app", "application": "app", "db": "db", "database": "db", "数据库环境": "db"}
SECTION_NAMES = {"app": "应用", "db": "数据库环境"}
VERDICTS = {
    "ok": "ok",
    "o": "ok",
    "正常": "ok",
    "通过": "ok",
    "warn": "warn",
    "w": "warn",
    "警告": "warn",
    "关注": "warn",
    "fail": "fail",
    "f": "fail",
    "异常": "fail",
    "不通过": "fail",
}
LEVELS = {"high": "high", "高": "high", "medium": "medium", "中": "medium", "low": "low", "低": "low"}

# An item with a "unit" takes a reading (a measured value), with the threshold it is judged against.
DEFAULT_TEMPLATE: list[dict[str, str]] = [
    {"section": "app", "item": "服务与进程状态", "standard": "应用服务及关键进程均在运行"},
    {"section": "app", "item": "与HIS等系统接口", "standard": "接口调用正常，无积压与报错"},
    {
        "section": "app",
        "item": "证书与许可有效期",
        "standard": "证书、软件许可距到期不少于30天",
        "unit": "天",
        "threshold": "≥30",
    },
    {"section": "app", "item": "应用错误日志", "standard": "无未处理的错误日志"},
    {
        "section": "app",
        "item": "磁盘空间增长",
        "standard": "使用率低于80%，增长趋势正常",
        "unit": "%",
        "threshold": "<80",
    },
    {"section": "db", "item": "实例与监听状态", "standard": "数据库实例与监听正常运行"},
    {"section": "db", "item": "表空间使用率", "standard": "各表空间使用率低于85%", "unit": "%", "threshold": "<85"},
    {"section": "db", "item": "备份成功情况", "standard": "本月备份全部成功", "unit": "次成功", "threshold": "全部"},
    {"section": "db", "item": "恢复测试", "standard": "本月恢复测试通过"},
    {"section": "db", "item": "告警日志错误", "standard": "告警日志无严重错误"},
    {"section": "db", "item": "无效对象", "standard": "无新增无效对象", "unit": "个", "threshold": "0"},
    {"section": "db", "item": "慢SQL", "standard": "无超过阈值的慢SQL", "unit": "条", "threshold": "0（>2秒）"},
    {
        "section": "db",
        "item": "会话数",
        "standard": "会话数低于上限的80%",
        "unit": "个",
        "threshold": "<400（上限500）",
    },
]


def _normalise(table: dict[str, str], value: str, what: str, accepted: str) -> str:
    found = table.get(str(value).strip().lower())
    if found is None:
        raise InvalidInput(f"unknown {what} {value!r}; use {accepted}")
    return found


_BOUND = re.compile(r"\s*(≥|>=|≤|<=|<|>)?\s*(\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_WITHIN = {"≥": operator.ge, ">=": operator.ge, ">": operator.gt, "≤": operator.le, "<=": operator.le, "<": operator.lt}


def outside_threshold(reading: str, threshold: str | None) -> bool | None:
    """Whether a reading breaks its item's threshold (``<85``, ``≥30``, ``0（>2秒）``: at most 0, ``全部``
    for ``30/30``); None when either cannot be read as one."""
    if not reading or not threshold:
        return None
    if threshold.strip() == "全部":
        parts = [float(n) for n in _NUMBER.findall(reading)]
        return parts[0] != parts[1] if len(parts) == 2 else None
    bound, value = _BOUND.match(threshold), _NUMBER.search(reading)
    if bound is None or value is None:
        return None
    within = _WITHIN[bound.group(1) or "≤"]  # a bare number is a most: 0 slow statements
    return not within(float(value.group()), float(bound.group(2)))


def normalise_verdict(value: str) -> str:
    return _normalise(VERDICTS, value, "verdict", "ok, warn or fail (正常 / 警告 / 异常)")


def normalise_level(value: str) -> str:
    return _normalise(LEVELS, value, "risk level", "high, medium or low (高 / 中 / 低)")


# -- templates ----------------------------------------------------------------------------


def template(desk: Desk, system: str) -> list[dict[str, str]]:
    """The system's checklist: its own if set, else the default one."""
    sys_row = get_system(desk, system)
    row = desk.session.exec(select(InspectionTemplate).where(InspectionTemplate.system_id == sys_row.id)).first()
    return json.loads(row.items) if row else [dict(i) for i in DEFAULT_TEMPLATE]


# An inspection's results or a checklist: a row per item, a few dozen items (opsdesk.infile)
CSV_LIMITS = Limits(
    give="a CSV file",
    noun="inspection CSV",
    max_bytes=1024 * 1024,
    max_line=64 * 1024,
    max_lines=5_000,
    fewer="a CSV holds one system's checklist or one inspection's results",
    again="save it again as CSV",
)


def read_csv(path: Path, needs: Mapping[str, tuple[str, ...]] | None = None) -> list[dict[str, str]]:
    """Rows of a CSV file (UTF-8 with or without BOM, or GBK) as dicts keyed by the header.

    ``needs`` names columns that must be there, each with its accepted header spellings.
    """
    raw = read_bounded(Path(path), CSV_LIMITS)
    text, _ = decode(raw, path, "save it as UTF-8 CSV")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise InvalidInput(f"{path} is empty; it needs a header row")
    header = {(h or "").strip() for h in reader.fieldnames}
    missing = [names[0] for names in (needs or {}).values() if not header & set(names)]
    if missing:
        raise InvalidInput(
            f"{path} lacks the column(s) {', '.join(missing)}; headers found: {', '.join(sorted(header)) or 'none'}"
        )
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def _column(row: dict[str, str], *names: str) -> str:
    for name in names:
        if name in row:
            return row[name]
    return ""


def set_template(desk: Desk, system: str, path: Path) -> list[dict[str, str]]:
    """Replace a system's checklist from a CSV file with columns section, item, standard, and for an
    item that takes a reading its unit and threshold (optional columns unit, threshold)."""
    sys_row = get_system(desk, system)
    items = []
    needs = {"section": ("section", "分类", "类别"), "item": ("item", "巡检项"), "standard": ("standard", "检查标准")}
    for number, row in enumerate(read_csv(path, needs), start=2):
        section = _column(row, "section", "分类", "类别")
        item = text_value(_column(row, "item", "巡检项"), f"{path} row {number}: the item")
        if not item:
            raise InvalidInput(f"{path} row {number}: the item is empty (columns: section, item, standard)")
        entry = {
            "section": _normalise(SECTIONS, section, f"section in row {number}", "app or db (应用 / 数据库环境)"),
            "item": item,
            "standard": text_value(_column(row, "standard", "检查标准"), f"{path} row {number}: the standard") or "",
        }
        unit, threshold = _column(row, "unit", "单位"), _column(row, "threshold", "阈值")
        if threshold and not unit:
            raise InvalidInput(f"{path} row {number}: a threshold ({threshold}) needs the unit of the reading")
        if unit:
            entry.update(unit=unit, threshold=threshold)
        items.append(entry)
    if not any(i["section"] == "db" for i in items):
        raise Refused(f"{path} has no database-environment (db) items; every inspection must check the database")
    names = [i["item"] for i in items]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InvalidInput(f"{path} lists {', '.join(dupes)} more than once; item names must be unique")
    payload = json.dumps(items, ensure_ascii=False)
    template = desk.session.exec(select(InspectionTemplate).where(InspectionTemplate.system_id == sys_row.id)).first()
    if template is None:
        desk.create(InspectionTemplate(system_id=sys_row.id, items=payload), "inspection.template")
    else:
        desk.update(template, {"items": payload}, "inspection.template")
    return items


# -- inspections --------------------------------------------------------------------------


def read_results(path: Path) -> list[dict[str, str]]:
    """Results from a CSV with columns item, result, verdict, note and, optionally, reading, unit,
    threshold (or 巡检项, 检查结果, 结论, 备注, 读数, 单位, 阈值); unit and threshold default to the
    checklist's."""
    out = []
    needs = {"item": ("item", "巡检项"), "result": ("result", "检查结果"), "verdict": ("verdict", "结论")}
    for row in read_csv(path, needs):
        out.append(
            {
                "item": _column(row, "item", "巡检项"),
                "result": _column(row, "result", "检查结果"),
                "verdict": _column(row, "verdict", "结论"),
                "note": _column(row, "note", "备注"),
                "reading": _column(row, "reading", "读数"),
                "unit": _column(row, "unit", "单位"),
                "threshold": _column(row, "threshold", "阈值"),
            }
        )
    return out


RESULT_COLUMNS = ("item", "result", "verdict", "note", "reading", "unit", "threshold")


def write_results_form(desk: Desk, system: str, path: Path, *, force: bool = False) -> int:
    """A CSV to fill in for `inspect SYSTEM --from-file`: a row per checklist item, its unit and threshold
    given, result, verdict, note and reading blank (UTF-8 with BOM, so Excel shows the Chinese). An
    existing file is replaced only with ``force``. Returns the number of items."""
    items = template(desk, system)
    if Path(path).exists() and not force:
        raise Refused(f"{path} already exists; choose another -o or add --force to overwrite it")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RESULT_COLUMNS)
    for i in items:
        writer.writerow([i["item"], "", "", "", "", i.get("unit") or "", i.get("threshold") or ""])
    try:
        Path(path).write_text(buffer.getvalue(), encoding="utf-8-sig")
    except OSError as exc:
        raise Refused(f"cannot write {path}: {exc.strerror}") from None
    return len(items)


def record(
    desk: Desk,
    system: str,
    results: list[dict[str, str]],
    *,
    month: tuple[int, int] | None = None,
    at: datetime | str | None = None,
    inspector: str | None = None,
    again: bool = False,
) -> Inspection:
    """Record one system's monthly inspection; every checklist item must have a result.

    A second inspection of the same system in the same month is refused unless ``again``
    (a re-inspection after a fix).
    """
    sys_row = get_system(desk, system)
    checklist = {i["item"]: i for i in template(desk, system)}
    moment = desk.moment(at)
    if month is None:
        month = (moment.year, moment.month)
    label = f"{month[0]}-{month[1]:02d}"
    if (moment.year, moment.month) != month:
        raise Refused(f"an inspection at {fmt(moment)} is not in {label}; give --at a time inside {label}")
    items = []
    for number, result in enumerate(results, start=1):
        name = result.get("item", "").strip()
        if name not in checklist:
            raise InvalidInput(
                f"result {number}: {name!r} is not on {sys_row.code}'s checklist; items: {', '.join(checklist)}"
            )
        spec = checklist[name]
        items.append(
            InspectionItem(
                inspection_id=0,
                section=spec["section"],
                item=name,
                standard=spec["standard"],
                result=text_value(result.get("result"), f"the result of {name}", required=True),
                verdict=normalise_verdict(result.get("verdict") or ""),
                note=text_value(result.get("note"), "note"),
                reading=text_value(result.get("reading"), f"the reading of {name}"),
                unit=text_value(result.get("unit"), f"the unit of {name}") or spec.get("unit"),
                threshold=text_value(result.get("threshold"), f"the threshold of {name}") or spec.get("threshold"),
            )
        )
    names = [i.item for i in items]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInput(f"the results give {', '.join(repeated)} more than once; one result per checklist item")
    if not again:
        refuse_repeat(desk, system, month)
    given = {i.item for i in items}
    missing_db = [n for n, spec in checklist.items() if spec["section"] == "db" and n not in given]
    missing_app = [n for n, spec in checklist.items() if spec["section"] != "db" and n not in given]
    if missing_db:
        raise Refused(
            f"the inspection of {sys_row.code} lacks its database-environment items: {', '.join(missing_db)}"
            + (f" (and application items: {', '.join(missing_app)})" if missing_app else "")
            + "; every inspection must check the database (数据库环境)"
        )
    missing = missing_app
    if missing:
        raise Refused(
            f"the inspection of {sys_row.code} lacks {len(missing)} checklist item(s): {', '.join(missing)}; "
            f"every item needs a result (`opsdesk inspect template show {sys_row.code}` lists them)"
        )
    inspection = Inspection(
        system_id=sys_row.id,
        month=label,
        at=moment,
        recorded_at=desk.local_now,
        inspector=name_value(inspector, "--by") or desk.actor,
    )
    desk.create(inspection, "inspection.record", happened_at=moment)
    for item in items:
        item.inspection_id = inspection.id
        desk.create(item, "inspection.item")
    return inspection


def refuse_repeat(desk: Desk, system: str, month: tuple[int, int]) -> None:
    """Refuse a second inspection of ``system`` in ``month`` (a re-inspection says --again): asked
    before the checklist is walked, so that no answer is typed in vain."""
    sys_row = get_system(desk, system)
    label = f"{month[0]}-{month[1]:02d}"
    earlier = desk.session.exec(
        select(Inspection).where(Inspection.system_id == sys_row.id, Inspection.month == label)
    ).first()
    if earlier is not None:
        raise Refused(
            f"{sys_row.code} was already inspected in {label} (inspection {earlier.id} at {fmt(earlier.at)}); "
            "add --again to record a re-inspection"
        )


def get_inspection(desk: Desk, inspection_id: int) -> Inspection:
    found = desk.session.get(Inspection, inspection_id)
    if found is None:
        raise NotFound(f"no inspection {inspection_id}; `opsdesk inspect list` shows them")
    return found


def add_risk(
    desk: Desk,
    inspection_id: int,
    text: str,
    *,
    level: str | None,
    remedy: str,
    owner: str | None = None,
    due: date | None = None,
    item: str | None = None,
) -> Risk:
    """A risk an inspection found, with its remedy (解决方案); ``item``: the check item it was found on.

    Graded by the item's verdict when ``level`` is None (异常 high, 警告 medium); a failed item's risk
    is never graded below a warning's (low is refused)."""
    inspection = get_inspection(desk, inspection_id)
    if inspection.confirmed_at is not None:
        raise Refused(
            f"inspection {inspection_id} was confirmed by {inspection.confirmed_by} at {fmt(inspection.confirmed_at)}; "
            "record a risk found later on a new inspection (`opsdesk inspect SYSTEM --again`)"
        )
    if due is not None and due < inspection.at.date():
        raise Refused(f"--due {due} is before the inspection ({inspection.at:%Y-%m-%d})")
    level = _risk_level(desk, inspection, text_value(item, "--item"), level)
    risk = Risk(
        inspection_id=inspection.id,
        text=text_value(text, "the risk", required=True),
        level=level,
        remedy=text_value(remedy, "--remedy", required=True),
        owner=name_value(owner, "--owner"),
        due=due,
        item=text_value(item, "--item"),
    )
    return desk.create(risk, "inspection.risk")


LEVEL_OF_VERDICT = {"fail": "high", "warn": "medium", "ok": "low"}


def _risk_level(desk: Desk, inspection: Inspection, item: str | None, level: str | None) -> str:
    """The risk's level: as given, or graded by its item's verdict; a failed item's risk is not low."""
    verdict = None
    if item is not None:
        names = {
            i.item: i.verdict
            for i in desk.session.exec(select(InspectionItem).where(InspectionItem.inspection_id == inspection.id))
        }
        if item not in names:
            raise InvalidInput(
                f"--item {item!r} is not a check item of inspection {inspection.id}; items: {', '.join(names)}"
            )
        verdict = names[item]
    if level is None:
        if verdict is None:
            raise InvalidInput("give the risk's --level (high, medium or low), or --item to grade it by its check item")
        return LEVEL_OF_VERDICT[verdict]
    graded = normalise_level(level)
    if verdict == "fail" and graded == "low":
        raise Refused(f"{item} failed (异常): its risk is graded medium or high, never below a warning's (medium)")
    return graded


def risk_done(desk: Desk, risk_id: int, *, at: datetime | str | None = None, note: str | None = None) -> Risk:
    """The remedy was carried out."""
    risk = desk.session.get(Risk, risk_id)
    if risk is None:
        raise NotFound(f"no risk {risk_id}; `opsdesk inspect list --json` shows inspections with their risks")
    if risk.done_at is not None:
        raise Refused(f"risk {risk_id} was already done at {fmt(risk.done_at)}")
    moment = desk.moment(at)
    inspection = get_inspection(desk, risk.inspection_id)
    if moment < inspection.at:
        raise Refused(f"risk {risk_id} was found at {fmt(inspection.at)}; its remedy cannot be done before")
    desk.update(
        risk, {"done_at": moment, "done_note": text_value(note, "--note")}, "inspection.risk-done", happened_at=moment
    )
    return risk


@dataclass
class InspectionView:
    inspection: Inspection
    system: System
    items: list[InspectionItem]
    risks: list[Risk] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(i.verdict for i in self.items)

    @property
    def unrisked(self) -> list[InspectionItem]:
        """警告 and 异常 items with no risk recorded for them (a risk names its item, or, recorded
        before risks named one, mentions it)."""
        covered = {r.item for r in self.risks if r.item}
        loose = [r.text for r in self.risks if not r.item]
        return [
            i
            for i in self.items
            if i.verdict != "ok" and i.item not in covered and not any(i.item in text for text in loose)
        ]

    @property
    def db_conclusion(self) -> str:
        verdicts = {i.verdict for i in self.items if i.section == "db"}
        return "fail" if "fail" in verdicts else ("warn" if "warn" in verdicts else "ok")

    def to_dict(self) -> dict[str, Any]:
        i = self.inspection
        return {
            "id": i.id,
            "system": self.system.code,
            "system_name": self.system.name,
            "month": i.month,
            "at": i.at,
            "inspector": i.inspector,
            "ok": self.counts["ok"],
            "warn": self.counts["warn"],
            "fail": self.counts["fail"],
            "db_conclusion": self.db_conclusion,
            "confirmed_at": i.confirmed_at,
            "confirmed_by": i.confirmed_by,
            "items": [
                {
                    "section": x.section,
                    "item": x.item,
                    "standard": x.standard,
                    "result": x.result,
                    "verdict": x.verdict,
                    "note": x.note,
                    "reading": x.reading,
                    "unit": x.unit,
                    "threshold": x.threshold,
                }
                for x in self.items
            ],
            "risks": [
                {
                    "id": r.id,
                    "text": r.text,
                    "level": r.level,
                    "remedy": r.remedy,
                    "owner": r.owner,
                    "due": r.due,
                    "done_at": r.done_at,
                    "done_note": r.done_note,
                    "item": r.item,
                    "confirmed_at": r.confirmed_at,
                    "confirmed_by": r.confirmed_by,
                }
                for r in self.risks
            ],
            "unrisked": [x.item for x in self.unrisked],
        }


def list_inspections(
    desk: Desk, *, month: tuple[int, int] | None = None, system: str | None = None, inspection_id: int | None = None
) -> list[InspectionView]:
    """Inspections with their items and risks (three queries, whatever the count)."""
    desk.contract  # noqa: B018
    query = select(Inspection, System).join(System, col(Inspection.system_id) == col(System.id))
    if inspection_id is not None:
        query = query.where(Inspection.id == get_inspection(desk, inspection_id).id)
    if month:
        query = query.where(Inspection.month == f"{month[0]}-{month[1]:02d}")
    if system:
        query = query.where(Inspection.system_id == get_system(desk, system).id)
    rows = list(desk.session.exec(query.order_by(Inspection.month, col(Inspection.at), col(Inspection.id))))
    ids = [i.id for i, _ in rows]
    items: dict[int, list] = {i: [] for i in ids}
    risks: dict[int, list] = {i: [] for i in ids}
    if ids:
        for item in desk.session.exec(
            select(InspectionItem).where(col(InspectionItem.inspection_id).in_(ids)).order_by(col(InspectionItem.id))
        ):
            items[item.inspection_id].append(item)
        for risk in desk.session.exec(select(Risk).where(col(Risk.inspection_id).in_(ids)).order_by(col(Risk.id))):
            risks[risk.inspection_id].append(risk)
    return [InspectionView(i, s, items[i.id], risks[i.id]) for i, s in rows]


def risk_views(desk: Desk, *, system: str | None = None, open_only: bool = False) -> list[InspectionView]:
    """The inspections that found risks, each with its risks (only those not yet carried out with
    ``open_only``)."""
    views = [
        replace(v, risks=[r for r in v.risks if not (open_only and r.done_at)])
        for v in list_inspections(desk, system=system)
    ]
    return [v for v in views if v.risks]


def gaps(desk: Desk, month: tuple[int, int]) -> list[System]:
    """Contracted (active) systems with no inspection in ``month``; none in a month that owes none (the
    part month in which the service ends: nothing is due after it)."""
    if not month_owed(desk.contract, *month):
        return []
    label = f"{month[0]}-{month[1]:02d}"
    done = set(desk.session.exec(select(Inspection.system_id).where(Inspection.month == label)))
    return [s for s in systems(desk, include_inactive=False) if s.id not in done]


@dataclass(frozen=True)
class UnriskedItem:
    """A 警告 or 异常 check item with no risk recorded for it."""

    inspection_id: int
    system: str
    month: str
    item: str
    verdict: str


def unrisked_items(desk: Desk, month: tuple[int, int] | None = None) -> list[UnriskedItem]:
    """Warned or failed check items with no risk recorded for them (in ``month``, or in any)."""
    query = (
        select(InspectionItem, Inspection, System)
        .join(Inspection, col(InspectionItem.inspection_id) == col(Inspection.id))
        .join(System, col(Inspection.system_id) == col(System.id))
        .where(InspectionItem.verdict != "ok")
    )
    if month:
        query = query.where(Inspection.month == f"{month[0]}-{month[1]:02d}")
    flagged = list(desk.session.exec(query.order_by(Inspection.month, col(Inspection.at), col(InspectionItem.id))))
    ids = sorted({i.id for _, i, _ in flagged})
    risks: dict[int, list[Risk]] = {}
    for n in range(0, len(ids), 500):
        for risk in desk.session.exec(select(Risk).where(col(Risk.inspection_id).in_(ids[n : n + 500]))):
            risks.setdefault(risk.inspection_id, []).append(risk)
    out: list[UnriskedItem] = []
    for item, inspection, system in flagged:
        view = InspectionView(inspection, system, [item], risks.get(inspection.id, []))
        out.extend(UnriskedItem(inspection.id, system.code, inspection.month, x.item, x.verdict) for x in view.unrisked)
    return out


def month_gaps(desk: Desk, month: tuple[int, int]) -> tuple[list[System], list[UnriskedItem]]:
    """What a month's inspections lack: systems not inspected, flagged items with no risk."""
    return gaps(desk, month), unrisked_items(desk, month)


def reading_text(number: str | None, unit: str | None) -> str | None:
    """A reading or a threshold with its unit: 88 and % -> 88%; 30/30 and 次成功 -> 30/30 次成功."""
    if not number:
        return None
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def overdue_risks(desk: Desk) -> list[tuple[Risk, Inspection, System]]:
    """Risks not carried out whose due date has passed, the longest overdue first, with the
    inspection that found them and its system (one query, however many inspections there are)."""
    query = (
        select(Risk, Inspection, System)
        .join(Inspection, col(Risk.inspection_id) == col(Inspection.id))
        .join(System, col(Inspection.system_id) == col(System.id))
        .where(col(Risk.done_at).is_(None), col(Risk.due).is_not(None), col(Risk.due) < desk.local_now.date())
        .order_by(col(Risk.due), col(Risk.id))
    )
    return list(desk.session.exec(query))
