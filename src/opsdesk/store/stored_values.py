"""What a stored value must be for :func:`opsdesk.store.history.verify` to find it equal to its history.

SQLite keeps any value in any column, and Python's equality is loose (``True == 1 == 1.0``): 'yes' in
a boolean column was true to Python and false to every query that filters on ``active = 1``. Each value
read for the comparison is checked against the type its column declares and turned into what
:func:`~opsdesk.store.history.row_dict` gives (a moment's or a date's ISO text, a boolean); anything
else is a :class:`Mistyped`, equal to nothing, and the comparison itself tells 1 from 1.0 from true.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlmodel import SQLModel


class Mistyped:
    """A stored value that is not of its column's type (text in a boolean, 1.0 in an integer, a moment
    without its offset...): equal to nothing, so the record differs from its history, shown as stored."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any):
        self.raw = raw

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.raw)


def _moment_text(value: Any) -> Any:
    """A moment as stored: ISO text with its offset, to the second, exactly as opsdesk writes it (the
    queries compare this text, so '2026-12-07 10:00' would sort and filter differently)."""
    if type(value) is str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return Mistyped(value)
        if moment.tzinfo is not None and moment.isoformat(timespec="seconds") == value:
            return value
    return Mistyped(value)


def date_text(value: Any) -> Any:
    """A date as JSON keeps it: SQLite holds 'YYYY-MM-DD' text, PostgreSQL a date."""
    if type(value) is date:
        return value.isoformat()
    if type(value) is str:
        try:
            if date.fromisoformat(value).isoformat() == value:
                return value
        except ValueError:
            pass
    return Mistyped(value)


def _sqlite_boolean(value: Any) -> Any:
    return value == 1 if type(value) is int and value in (0, 1) else Mistyped(value)  # what `active = 1` finds


def _pg_boolean(value: Any) -> Any:
    return value if type(value) is bool else Mistyped(value)


def _integer(value: Any) -> Any:
    return value if type(value) is int else Mistyped(value)


def _real(value: Any) -> Any:
    return float(value) if type(value) in (float, int) else Mistyped(value)


def _text(value: Any) -> Any:
    return value if type(value) is str else Mistyped(value)


@dataclass(frozen=True)
class Columns:
    """How one table's columns are read for the comparison: each stored value checked against the type
    its column declares and turned into what :func:`row_dict` gives (a moment's or a date's ISO text, a
    boolean), else :class:`Mistyped`."""

    names: tuple[str, ...]
    sql_names: tuple[str, ...]
    readers: tuple[tuple[str, Any], ...]  # (column, reader) for each column
    exact: tuple[str, ...]  # booleans and integers: equal in Python is not enough (True == 1 == 1.0)
    reals: frozenset[str]  # a float column: the history may say 2 where the table holds 2.0


@functools.cache
def columns_of(model: type[SQLModel], dialect: str) -> Columns:
    from sqlalchemy import Boolean, Date, Float, Integer, String
    from sqlalchemy.types import TypeDecorator

    from opsdesk.store.models import Moment

    readers = []
    for column in sa_inspect(model).columns:
        kind = column.type
        if isinstance(kind, TypeDecorator) and not isinstance(kind, Moment):
            kind = kind.impl  # SQLModel's AutoString is text
        if isinstance(kind, Moment):
            reader = _moment_text
        elif isinstance(kind, Boolean):
            reader = _pg_boolean if dialect == "postgresql" else _sqlite_boolean
        elif isinstance(kind, Integer):
            reader = _integer
        elif isinstance(kind, Float):
            reader = _real
        elif isinstance(kind, Date):
            reader = date_text
        elif isinstance(kind, String):
            reader = _text
        else:  # a test keeps every column of every table covered
            raise TypeError(f"{model.__tablename__}.{column.key}: no typed reading of {kind!r}")
        readers.append((column.key, reader))
    columns = list(sa_inspect(model).columns)
    return Columns(
        names=tuple(c.key for c in columns),
        sql_names=tuple(c.name for c in columns),
        readers=tuple(readers),
        exact=tuple(c.key for c in columns if isinstance(c.type, Boolean | Integer)),
        reals=frozenset(c.key for c in columns if isinstance(c.type, Float)),
    )


def raw_rows(conn, model: type[SQLModel], batch_size: int):
    """A table's rows as :func:`row_dict` would give them, in key order, read without building ORM objects.
    A value not of its column's type is a :class:`Mistyped`: it equals nothing."""
    columns = columns_of(model, conn.dialect.name)
    pk = sa_inspect(model).primary_key[0].name
    rows = conn.execute(
        text(f'SELECT {", ".join(columns.sql_names)} FROM "{model.__tablename__}" ORDER BY {pk}'),
        execution_options={"stream_results": True},  # PostgreSQL: a server-side cursor
    )
    readers = columns.readers
    for batch in rows.partitions(batch_size):
        for row in batch:
            yield {
                key: None if value is None else reader(value) for (key, reader), value in zip(readers, row, strict=True)
            }


def same(stored: Any, replayed: Any, real: bool = False) -> bool:
    """Equal and of one type: JSON's 1, 1.0 and true are three values here (``real``: a float column,
    where the history may hold 2 for 2.0)."""
    if stored is replayed:
        return True
    if type(stored) is not type(replayed):
        return real and type(replayed) is int and stored == replayed
    return stored == replayed


def differences(row: dict[str, Any], record: dict[str, Any], columns: Columns) -> list[str]:
    """The columns in which a stored row is not what its history says, by value or by type."""
    if row == record and all(type(row[k]) is type(record[k]) for k in columns.exact):
        return []
    return sorted(k for k in row if not same(row[k], record.get(k), k in columns.reals))


def difference_text(name: str, key: int, row: dict[str, Any], record: dict[str, Any], fields: list[str]) -> str:
    said = ", ".join(f"{f}={record.get(f)!r}" for f in fields)
    held = repr(row[fields[0]]) if len(fields) == 1 else ", ".join(f"{f}={row[f]!r}" for f in fields)
    return f"{name} {key} differs from its history in {', '.join(fields)} (history says {said}; the table holds {held})"
