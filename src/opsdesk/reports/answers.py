"""How the hospital's answer in a returned workbook is read: where a record sheet keeps its columns
(found by their titles, never by position), the answer chosen (确认 / 不确认), the date as people type
it, and, in a workbook exported before the answer column, what its comment may be taken to say.
Pure functions: no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from opsdesk.labels import EN, ZH, label
from opsdesk.reports.confirm_block import ANSWER_WORDS

CONFIRM, REFUSE = "confirm", "refuse"

_SPACE = re.compile(r"\s+")  # \s covers the ideographic space U+3000 and no-break spaces


def read_answer(cell: object) -> str | None:
    """The answer chosen: CONFIRM or REFUSE; None when the cell is empty; the text as written when it
    is neither answer (the drop-down offers only the two; a reader that ignores it may type anything).
    The whole cell is compared (spaces and case aside): 不确认 never reads as 确认."""
    text = _SPACE.sub("", str(cell)) if cell is not None else ""
    if not text:
        return None
    for agree, refuse in ANSWER_WORDS.values():
        if text.lower() == _SPACE.sub("", agree).lower():
            return CONFIRM
        if text.lower() == _SPACE.sub("", refuse).lower():
            return REFUSE
    return str(cell).strip()


# -- workbooks exported before the answer column -----------------------------------------------------

# how a comment that refuses an exception request begins (after any quotes, brackets or spaces)
REFUSALS = (
    "不同意",
    "不予同意",
    "不认可",
    "不批准",
    "拒绝",
    "驳回",
    "否",
    "disagree",
    "idisagree",
    "refuse",
    "reject",
    "notagree",
)
# a comment that plainly agrees, compared whole (punctuation, spaces and case aside); any other
# comment beside a name is an objection: it confirms nothing
AGREEING = frozenset({"同意", "确认", "已确认", "无异议", "ok", "agree", "agreed", "confirmed"})
_OPENING = re.compile(r"[\s\"'“”‘’「」『』（）()【】\[\]:：,，.。!！;；、]+")


def is_refusal(comment: str | None) -> bool:
    """A comment beginning 不同意 / 不予同意 / 不认可 / 拒绝 / 驳回 / 否 (disagree / refuse / reject / not
    agreed / no), quoted or not: in a workbook without the answer column, it refuses an exception
    request, its text the reason."""
    if not comment:
        return False
    if _OPENING.sub("", comment).lower().startswith(REFUSALS):
        return True
    return re.match(r"no(?![a-z])", _OPENING.sub(" ", comment).strip().lower()) is not None  # "No", not "note"


def is_agreeing(comment: str | None) -> bool:
    """Empty, or plainly agreeing (同意 / 确认 / 无异议 / OK / agree / confirmed), the whole comment."""
    return not comment or _OPENING.sub("", comment).lower() in AGREEING


# -- the date the hospital signed ----------------------------------------------------------------------

DATE_FORMS = "a date cell, 2026-11-20, 2026/11/20, 2026.11.20 or 2026年11月20日 (a time such as 14:30 may follow)"
_DATE = re.compile(
    r"(\d{4})\s*(?:(?P<sep>[-/.])\s*(\d{1,2})\s*(?P=sep)\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2})\s*秒?|\s*分)?)?"
)


def signed_moment(raw: object) -> tuple[date, time | None] | None:
    """The day (and the time, when one is written) in a 确认日期 cell; None when it is empty. A value
    in none of :data:`DATE_FORMS` raises ValueError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        moment = raw.time().replace(second=0, microsecond=0)
        return raw.date(), (moment if moment != time(0) else None)
    if isinstance(raw, date):
        return raw, None
    if not isinstance(raw, str):
        raise ValueError(raw)
    found = _DATE.fullmatch(raw.strip())
    if found is None:
        raise ValueError(raw)
    year, month, day = int(found[1]), int(found[3] or found[5]), int(found[4] or found[6])
    hour, minute = found[7], found[8]
    when = date(year, month, day)  # ValueError: no such day
    return when, (time(int(hour), int(minute)) if hour is not None else None)


# -- where a record sheet keeps its columns -------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """A record sheet's columns, by their titles: the block's (``answer`` None in a workbook exported
    before the answer column) and the row's own (``visible``, which its check covers)."""

    name: str
    lang: str
    header: tuple[str, ...]
    key: int
    check: int | None
    answer: int | None
    who: int
    comment: int | None
    signed: int | None
    visible: tuple[int, ...]
    added: tuple[int, ...]  # visible columns no opsdesk sheet has: the hospital's own, ignored
    old_comment: int | None = None  # 确认意见, where the comment was before the answer column


_BLOCK = ("key", "digest", "answer", "confirmer", "confirm_date", "answer_comment", "confirm_comment")
_OLD_COMMENTS = ("confirm_comment", "refusable_comment")


def _titles(part: str) -> dict[str, str]:
    return {label(lang, f"col.{part}"): lang for lang in ("zh", "en")}


def record_columns(name: str, header: list[str]) -> Columns | None:
    """Where the sheet ``name`` keeps its columns, or None when it is no record sheet (it has no
    记录键 and 院方确认人 columns). A column is found by its title wherever it stands."""
    index = {title: i for i, title in reversed(list(enumerate(header))) if title}

    def find(*parts: str) -> int | None:
        return next((index[t] for part in parts for t in _titles(part) if t in index), None)

    key, who = find("key"), find("confirmer")
    if key is None or who is None:
        return None
    answer = find("answer")
    comment = find("answer_comment") if answer is not None else find(*_OLD_COMMENTS)
    check, signed = find("digest"), find("confirm_date")
    block = {i for i in (key, check, answer, who, comment, signed, find(*_OLD_COMMENTS)) if i is not None}
    lang = _titles("key")[header[key]]
    known = _known_titles(lang) - _block_titles()  # a second column titled like the block's is added
    visible = tuple(i for i, title in enumerate(header) if i not in block)
    added = tuple(i for i in visible if header[i] not in known)
    old = find(*_OLD_COMMENTS)
    return Columns(name, lang, tuple(header), key, check, answer, who, comment, signed, visible, added, old)


def _block_titles() -> set[str]:
    return {t for part in (*_BLOCK, *_OLD_COMMENTS[1:]) for t in _titles(part)}


def _known_titles(lang: str) -> set[str]:
    """Every column title an opsdesk sheet in ``lang`` can have."""
    table = EN if lang == "en" else {}
    return {table.get(key, text) for key, text in ZH.items() if key.startswith("col.")}


def is_export(sheets: list[tuple[str, list[str]]]) -> bool:
    """Whether a workbook is one opsdesk exported: a sheet of it has the 记录键 and 校验 columns."""
    keys, checks = set(_titles("key")), set(_titles("digest"))
    return any(keys & set(header) and checks & set(header) for _, header in sheets)
