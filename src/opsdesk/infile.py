"""Every file opsdesk reads is checked before it is parsed.

- Only a regular file is read. A directory, a named pipe (FIFO), a device (``/dev/zero``) or a
  socket is refused in one line; it is opened without waiting (``O_NONBLOCK``), so a FIFO nobody
  writes to never hangs the command.
- What is read is bounded as it is read: its size, its longest line and its number of lines (each
  input's :class:`Limits`, named constants beside the reader that uses them). A file over a limit is
  refused as soon as it passes it, having cost a few megabytes, never the machine.

The limits (docs/trust.md lists them): a ZenTao export 200 MB, lines of 10 MB, 500,000 lines
(``zentao/files.py``); an inspection CSV (results, checklist) 1 MB, lines of 64 KB, 5,000 lines
(``contract/inspections.py``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from opsdesk.errors import InvalidInput, NotFound

CHUNK = 1024 * 1024  # read this much at a time


@dataclass(frozen=True)
class Limits:
    """What one kind of input file may be, and what to tell someone whose file is not."""

    give: str  # what to give instead, e.g. "a ZenTao export file (CSV or API JSON)"
    noun: str  # what the file is, e.g. "ZenTao export"
    max_bytes: int
    max_line: int | None = None  # bytes in one line; None: not read as lines (JSON)
    max_lines: int | None = None
    fewer: str = ""  # what to do with a file too large, e.g. "export fewer bugs at a time"
    again: str = ""  # what to do with a line too long, e.g. "export the bugs again as CSV"


def kind_of(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def refuse_special(path: Path, give: str) -> None:
    """Refuse ``path`` when it exists and is not a regular file (looked at, never opened)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the caller says so in its own words
    kind = kind_of(mode)
    if kind is not None:
        raise InvalidInput(f"{path} is {kind}, not a file; give {give}")


def open_regular(path: Path, give: str) -> BinaryIO:
    """``path`` opened for reading, refused when it is not a regular file; opening never waits."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno is not None and Path(path).is_dir():  # Windows cannot open a folder at all
            raise InvalidInput(f"{path} is a directory, not a file; give {give}") from None
        raise NotFound(f"cannot read {path}: {exc.strerror}") from None
    kind = kind_of(os.fstat(fd).st_mode)
    if kind is not None:
        os.close(fd)
        raise InvalidInput(f"{path} is {kind}, not a file; give {give}")
    return os.fdopen(fd, "rb")


def read_bounded(path: Path, limits: Limits, *, lines: bool = True) -> bytes:
    """The bytes of the regular file ``path``, refused as soon as they pass ``limits`` (``lines``:
    its longest line and its number of lines too; not for JSON)."""
    with open_regular(path, limits.give) as handle:
        if os.fstat(handle.fileno()).st_size > limits.max_bytes:
            raise _too_big(path, limits)
        chunks: list[bytes] = []
        total, line, count = 0, 0, 0
        while chunk := handle.read(CHUNK):
            total += len(chunk)
            if total > limits.max_bytes:
                raise _too_big(path, limits)
            if lines:
                line, count = _check_lines(path, limits, chunk, line, count)
            chunks.append(chunk)
    return b"".join(chunks)


def _check_lines(path: Path, limits: Limits, chunk: bytes, line: int, count: int) -> tuple[int, int]:
    """(the length of the line still open at the end of ``chunk``, lines so far)."""
    last = chunk.rfind(b"\n")
    if limits.max_line is not None:
        longest = line + len(chunk) if last < 0 else max(line + chunk.find(b"\n"), *map(len, chunk.split(b"\n")))
        if longest > limits.max_line:
            raise InvalidInput(
                f"{path} has a line longer than {size(limits.max_line)}; {limits.noun}s have none: {limits.again}"
            )
    count += chunk.count(b"\n")
    if limits.max_lines is not None and count > limits.max_lines:
        raise InvalidInput(
            f"{path} has more than {limits.max_lines:,} lines, more than any {limits.noun} opsdesk reads; "
            f"{limits.fewer}"
        )
    return (line + len(chunk) if last < 0 else len(chunk) - last - 1), count


def _too_big(path: Path, limits: Limits) -> InvalidInput:
    return InvalidInput(
        f"{path} is larger than {size(limits.max_bytes)}, more than any {limits.noun} opsdesk reads; {limits.fewer}"
    )


def size(n: int) -> str:
    """A limit in words: ``200 MB``, ``64 KB``, ``1000 bytes``."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"
