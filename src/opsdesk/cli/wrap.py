"""Text wrapped to a terminal's width without breaking a word, an id or a time.

A terminal (or Rich, left to itself) cuts a line at the last cell that fits: mid-word, inside
``ORA-01555`` or between a date and its time. Here a line breaks only between units: a run of
narrow characters (a word, an id, ``HIS-2041``), a moment (``2026-12-04 17:30``, ``周五 12-04 16:42``),
or one wide (CJK) character, which may break anywhere, keeping closing punctuation (``，。）``) with the
character before it. Widths are terminal cells (a CJK character takes two). A unit wider than the
whole line is the one thing cut, as it must be.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_MOMENT = r"(?:周[一二三四五六日] )?(?:\d{4}-)?\d{2}-\d{2} \d{2}:\d{2}"
_UNIT = re.compile(rf"{_MOMENT}|\s+|[^\s\u1100-\uffff]+|.", re.DOTALL)
_CLOSING = set("，。、；：！？）》」』】〉…,.;:!?)]}")
_OPENING = set("（《「『【〈([{")
SEPARATOR = " · "
LONG = 20  # cells: a narrow run longer than this may break after its punctuation


def units(text: str) -> list[str]:
    """``text`` as the units a line may break between (spaces are units of their own)."""
    found: list[str] = []
    for unit in _pieces(text):
        if found and not found[-1].isspace() and (unit in _CLOSING or (found[-1] in _OPENING and not unit.isspace())):
            found[-1] += unit  # closing punctuation stays with what it closes; opening with what it opens
        else:
            found.append(unit)
    return found


def _pieces(text: str) -> list[str]:
    """The units before punctuation is joined: a long narrow run (a URL, a path, a dotted name) breaks
    after each ``/ ? & . - _ : =``, as a browser's address bar does; a shorter one is whole."""
    out: list[str] = []
    for unit in _UNIT.findall(text):
        if len(unit) > LONG and not unit.isspace():
            out.extend(re.findall(r"[^/?&.\-_:=]+[/?&.\-_:=]*|[/?&.\-_:=]+", unit))
        else:
            out.append(unit)
    return out


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` (one line) as lines of at most ``width`` cells, broken between units; its leading spaces
    kept, the lines after the first starting with ``indent``. Spaces at a break are dropped."""
    width = max(width, 1)
    body = text.lstrip(" ")
    lines: list[str] = []
    current = text[: len(text) - len(body)]
    for unit in units(body):
        if unit.isspace():
            if current.strip():
                current += unit
            continue
        if current.strip() and cell_len(current + unit) > width:
            lines.append(current.rstrip())
            current = indent
        if cell_len(current + unit) > width:  # a unit wider than a line: cut it, as it must be
            for ch in unit:
                if current.strip() and cell_len(current + ch) > width:
                    lines.append(current)
                    current = indent
                current += ch
            continue
        current += unit
    lines.append(current.rstrip())
    return lines


def wrap_line(text: str, width: int) -> list[str]:
    """A line for a screen: parts joined by `` · `` stay whole where they fit, each line after the first
    indented two more than the first; otherwise broken between units (:func:`wrap`)."""
    if cell_len(text) <= width:
        return [text]
    lead = text[: len(text) - len(text.lstrip(" "))]
    indent = lead + "  "
    if SEPARATOR not in text:
        return wrap(text, width, indent)
    parts = text.strip().split(SEPARATOR)
    lines: list[str] = []
    current = lead
    for n, part in enumerate(parts):
        piece = part + (SEPARATOR.rstrip() if n < len(parts) - 1 else "")
        candidate = current + (" " if current.strip() else "") + piece
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current.strip():
            lines.append(current)
            current = indent
        *done, current = wrap(current + piece, width, indent)
        lines.extend(done)
    lines.append(current)
    return lines


def wrap_cell(text: str, width: int) -> str:
    """A table cell's text with line breaks where it must wrap to ``width`` cells (its own lines kept)."""
    return "\n".join(ln for part in text.split("\n") for ln in wrap(part, width))


def longest_unit(text: str) -> int:
    """The widest unit of ``text`` that must not be broken (a word, an id, a moment), in cells."""
    return max((cell_len(u) for u in units(text) if not u.isspace()), default=0)
