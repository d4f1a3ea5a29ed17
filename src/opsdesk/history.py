"""The append-only, hash-chained history, and the proof that it is untouched.

Every change to a record goes through :func:`create` or :func:`update`, which write
the row and append one :class:`~opsdesk.models.Event` in the same transaction. Each
event stores the SHA-256 of its own canonical content, which includes the previous
event's hash. :func:`verify` recomputes the chain and replays the events to check
that the current records are exactly what the history says they are.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from opsdesk.models import ENTITIES, Event

GENESIS = "0" * 64
# Columns added to an existing table by a migration after m001/m002 (see store.py).
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket": ("source", "time_unknown", "platform_data"),
    "change_request": ("source", "platform_data"),
}


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_dict(obj: SQLModel) -> dict[str, Any]:
    """The record as JSON-ready values, one key per column."""
    loaded = obj.__dict__  # read loaded values directly: attribute access costs more than the rest here
    return {key: to_json_value(loaded[key] if key in loaded else getattr(obj, key)) for key in _column_keys(type(obj))}


@functools.cache
def _column_keys(model: type[SQLModel]) -> tuple[str, ...]:
    return tuple(col.key for col in sa_inspect(model).columns)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))  # made once, not per call


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return _CANONICAL.encode(value)


EVENT_FIELDS = ("id", "recorded_at", "actor", "action", "entity", "entity_id", "happened_at", "before", "after",
                "prev_hash")  # fmt: skip


def digest(*values: Any) -> str:
    """SHA-256 over an event's canonical content: the :data:`EVENT_FIELDS` values as JSON, moments as
    the ISO text they are stored as, the previous event's hash included. The one definition that
    writing (:func:`create`, :class:`BulkWriter`) and checking (:func:`verify`) share."""
    content = dict(zip(EVENT_FIELDS, (to_json_value(v) for v in values), strict=True))
    return hashlib.sha256(_dumps(content).encode()).hexdigest()


def event_digest(ev: Event) -> str:
    """The digest of an :class:`Event` object."""
    return digest(*(getattr(ev, name) for name in EVENT_FIELDS))


class BulkWriter:
    """Append many records and their creation events at once (the synthetic scale stores).

    The same rows and the same hash chain as :func:`create` would write, without an ORM object
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
        """``row`` holds every column as its JSON value (what :func:`row_dict` would give)."""
        values = (self.next_id, to_json_value(recorded_at), self.actor, action, entity, row[_pk_name(entity)],
                  to_json_value(happened_at), None, _dumps(row), self.prev)  # fmt: skip
        fingerprint = digest(*values)
        self.events.append((*values, fingerprint))
        self.rows.setdefault(entity, []).append(row)
        self.prev = fingerprint
        self.next_id += 1

    def flush(self) -> None:
        from opsdesk.store import sync_ids

        conn = self.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        for entity, rows in self.rows.items():
            columns = list(rows[0])
            sql = f'INSERT INTO "{entity}" ({", ".join(columns)}) VALUES ({", ".join([mark] * len(columns))})'
            conn.exec_driver_sql(sql, [tuple(_db_value(r[c], sqlite) for c in columns) for r in rows])
        if self.events:
            conn.exec_driver_sql(
                "INSERT INTO event (id, recorded_at, actor, action, entity, entity_id, happened_at, before, after, "
                f"prev_hash, hash) VALUES ({', '.join([mark] * 11)})", self.events)  # fmt: skip
        sync_ids(conn, [*self.rows, "event"])
        self.rows, self.events = {}, []


def _db_value(value: Any, sqlite: bool) -> Any:
    return int(value) if sqlite and isinstance(value, bool) else value


def _pk_name(entity: str) -> str:
    return sa_inspect(ENTITIES[entity]).primary_key[0].key


def head(session: Session) -> Event | None:
    return session.exec(select(Event).order_by(Event.id.desc()).limit(1)).first()


