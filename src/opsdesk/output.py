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
from datetime import date, datetime, timedelta
from typing import Any


def is_terminal() -> bool:
    if os.environ.get("OPSDESK_FORCE_TERMINAL"):
        return True
    return sys.stdout.isatty()


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
    stored before opsdesk refused them must not clear a screen or set a window title."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode(), text)


def line(text: str = "", style: str | None = None) -> None:
    """One line of text; ``style`` (Rich markup style) only on a terminal."""
    text = visible(text)
    if is_terminal():
        console().print(text, style=style, markup=False)
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


NO_WRAP = {
    "id",
    "system",
    "kind",
    "status",
    "reported",
    "response",
    "arrival",
    "resolution",
    "state",
    "due",
    "deadline",
    "at",
    "day",
}


def table(title: str | None, columns: list[str], rows: list[list[Any]], styles: list[str | None] | None = None) -> None:
    """A table: Rich on a terminal, tab-separated text otherwise. ``styles`` colours whole rows."""
    if not is_terminal():
        if title:
            sys.stdout.write(f"# {title}\n")
        sys.stdout.write("\t".join(columns) + "\n")
        for row in rows:
            sys.stdout.write("\t".join(_cell(c).replace("\t", " ").replace("\n", " ") for c in row) + "\n")
        return
    from rich import box
    from rich.table import Table

    rich_table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        rich_table.add_column(column, overflow="fold", no_wrap=column in NO_WRAP, min_width=len(column))
    for i, row in enumerate(rows):
        rich_table.add_row(*(_rich_cell(c) for c in row), style=(styles[i] if styles else None))
    console().print(rich_table)


def _rich_cell(value: Any):
    from rich.text import Text

    if isinstance(value, tuple):
        return Text(_cell(value[0]), style=value[1] or "")
    return Text(_cell(value))


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
    """``1h05m``, ``-2d3h`` style for durations (working or wall)."""
    total = int(delta.total_seconds() // 60) if delta >= timedelta(0) else -int((-delta).total_seconds() // 60)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}d{hours}h{mins:02d}m"
    if hours:
        return f"{sign}{hours}h{mins:02d}m"
    return f"{sign}{mins}m"


def span(delta: timedelta, working_day: timedelta | None = None) -> str:
    """A duration for people: wall-clock as ``2d16h00m``; working time (``working_day`` given) in
    working days of that length, e.g. ``3 working days 1h00m``, never in 24-hour days."""
    if working_day is None:
        return minutes(delta)
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    days, rest = divmod(delta, working_day)
    rest_text = minutes(rest) if rest else ""
    if not days:
        return f"{sign}{rest_text or '0m'}"
    unit = "working day" if days == 1 else "working days"
    return f"{sign}{days} {unit}" + (f" {rest_text}" if rest_text else "")


def error(message: str) -> None:
    sys.stderr.write(f"Error: {visible(message)}\n")


def error_note(message: str) -> None:
    """An informational line on stderr (kept off stdout so --json stays clean)."""
    sys.stderr.write(message + "\n")


class progress:
    """A Rich progress bar on a terminal (rows written so far); silent otherwise.

    ``with progress("Writing workbook") as advance: ... advance(500)``
    """

    def __init__(self, description: str):
        self.description = description
        self._bar = None

    def __enter__(self):
        if not is_terminal():
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} rows"),
                             TimeElapsedColumn(), transient=True)  # fmt: skip
        self._bar.start()
        task = self._bar.add_task(self.description, total=None)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
