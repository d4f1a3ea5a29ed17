"""Rendering for people and for scripts.

On a terminal: Rich tables and colour. Piped: plain tab-separated lines with a
header row, no colour, no wrapping. ``--json``: one JSON document on stdout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.chars import shown

if TYPE_CHECKING:  # Rich loads when a bar is shown
    from rich.progress import Progress


def is_terminal() -> bool:
    if os.environ.get("OPSDESK_FORCE_TERMINAL"):
        return True
    return sys.stdout.isatty()


def terminal_width() -> int | None:
    """The terminal's width in columns, or None when the output is not a terminal."""
    return console().width if is_terminal() else None


def console(stderr: bool = False):
    from rich.console import Console

    if is_terminal() and not stderr:
        return Console(highlight=False)
    return Console(stderr=stderr, highlight=False, no_color=True, soft_wrap=True, width=10_000)


def json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # typed rows from the library
        return dataclasses.asdict(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=json_default) + "\n")


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with every control character but tab and newline written out (``\\x1b``): text
    stored before opsdesk refused them must not clear a screen or set a window title. A text-direction
    control or an invisible character is written out too (``<U+202E>``): no text prints as another."""
    return shown(_CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode(), text))


def line(text: str = "", style: str | None = None) -> None:
    """One line of text; ``style`` (Rich markup style) only on a terminal, where it wraps to the width
    between words, ids and times (parts joined by `` · `` kept whole where they fit), never inside one."""
    text = visible(text)
    if is_terminal():
        from opsdesk.cli.wrap import wrap_line

        out = console()
        for part in text.split("\n"):
            for shown in wrap_line(part, out.width):
                out.print(shown, style=style, markup=False, overflow="ignore", crop=False)
    else:
        sys.stdout.write(text + "\n")


def warn_unpublished(years, what: str = "deadlines use") -> None:
    """The note that ``years`` of the official calendar are not published yet (nothing if none)."""
    if years:
        line(
            f"  note: calendar {', '.join(map(str, sorted(years)))} is not officially published yet; "
            f"{what} the plain rules (see `opsdesk calendar confirm`)",
            style="yellow",
        )


def table(
    title: str | None,
    columns: list[str],
    rows: list[list[Any]],
    styles: list[str | None] | None = None,
    *,
    flex: str | None = None,
    optional: tuple[str, ...] = (),
    short: dict[str, str] | None = None,
    flex_min: int = 12,
) -> None:
    """A table: Rich on a terminal, tab-separated text otherwise. ``styles`` colours whole rows.

    On a terminal the table fits the console: no column is cut or broken, except ``flex`` (long
    text such as a symptom), which is shortened with an ellipsis; while it does not fit, headings
    take their ``short`` form, then the ``optional`` columns are left out, the first named first.
    """
    if not is_terminal():
        if title:
            sys.stdout.write(f"# {title}\n")
        sys.stdout.write("\t".join(columns) + "\n")
        for row in rows:
            sys.stdout.write("\t".join(_cell(c).replace("\t", " ").replace("\n", " ") for c in row) + "\n")
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out = console()
    headers, keep = _fit(columns, rows, out.width, flex, optional, short or {}, flex_min)
    rich_table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    gaps = 3 * (len(keep) - 1)
    widths = {i: _natural(headers[i], rows, i) for i in keep}
    flex_at = columns.index(flex) if flex in columns and columns.index(flex) in keep else None
    if flex_at is not None:  # the text column takes the room left, at least a little
        widths[flex_at] = 0
        room = out.width - sum(widths.values()) - gaps
        least = _flex_min(headers[flex_at], flex_min)
        widths[flex_at] = min(max(room, least), _natural(headers[flex_at], rows, flex_at))
    excess = sum(widths.values()) + gaps - out.width
    _narrow(widths, [i for i in keep if columns[i] != flex], headers, rows, excess, flex_at)
    for i in keep:
        rich_table.add_column(
            _wrapped(headers[i], widths[i]),
            no_wrap=columns[i] == flex,
            overflow="fold",
            min_width=widths[i],
            max_width=widths[i],
        )
    for n, row in enumerate(rows):
        cells = [_rich_cell(_shorten(row[i], widths[i]) if columns[i] == flex else row[i], widths[i]) for i in keep]
        rich_table.add_row(*cells, style=(styles[n] if styles else None))
    out.print()
    if title:  # on its own line, as wide as the screen (a table's title wraps at the table's width)
        out.print(Text(title, style="italic"))
    out.print(rich_table)


def _narrow(
    widths: dict[int, int],
    wrappable: list[int],
    headers: list[str],
    rows: list[list[Any]],
    excess: int,
    flex_at: int | None = None,
) -> None:
    """Still too wide: the widest columns give up room, a cell at a time, until the table fits or
    they are down to ten cells or their longest unit (a word, an id, a time: heading or cell, up to
    20); their text wraps between units (:mod:`opsdesk.cli.wrap`), never inside one."""
    if excess <= 0:
        return
    floors = {i: max(10, _longest_word(headers[i], rows, i)) for i in wrappable}
    passes = [(wrappable, floors)]
    if flex_at is not None:  # then the shortened text gives back what it was given above the least
        passes.append(([flex_at], {flex_at: min(widths[flex_at], _flex_min(headers[flex_at]))}))
    passes.append((wrappable, dict.fromkeys(wrappable, 4)))  # at last a unit is cut rather than a column lost
    for columns, floor in passes:
        while excess > 0:
            shrinkable = [i for i in columns if widths[i] > floor[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
            excess -= 1


def _longest_word(header: str, rows: list[list[Any]], i: int) -> int:
    """The widest unit of a column that must not break (a word, an id, a time; wide (CJK) characters
    break anywhere), in cells; at most 20."""
    from opsdesk.cli.wrap import longest_unit

    return min(20, max(longest_unit(text) for text in (header, *(_cell(row[i]) for row in rows))))


def _shorten(value: Any, width: int) -> str:
    """Text cut to ``width`` cells with an ellipsis, at a word where it has spaces."""
    from rich.cells import cell_len, set_cell_size

    text = _cell(value)
    if cell_len(text) <= width:
        return text
    cut = set_cell_size(text, width - 1).rstrip()
    if " " in cut and cut.rfind(" ") > len(cut) // 2:
        cut = cut[: cut.rfind(" ")]
    return cut + "…"


_FLEX_MIN = 12  # the least a shortened text column keeps


def _flex_min(header: str, least: int = _FLEX_MIN) -> int:
    from rich.cells import cell_len

    return max(least, cell_len(header))


def fits(columns: list[str], rows: list[list[Any]], flex: str | None = None, flex_min: int = _FLEX_MIN) -> bool:
    """Whether :func:`table` shows these columns whole (the ``flex`` one at least shortened, to
    ``flex_min`` cells) here: always when the output is not a terminal."""
    width = terminal_width()
    if width is None:
        return True
    needed = [_flex_min(c, flex_min) if c == flex else _natural(c, rows, i) for i, c in enumerate(columns)]
    return sum(needed) + 3 * (len(columns) - 1) <= width


def _natural(header: str, rows: list[list[Any]], i: int) -> int:
    """The width a column needs to show every cell (and its heading) whole."""
    from rich.cells import cell_len

    return max([cell_len(header), *(cell_len(part) for row in rows for part in _cell(row[i]).split("\n"))])


def _fit(columns, rows, width, flex, optional, short, flex_min=_FLEX_MIN) -> tuple[list[str], list[int]]:
    """Headings and the columns kept so that the table fits ``width`` (see :func:`table`)."""
    headers, keep = list(columns), list(range(len(columns)))

    def needed() -> int:
        widths = [
            _flex_min(headers[i], flex_min) if columns[i] == flex else _natural(headers[i], rows, i) for i in keep
        ]
        return sum(widths) + 3 * (len(widths) - 1)  # a space each side of a column, and one between

    if needed() > width:
        headers = [short.get(c, c) for c in columns]
    for name in optional:
        if needed() <= width:
            break
        keep = [i for i in keep if columns[i] != name]
    return headers, keep


def _wrapped(text: str, width: int) -> str:
    from opsdesk.cli.wrap import wrap_cell

    return wrap_cell(text, width)


def _rich_cell(value: Any, width: int):
    """A cell as Rich shows it, wrapped to its column's width here (between units) so that Rich need
    not fold it."""
    from rich.text import Text

    if isinstance(value, tuple):
        return Text(_wrapped(_cell(value[0]), width), style=value[1] or "")
    return Text(_wrapped(_cell(value), width))


def _cell(value: Any) -> str:
    if isinstance(value, tuple):  # (value, style): the style only shows on a terminal
        value = value[0]
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return visible(str(value))


def minutes(delta: timedelta) -> str:
    """``1h05m``, ``-2d3h00m`` style for durations (working or wall)."""
    from opsdesk.sla.durations import wall_span

    return wall_span(delta)


def span(delta: timedelta, working_day: timedelta | None = None) -> str:
    """A duration for people: wall-clock as ``2d16h00m``; working time (``working_day`` given) in
    working days of that length, e.g. ``3 working days 1h00m``, never in 24-hour days
    (:mod:`opsdesk.sla.durations`: the one format of screens, alerts and workbooks)."""
    from opsdesk.sla.durations import wall_span, working_span

    return wall_span(delta) if working_day is None else working_span(delta, working_day)


def error(message: str) -> None:
    """``Error: message`` on stderr: one line, or on a terminal wrapped to its width between words."""
    _to_stderr(f"Error: {visible(message)}", "       ")


def error_note(message: str) -> None:
    """An informational line on stderr (kept off stdout so --json stays clean)."""
    _to_stderr(message, "  ")


def _to_stderr(text: str, indent: str) -> None:
    """A message on stderr; on a terminal each line wrapped to its width between words, ids and times
    (the terminal itself would cut them mid-word), the lines after the first indented."""
    if os.environ.get("OPSDESK_FORCE_TERMINAL") or sys.stderr.isatty():
        import shutil

        from opsdesk.cli.wrap import wrap

        width = shutil.get_terminal_size((80, 24)).columns
        text = "\n".join(ln for part in text.split("\n") for ln in wrap(part, width, indent))
    sys.stderr.write(text + "\n")


class progress:
    """A Rich progress bar on a terminal (rows written so far); silent otherwise.

    ``with progress("Writing workbook") as advance: ... advance(500)``
    """

    def __init__(self, description: str):
        self.description = description
        self._bar: Progress | None = None

    def __enter__(self) -> Callable[[int], None] | None:
        if not is_terminal():
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} rows"),
            TimeElapsedColumn(),
            transient=True,
        )
        bar.start()
        task = bar.add_task(self.description, total=None)
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