def _append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    before: dict | None,
    after: dict | None,
    happened_at: datetime | None,
    recorded_at: datetime,
) -> Event:
    last = head(session)
    ev = Event(
        id=(last.id + 1) if last else 1,
        recorded_at=recorded_at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        happened_at=happened_at,
        before=_dumps(before),
        after=_dumps(after),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    ev.hash = event_digest(ev)
    session.add(ev)
    session.flush()
    return ev


def _entity_name(obj: SQLModel) -> str:
    return type(obj).__tablename__


def _pk(obj: SQLModel) -> int:
    return sa_inspect(obj).identity[0]


def create(
    session: Session,
    obj: SQLModel,
    *,
    actor: str,
    action: str,
    recorded_at: datetime,
    happened_at: datetime | None = None,
) -> Event:
    """Insert ``obj`` and record its creation."""
    session.add(obj)
    session.flush()
    return _append(
        session,
        actor=actor,
        action=action,
        entity=_entity_name(obj),
        entity_id=_pk(obj),
        before=None,
        after=row_dict(obj),
        happened_at=happened_at,
        recorded_at=recorded_at,
    )


def update(
    session: Session,
    obj: SQLModel,
    changes: dict[str, Any],
    *,
    actor: str,
    action: str,
    recorded_at: datetime,
    happened_at: datetime | None = None,
) -> Event | None:
    """Apply ``changes`` to ``obj`` and record the old and new values; no-op changes write nothing."""
    current = row_dict(obj)
    changed = {k: v for k, v in changes.items() if to_json_value(v) != current[k]}
    if not changed:
        return None
    before = {k: current[k] for k in changed}
    for key, value in changed.items():
        setattr(obj, key, value)
    session.add(obj)
    session.flush()
    after = {k: to_json_value(v) for k, v in changed.items()}
    return _append(
        session,
        actor=actor,
        action=action,
        entity=_entity_name(obj),
        entity_id=_pk(obj),
        before=before,
        after=after,
        happened_at=happened_at,
        recorded_at=recorded_at,
    )


@dataclass
class VerifyResult:
    events: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyResult:
    """Check every hash and link, then replay the events and compare with the records.

    Stops the chain check at the first bad event and names it.
    """
    result = VerifyResult()
    if session.connection().dialect.name == "sqlite":  # PostgreSQL checks its pages as it reads them
        integrity = [r[0] for r in session.connection().exec_driver_sql("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            result.problems.append(
                f"the database file is damaged (SQLite integrity check: {'; '.join(integrity[:3])})"
            )
            return result
    state: dict[str, dict[int, dict | str]] = {name: {} for name in ENTITIES}
    prev = GENESIS
    expected_id = 1
    conn = session.connection()
    events = conn.execute(text(f"SELECT {', '.join(EVENT_FIELDS)}, hash FROM event ORDER BY id"))
    for batch in events.partitions(VERIFY_BATCH):
        for row in batch:
            # The stored text is what was hashed (moments are kept as the same ISO text), so no objects are built.
            ev = _RawEvent(*row)
            result.events += 1
            if ev.id != expected_id:
                result.problems.append(f"event {expected_id} is missing (the next event is {ev.id})")
                return result
            if ev.prev_hash != prev:
                result.problems.append(
                    f"event {ev.id} does not follow event {ev.id - 1}: its link to the previous hash is broken"
                )
                return result
            if digest(*row[:-1]) != ev.hash:
                result.problems.append(
                    f"event {ev.id} ({ev.action} {ev.entity} {ev.entity_id}) was altered: "
                    "its hash does not match its content"
                )
                return result
            problem = _replay(state, ev)
            if problem:
                result.problems.append(problem)
                return result
            prev = ev.hash
            expected_id += 1
    result.head_hash = prev
    for name, model in ENTITIES.items():
        result.counts[name], problems = _compare(conn, name, model, state.pop(name))
        result.problems += problems
    return result


VERIFY_BATCH = 5000  # events (and records) read per fetch


def _compare(conn, name: str, model: type[SQLModel], replayed: dict[int, dict | str]) -> tuple[int, list[str]]:
    """Read the table ``name`` row by row against what the history replayed (emptying ``replayed``);
    returns the number of records and the differences, in record order."""
    found: list[tuple[int, str]] = []
    count = 0
    key_name = _pk_name(name)
    for row in _raw_rows(conn, model):
        count += 1
        key = row[key_name]
        record = replayed.pop(key, None)
        if record is None:
            found.append((key, f"{name} {key} exists but no event in the history created it"))
            continue
        record = _parsed(name, record)
        if row != record:
            fields = sorted(k for k in row if row[k] != record.get(k))
            found.append((key, f"{name} {key} differs from its history in {', '.join(fields)} "
                               f"(history says {', '.join(f'{f}={record.get(f)!r}' for f in fields)})"))  # fmt: skip
    found += [(key, f"{name} {key} is in the history but missing from the records") for key in replayed]
    return count, [problem for _, problem in sorted(found, key=lambda kp: kp[0])]


class _RawEvent:
    __slots__ = ("action", "actor", "after", "before", "entity", "entity_id", "happened_at", "hash", "id",
                 "prev_hash", "recorded_at")  # fmt: skip

    def __init__(self, id, recorded_at, actor, action, entity, entity_id, happened_at, before, after, prev_hash, hash):
        self.id, self.recorded_at, self.actor, self.action = id, recorded_at, actor, action
        self.entity, self.entity_id, self.happened_at = entity, entity_id, happened_at
        self.before, self.after, self.prev_hash, self.hash = before, after, prev_hash, hash


def _raw_rows(conn, model: type[SQLModel]):
    """A table's rows as :func:`row_dict` would give them, read without building ORM objects."""
    from sqlalchemy import Boolean, Date

    columns = list(sa_inspect(model).columns)
    booleans = [c.key for c in columns if isinstance(c.type, Boolean)]
    dates = [c.key for c in columns if isinstance(c.type, Date)]  # SQLite gives text, PostgreSQL dates
    names = [c.key for c in columns]
    rows = conn.execute(text(f'SELECT {", ".join(c.name for c in columns)} FROM "{model.__tablename__}"'))
    for batch in rows.partitions(VERIFY_BATCH):
        for row in batch:
            out = dict(zip(names, row, strict=True))
            for key in booleans:
                if out[key] is not None:
                    out[key] = bool(out[key])
            for key in dates:
                out[key] = to_json_value(out[key])
            yield out


@functools.cache
def _added_defaults(entity: str) -> dict[str, Any]:
    """Columns added by later migrations, with their defaults: a record created before such a
    migration has them by default, though its creating event does not name them."""
    model = ENTITIES[entity]
    return {name: to_json_value(model.model_fields[name].default) for name in ADDED_COLUMNS.get(entity, ())}


def _parsed(entity: str, record: dict | str) -> dict:
    """A replayed record: a record no later event changed is kept as its creating event's text
    (far smaller than the dict) until it is compared."""
    if isinstance(record, str):
        return {**_added_defaults(entity), **json.loads(record)}
    return record


def _replay(state: dict[str, dict[int, dict | str]], ev: _RawEvent) -> str | None:
    table = state.get(ev.entity)
    if table is None:
        return f"event {ev.id} names an unknown kind of record {ev.entity!r}"
    if not ev.before:
        if ev.entity_id in table:
            return f"event {ev.id} creates {ev.entity} {ev.entity_id}, which already exists"
        table[ev.entity_id] = ev.after or "{}"
        return None
    record = table.get(ev.entity_id)
    if record is None:
        return f"event {ev.id} changes {ev.entity} {ev.entity_id}, which no earlier event created"
    record = table[ev.entity_id] = _parsed(ev.entity, record)
    before = json.loads(ev.before)
    for key, value in before.items():
        if record.get(key) != value:
            return (
                f"event {ev.id} says {ev.entity} {ev.entity_id} had {key}={value!r}, "
                f"but the history before it says {record.get(key)!r}"
            )
    record.update(json.loads(ev.after) if ev.after else {})
    return None


CONFIRM_FIELDS = ("confirmed_at", "confirmed_by", "confirm_comment")


def record_digest(obj: SQLModel) -> str:
    """A short fingerprint of a record's content (confirmation aside): a workbook row carries it so
    that ``confirm import`` can tell a record that changed after the export."""
    content = {k: v for k, v in row_dict(obj).items() if k not in CONFIRM_FIELDS}
    return hashlib.sha256(_dumps(content).encode()).hexdigest()[:12]
