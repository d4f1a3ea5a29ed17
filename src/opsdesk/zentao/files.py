"""Reading what the hospital's project platform (ZenTao, 禅道) exports: bugs and stories.

Two formats: the CSV export (UTF-8 with or without BOM, or GBK; Chinese headers that vary
between versions, matched through aliases) and the JSON of ZenTao's REST API v1
(``{"page", "total", "limit", "bugs": [...]}``, times in UTC). Each row becomes a plain dict
with English keys; nothing here touches the store.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from opsdesk.errors import InvalidInput
from opsdesk.infile import Limits, open_regular, read_bounded
from opsdesk.textfile import decode

BUG_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("Bug编号", "编号", "id", "ID"),
    "title": ("Bug标题", "Bug名称", "标题", "title"),
    "product": ("所属产品", "product"),
    "module": ("所属模块", "module"),
    "severity": ("严重程度", "severity"),
    "pri": ("优先级", "pri"),
    "type": ("Bug类型", "类型", "type"),
    "steps": ("重现步骤", "steps"),
    "status": ("Bug状态", "状态", "status"),
    "opened_by": ("由谁创建", "openedBy"),
    "opened": ("创建日期", "openedDate"),
    "assigned_to": ("指派给", "assignedTo"),
    "resolved_by": ("解决者", "resolvedBy"),
    "resolution": ("解决方案", "resolution"),
    "resolved": ("解决日期", "resolvedDate"),
    "closed_by": ("由谁关闭", "closedBy"),
    "closed": ("关闭日期", "closedDate"),
    "edited": ("最后修改日期", "修改日期", "lastEditedDate"),
}
STORY_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("编号", "id", "ID"),
    "title": ("研发需求名称", "软件需求名称", "需求名称", "title"),
    "product": ("所属产品", "product"),
    "module": ("所属模块", "module"),
    "spec": ("描述", "需求描述", "spec"),
    "verify": ("验收标准", "verify"),
    "pri": ("优先级", "pri"),
    "status": ("当前状态", "状态", "status"),
    "stage": ("所处阶段", "阶段", "stage"),
    "opened_by": ("由谁创建", "openedBy"),
    "opened": ("创建日期", "openedDate"),
    "reviewed_by": ("由谁评审", "reviewedBy"),
    "reviewed": ("评审时间", "reviewedDate"),
    "closed": ("关闭日期", "closedDate"),
    "closed_reason": ("关闭原因", "closedReason"),
    "edited": ("最后修改日期", "修改日期", "lastEditedDate"),
}
REQUIRED = ("id", "title", "product", "opened")

STATUS = {
    "激活": "active",
    "active": "active",
    "已解决": "resolved",
    "resolved": "resolved",
    "已关闭": "closed",
    "closed": "closed",
}
RESOLUTIONS = {
    "fixed": "已解决",
    "bydesign": "设计如此",
    "duplicate": "重复Bug",
    "external": "外部原因",
    "notrepro": "无法重现",
    "postponed": "延期处理",
    "willnotfix": "不予解决",
    "tostory": "转为需求",
}
_NAMED_ID = re.compile(r"^(.*?)\s*[(（]#(\d+)[)）]\s*$")


@dataclass
class Export:
    """One export file: its rows as dicts (English keys) with their row numbers, and the format."""

    rows: list[tuple[int, dict[str, Any]]]
    format: str  # csv | api
    encoding: str | None = None


def named(cell: Any) -> str:
    """``智能候诊(#3)`` -> ``智能候诊``; API objects ``{"id": 3, "name": "智能候诊"}`` -> the name."""
    if isinstance(cell, dict):
        return str(cell.get("name") or cell.get("realname") or cell.get("account") or "").strip()
    text = str(cell or "").strip()
    match = _NAMED_ID.match(text)
    return match[1].strip() if match else text


MAX_BYTES = 200 * 1024 * 1024  # an export larger than this is refused before it is read whole
MAX_LINE = 10 * 1024 * 1024  # so is a CSV line longer than this
MAX_LINES = 500_000  # and a CSV of more lines, or API JSON of more items (a hospital's years hold thousands)


def read_export(path: Path, kind: str) -> Export:
    """Read a bug or story export (``kind``: bugs | stories), CSV or API JSON, bounded by
    :data:`MAX_BYTES`, :data:`MAX_LINE` and :data:`MAX_LINES` (:mod:`opsdesk.infile`)."""
    path = Path(path)
    limits = Limits(
        give="a ZenTao export file (CSV or API JSON)",
        noun="ZenTao export",
        max_bytes=MAX_BYTES,
        max_line=MAX_LINE,
        max_lines=MAX_LINES,
        fewer=f"export fewer {kind} at a time (by product or by date)",
        again=f"export the {kind} again as CSV (or API JSON)",
    )
    with open_regular(path, limits.give) as handle:  # is it JSON? (its first bytes say)
        is_json = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    raw = read_bounded(path, limits, lines=not is_json)
    if not raw.strip():
        raise InvalidInput(f"{path} is empty")
    stripped = raw.lstrip(b"\xef\xbb\xbf").lstrip()
    if stripped[:1] in (b"{", b"["):
        return _read_api(path, stripped, kind)
    return _read_csv(path, raw, kind)


def _read_api(path: Path, raw: bytes, kind: str) -> Export:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path} is not valid JSON ({exc}); save the API answer as it came") from None
    except RecursionError:
        raise InvalidInput(
            f"{path} is JSON nested too deeply to be a ZenTao export; save the API answer as it came"
        ) from None
    key = "bugs" if kind == "bugs" else "stories"
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput(
            f"{path} has no {key!r} list; expected ZenTao API v1 JSON like "
            f'{{"page": 1, "total": 2, "limit": 20, "{key}": [...]}}'
        )
    if len(items) > MAX_LINES:
        raise InvalidInput(
            f"{path} holds more than {MAX_LINES:,} {key}, more than any ZenTao export opsdesk reads; "
            f"export fewer {key} at a time (by product or by date)"
        )
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"{path} item {number} is not an object")
        cells = {field: item.get(next(n for n in names if n.isascii())) for field, names in _aliases(kind).items()}
        for field in ("product", "module"):  # {"product": 3, "productName": "智能候诊"}: the name, as in a CSV
            if not isinstance(cells[field], dict) and item.get(f"{field}Name") not in (None, ""):
                cells[field] = item[f"{field}Name"]
        rows.append((number, cells))
    missing = [f for f in REQUIRED if rows and all(r.get(f) in (None, "") for _, r in rows)]
    if missing:
        raise InvalidInput(f"{path}: the items lack {', '.join(missing)}")
    return Export(_checked(path, rows, kind), "api")


