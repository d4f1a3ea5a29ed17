"""The clock every recorded time comes from.

A recorded time (when an entry was written) is the real clock's, never a value a user can set
(SPEC): no environment variable, option or configuration moves it. On PostgreSQL the store
asks the database server for the time (:func:`recorded_now`), so that engineers' machines agree.

Tests and the demo need a fixed clock; they get it inside their own process, through
:func:`fixed` (or by setting :data:`_fixed`), which nothing outside Python code can reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

_fixed: datetime | None = None  # set only in-process (tests, the demo's builder); never from the shell


def now() -> datetime:
    """The machine's clock (timezone-aware), or the fixed moment of this process."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def is_fixed() -> bool:
    return _fixed is not None


@contextmanager
def fixed(moment: datetime) -> Iterator[None]:
    """Within the block, the clock reads ``moment`` (timezone-aware): tests and benchmarks only."""
    global _fixed
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment}: the clock needs a timezone-aware moment")
    before, _fixed = _fixed, moment
    try:
        yield
    finally:
        _fixed = before


def recorded_now(conn: Connection) -> datetime:
    """The time to record an entry at, read once the command's transaction holds the write lock:
    the fixed moment of this process, else on PostgreSQL the server's clock, else the machine's."""
    if _fixed is None and conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT clock_timestamp()").scalar_one()
    return now()


def recorded_clock(conn: Connection) -> str:
    """Whose clock :func:`recorded_now` reads, as a refusal names it (a fixed clock stands in for it)."""
    return "the database server's clock" if conn.dialect.name == "postgresql" else "this machine's clock"
