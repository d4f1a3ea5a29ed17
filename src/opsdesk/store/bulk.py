"""Many records at once, with the same rows and the same hash chain one at a time would give.

Rows come numbered (each table's max + 1, as :func:`opsdesk.store.history.create` numbers them); no
database sequence is used or moved, so an engineer's login needs no grant on sequences.

:func:`opsdesk.store.history.create` writes a record and its creation event with two statements and an
ORM object each; an import of thousands of platform bugs (and the synthetic stores of
``opsdesk demo --scale``) write them here instead, one ``executemany`` per table.
"""

from __future__ import annotations

import functools
import operator
from datetime import datetime
from typing import Any

from sqlmodel import Session

from opsdesk.store.history import GENESIS, canonical_json, digest, head, pk_name, to_json_value


def row(model, **values) -> dict:
    """Every column of ``model`` as its JSON value, defaults filled in."""
    out = dict(_defaults(model))
    for name, value in values.items():
        if name not in out:
            raise TypeError(f"{model.__name__} has no column {name!r}")
        out[name] = to_json_value(value)
    return out


@functools.cache
def _defaults(model) -> dict[str, Any]:
    return {name: to_json_value(info.default) for name, info in model.model_fields.items()}


class BulkWriter:
    """Append many records and their creation events at once (the synthetic scale stores).

    The same rows and the same hash chain as :func:`opsdesk.store.history.create` would write, without an ORM object
    and two statements per record: rows and events go in with one ``executemany`` per batch.
    """

    def __init__(self, session: Session, actor: str):
        self.session = session
        self.actor = actor
        last = head(session)
        self.next_id = (last.id + 1) if last else 1
        self.prev = last.hash if last else GENESIS
        self.rows: dict[str, list[dict]] = {}
        self.events: list[tuple] = []

    def add(
        self,
        entity: str,
        row: dict[str, Any],
        *,
        action: str,
        recorded_at: datetime,
        happened_at: datetime | None = None,
    ) -> None:
        """``row`` holds every column as its JSON value (what :func:`opsdesk.store.history.row_dict` would give)."""
        values = (
            self.next_id,
            to_json_value(recorded_at),
            self.actor,
            action,
            entity,
            row[pk_name(entity)],
            to_json_value(happened_at),
            None,
            canonical_json(row),
            self.prev,
        )
        fingerprint = digest(*values)
        self.events.append((*values, fingerprint))
        self.rows.setdefault(entity, []).append(row)
        self.prev = fingerprint
        self.next_id += 1

    def flush(self) -> None:
        conn = self.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        for entity, rows in self.rows.items():
            columns = list(rows[0])
            sql = f'INSERT INTO "{entity}" ({", ".join(columns)}) VALUES ({", ".join([mark] * len(columns))})'
            values = operator.itemgetter(*columns)  # sqlite3 binds a bool as the integer 0 or 1, as SQLAlchemy does
            conn.exec_driver_sql(sql, [values(r) for r in rows])
        if self.events:
            conn.exec_driver_sql(
                "INSERT INTO event (id, recorded_at, actor, action, entity, entity_id, happened_at, before, after, "
                f"prev_hash, hash) VALUES ({', '.join([mark] * 11)})",
                self.events,
            )
        self.rows, self.events = {}, []