def _aliases(kind: str) -> dict[str, tuple[str, ...]]:
    return BUG_ALIASES if kind == "bugs" else STORY_ALIASES


def _read_csv(path: Path, raw: bytes, kind: str) -> Export:
    text, encoding = decode(raw, path, "export CSV from ZenTao again")
    try:
        reader = csv.reader(io.StringIO(text))
        header = [h.strip() for h in next(reader, [])]
        body = list(reader)
    except csv.Error as exc:
        raise InvalidInput(f"{path} is not a readable CSV ({exc})") from None
    aliases = _aliases(kind)
    columns: dict[str, int] = {}
    for field, names in aliases.items():
        for name in names:
            if name in header:
                columns[field] = header.index(name)
                break
    missing = [aliases[f][0] for f in REQUIRED if f not in columns]
    if missing:
        raise InvalidInput(
            f"{path} lacks the column(s) {', '.join(missing)} needed for ZenTao {kind}; "
            f"headers found: {', '.join(h for h in header if h) or 'none'}"
        )
    rows = []
    for number, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append((number, {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}))
    return Export(_checked(path, rows, kind), "csv", encoding)


MAX_ID = 2**31 - 1  # ZenTao's ids are INT UNSIGNED counters; beyond this a value is not one of its ids
SEVERITIES = ("1", "2", "3", "4")
_DIGITS = re.compile(r"[0-9]{1,12}")
_LABELS = {
    "title": "the title",
    "product": "the product",
    "module": "the module",
    "type": "the type",
    "opened_by": "由谁创建",
    "resolved_by": "解决者",
    "closed_by": "由谁关闭",
    "assigned_to": "指派给",
    "reviewed_by": "由谁评审",
    "opened": "创建日期",
    "resolved": "解决日期",
    "closed": "关闭日期",
    "edited": "最后修改日期",
    "reviewed": "评审时间",
}
_TIMES = ("opened", "resolved", "closed", "edited", "reviewed")
_NUMBERED = ("product", "module", "pri")  # may come as the platform's numeric id


def _checked(path: Path, rows: list[tuple[int, dict[str, Any]]], kind: str) -> list[tuple[int, dict[str, Any]]]:
    """Every row's cells as text that keeps opsdesk's text rules (or None), its id a positive whole
    number, a bug's severity one of ZenTao's; anything else refuses the file, naming the row."""
    from opsdesk.desk import text_value

    prefix = "bug" if kind == "bugs" else "story"
    out = []
    for number, cells in rows:
        where = f"{path.name} row {number}"
        clean: dict[str, Any] = {"id": _platform_id(cells.get("id"), where, prefix)}
        for field, value in cells.items():
            if field == "id":
                continue
            if isinstance(value, dict) and field not in ("title", "steps", "spec", "verify"):
                value = named(value) if field != "status" else value.get("code") or value.get("name")
            elif field in _NUMBERED and type(value) is int:
                value = str(value)
            if field == "severity" and type(value) is int:
                value = str(value)
            elif field == "severity" and value is not None and not isinstance(value, str):
                raise InvalidInput(
                    f"{where}: severity {_shown(value)} is not one of ZenTao's severities {', '.join(SEVERITIES)}"
                )
            what = f"{where}: {_LABELS.get(field, field)}"
            if field in _TIMES and value is not None and not isinstance(value, str):
                raise InvalidInput(f"{what} {_shown(value)} is not a date; ZenTao writes 2026-11-02 09:15:00")
            clean[field] = text_value(value, what) if field not in ("steps", "spec", "verify") else None
        severity = clean.get("severity")
        if kind == "bugs" and severity is not None and severity not in SEVERITIES:
            raise InvalidInput(
                f"{where}: severity {_shown(cells.get('severity'))} is not one of ZenTao's "
                f"severities {', '.join(SEVERITIES)}"
            )
        out.append((number, clean))
    return out


def _platform_id(value: Any, where: str, prefix: str) -> int:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and _DIGITS.fullmatch(text):
        text = int(text)
    if type(text) is int and 1 <= text <= MAX_ID:
        return text
    if value in (None, ""):
        raise InvalidInput(f"{where}: the {prefix} id is empty")
    raise InvalidInput(f"{where}: the {prefix} id {_shown(value)} is not a whole number from 1 to {MAX_ID}")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_time(value: Any, tz: tzinfo, *, api: bool, where: str) -> tuple[datetime | None, bool]:
    """A ZenTao date or time -> (aware local moment, date_only). Empty and 0000-00-00 -> (None, False).

    The API gives UTC (``2026-11-02T01:15:00Z``); the CSV gives local wall time, sometimes a date only.
    """
    text = str(value or "").strip()
    if not text or text.startswith("0000-00-00"):
        return None, False
    text = text.replace("/", "-")
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            day = date(*map(int, text.split("-")))
            return datetime.combine(day, time(0, 0), tzinfo=tz), True
        if api:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
            return moment.astimezone(tz).replace(second=0, microsecond=0), False
        day_part, _, clock = text.partition(" ")
        day = date(*map(int, day_part.split("-")))
        parts = [int(p) for p in clock.split(":")] + [0, 0]
        return datetime(day.year, day.month, day.day, parts[0], parts[1], tzinfo=tz), False
    except (ValueError, TypeError):
        raise InvalidInput(f"{where}: cannot read the date {text!r}; ZenTao writes 2026-11-02 09:15:00") from None


def status_of(value: Any) -> str:
    if isinstance(value, dict):  # some API versions give {"code": "closed", "name": "已关闭"}
        value = value.get("code") or value.get("name")
    text = str(value or "").strip()
    return STATUS.get(text, STATUS.get(text.lower(), text.lower() or "active"))


def resolution_label(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    return RESOLUTIONS.get(text, text)
