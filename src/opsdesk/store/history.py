"""The append-only, hash-chained history, and the proof that it is untouched.

Every change to a record goes through :func:`create` or :func:`update`, which write
the row and append one :class:`~opsdesk.store.models.Event` in the same transaction. Each
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
from typing import Any, overload

from sqlalchemy import bindparam, func, text
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, SQLModel, col, select

from opsdesk.store.models import ENTITIES, Event
from opsdesk.store.recorded_times import RecordedTimes, latest_day
from opsdesk.store.stored_values import columns_of, difference_text, differences, raw_rows, same

GENESIS = "0" * 64
# Columns added to an existing table by a later migration (see migrations.py; a test checks this list).
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket": ("source", "time_unknown", "platform_data", "owner"),
    "change_request": ("source", "platform_data"),
    "inspection_item": ("reading", "unit", "threshold"),
    "risk": ("item", "confirmed_at", "confirmed_by", "confirm_comment"),
    "contract": ("report_prefix", "preparer", "reviewer"),
    "exception_request": ("edit_values",),
    "objection": ("objected_by",),
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


@overload
def canonical_json(value: dict[str, Any]) -> str: ...
@overload
def canonical_json(value: dict[str, Any] | None) -> str | None: ...
def canonical_json(value: dict[str, Any] | None) -> str | None:
    """The JSON text events keep and hash: sorted keys, no spaces, non-ASCII as is."""
    if value is None:
        return None
    return _CANONICAL.encode(value)


EVENT_FIELDS = (
    "id",
    "recorded_at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "happened_at",
    "before",
    "after",
    "prev_hash",
)


def digest(*values: Any) -> str:
    """SHA-256 over an event's canonical content: the :data:`EVENT_FIELDS` values as JSON, moments as
    the ISO text they are stored as, the previous event's hash included. The one definition that
    writing (:func:`create`, :class:`opsdesk.demo.scale.BulkWriter`) and checking (:func:`verify`) share."""
    content = dict(zip(EVENT_FIELDS, (to_json_value(v) for v in values), strict=True))
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def event_digest(ev: Event) -> str:
    """The digest of an :class:`Event` object."""
    return digest(*(getattr(ev, name) for name in EVENT_FIELDS))


def pk_name(entity: str) -> str:
    """The primary-key column of an entity's table."""
    return sa_inspect(ENTITIES[entity]).primary_key[0].key


def events_of(session: Session, entity: str, entity_id: int) -> list[Event]:
    """One record's history, oldest first."""
    query = select(Event).where(col(Event.entity) == entity, col(Event.entity_id) == entity_id).order_by(col(Event.id))
    return list(session.exec(query))


def event_line(ev: Event) -> dict[str, Any]:
    """An event as `show` commands list it."""
    return {
        "id": ev.id,
        "recorded_at": ev.recorded_at,
        "actor": ev.actor,
        "action": ev.action,
        "happened_at": ev.happened_at,
    }


def head(session: Session) -> Event | None:
    return session.exec(select(Event).order_by(col(Event.id).desc()).limit(1)).first()


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
        before=canonical_json(before),
        after=canonical_json(after),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    ev.hash = event_digest(ev)
    session.add(ev)
    session.flush()
    return ev


def _entity_name(obj: SQLModel) -> str:
    name = type(obj).__tablename__
    assert isinstance(name, str)  # SQLModel allows a function there; every opsdesk table has its name
    return name


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
    """Insert ``obj`` and record its creation.

    A new record is numbered on from the highest number its table holds (max + 1), never by the
    database's sequence: under the write lock every writer takes, two commands never draw the same
    number, and a command rolled back or killed leaves no gap (a PostgreSQL sequence skips one then,
    and 32 at each unclean restart; on an audited contract a gap looks like a deleted record)."""
    key = sa_inspect(type(obj)).primary_key[0]
    if getattr(obj, key.key) is None and key.autoincrement in (True, "auto") and key.type.python_type is int:
        setattr(obj, key.key, (session.execute(select(func.max(key))).scalar() or 0) + 1)
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


def verify(session: Session, anchors=None) -> VerifyResult:
    """Check every hash and link, then replay the events and compare with the records.

    Reports the first bad event in history order, as a replay from the start would meet it.
    Memory stays flat at any size: the chain is read in history order holding nothing, and
    each kind of record is then replayed one record at a time, its events beside its row.
    ``anchors`` (:class:`opsdesk.store.anchors.Anchors`): the first N events must still hash to each,
    checked as the chain is read.
    """
    result = VerifyResult()
    conn = session.connection()
    if conn.dialect.name == "sqlite":  # PostgreSQL checks its pages as it reads them
        integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            result.problems.append(f"the database file is damaged (SQLite integrity check: {'; '.join(integrity[:3])})")
            return result
    times = RecordedTimes(latest_day(conn))  # the first event recorded out of order or after the end
    held = _AnchorCheck(anchors) if anchors else None
    broken = _check_chain(conn, result, times, held)  # (event id, problem) where the chain breaks first
    times.finish()
    limit = broken[0] if broken else None
    unanchored = held.problem(result.events) if held and not broken else None
    bad_events = [broken, times.problem, unanchored, _first_unknown_kind(conn, limit)]  # and each kind's replay
    for name, model in ENTITIES.items():
        replay_problem, result.counts[name], problems = _replay_and_compare(conn, name, model, before_event=limit)
        bad_events.append(replay_problem)
        result.problems += problems
    first = min(filter(None, bad_events), default=None)  # the earliest in history order
    if first:
        result.problems = [first[1]]  # the history itself is wrong: record differences would only repeat it
    return result


def _first_unknown_kind(conn, before_event: int | None) -> tuple[int, str] | None:
    """The first event naming a kind of record opsdesk does not keep."""
    sql = "SELECT id, entity FROM event WHERE (entity IS NULL OR entity NOT IN :kinds)"
    if before_event is not None:
        sql += " AND id < :limit"
    query = text(sql + " ORDER BY id LIMIT 1").bindparams(bindparam("kinds", expanding=True))
    found = conn.execute(query, {"kinds": list(ENTITIES), "limit": before_event}).first()
    return (found[0], f"event {found[0]} names an unknown kind of record {found[1]!r}") if found else None


def _check_chain(
    conn, result: VerifyResult, times: RecordedTimes, held: _AnchorCheck | None = None
) -> tuple[int, str] | None:
    """Every event in order: ids without gaps, each linked to the one before, each hash its content's;
    each recorded time is shown to ``times``."""
    prev = GENESIS
    expected_id = 1
    query = text(f"SELECT {', '.join(EVENT_FIELDS)}, hash FROM event ORDER BY id")
    events = conn.execute(query, execution_options=STREAM)
    try:  # events: those found sound, however the check ends
        for batch in events.partitions(VERIFY_BATCH):
            for row in batch:
                event_id, event_hash = row[0], row[-1]
                if event_id != expected_id:
                    return expected_id, f"event {expected_id} is missing (the next event is {event_id})"
                if row[-2] != prev:
                    return event_id, f"event {event_id} does not follow event {event_id - 1}: " + (
                        "its link to the previous hash is broken"
                    )
                # digest() without converting: as stored, every value is JSON-ready (moments are their ISO text)
                content = _CANONICAL.encode(dict(zip(EVENT_FIELDS, row[:-1], strict=True)))
                if hashlib.sha256(content.encode()).hexdigest() != event_hash:
                    return event_id, f"event {event_id} ({row[3]} {row[4]} {row[5]}) was altered: " + (
                        "its hash does not match its content"
                    )
                prev = event_hash
                expected_id += 1
                if times.problem is None:
                    times.see(row)
                if held is not None and event_id == held.next_count:
                    held.reached(event_id, event_hash)
    finally:
        result.events = expected_id - 1
    result.head_hash = prev
    return None


class _AnchorCheck:
    """The anchors a history is held to, met one after the other as the chain is read."""

    def __init__(self, anchors):
        self.source = anchors.source
        self.taken = anchors.taken
        self.pending = sorted(anchors.anchors, key=lambda a: a.events)
        self.matched = 0  # the longest anchored prefix found intact
        self.failed = None  # the first anchor the history no longer hashes to
        while self.pending and self.pending[0].events == 0:
            self.pending.pop(0)  # the empty history: nothing to hold

    @property
    def next_count(self) -> int | None:
        return self.pending[0].events if self.pending and self.failed is None else None

    def reached(self, count: int, head: str) -> None:
        while self.pending and self.pending[0].events == count:
            anchor = self.pending.pop(0)
            if not anchor.holds(head):
                self.failed = anchor
                return
            self.matched = count

    def problem(self, events: int) -> tuple[int, str] | None:
        """(first event no longer matching, text), or None when every anchor holds."""
        if self.failed is not None:
            first, last = self.matched + 1, self.failed.events
            where = f"event {first}" if first == last else f"an event in {first}..{last}"
            taken = f" (taken {self.taken[self.failed]})" if self.failed in self.taken else ""
            return first, (
                f"the history no longer matches {self.source} from {where}: the first {last} events no longer "
                f"hash to its anchor {self.failed.shown}{taken}"
                + (f", the first {self.matched} still do" if self.matched else "")
                + " (an event was changed and the later hashes recomputed)"
            )
        if self.pending:
            anchor = self.pending[-1]
            return events + 1, (
                f"the history holds {events} events, but {self.source} anchors {anchor.events}"
                + (f" (taken {self.taken[anchor]})" if anchor in self.taken else "")
                + ": "
                f"events {events + 1}..{anchor.events} were removed"
            )
        return None


VERIFY_BATCH = 5000  # events (and records) read per fetch
STREAM = {"stream_results": True}  # PostgreSQL: a server-side cursor, not the whole table in memory


def _replay_and_compare(
    conn, name: str, model: type[SQLModel], before_event: int | None
) -> tuple[tuple[int, str] | None, int, list[str]]:
    """Replay the events of one kind of record, record by record, beside its rows (both read in
    key order), so only one record is ever held. Returns the first problem in the events
    themselves (event id, text), the number of rows, and the differences, in record order."""
    first: tuple[int, str] | None = None
    found: list[str] = []
    count = 0
    key_name = pk_name(name)
    columns = columns_of(model, conn.dialect.name)
    rows = raw_rows(conn, model, VERIFY_BATCH)
    histories = _event_groups(conn, name, before_event)
    row, history = next(rows, None), next(histories, None)
    while row is not None or history is not None:
        if history is None or (row is not None and row[key_name] < history[0]):
            assert row is not None  # the loop runs while a row or a history is left
            count += 1
            found.append(f"{name} {row[key_name]} exists but no event in the history created it")
            row = next(rows, None)
            continue
        key, events = history
        record, problem = _replay(name, key, events)
        first = min(filter(None, (first, problem)), default=None)
        if row is not None and row[key_name] == key:
            count += 1
            if record is not None and (fields := differences(row, record, columns)):
                found.append(difference_text(name, key, row, record, fields))
            row = next(rows, None)
        elif record is not None:
            found.append(f"{name} {key} is in the history but missing from the records")
        history = next(histories, None)
    return first, count, found


def _event_groups(conn, entity: str, before_event: int | None):
    """The events of one kind of record as (record id, [(event id, before, after), ...]) in record
    order, each record's events in history order."""
    sql = "SELECT entity_id, id, before, after FROM event WHERE entity = :entity"
    if before_event is not None:
        sql += " AND id < :limit"
    result = conn.execute(
        text(sql + " ORDER BY entity_id, id"), {"entity": entity, "limit": before_event}, execution_options=STREAM
    )
    key = None
    events: list[tuple[int, str | None, str | None]] = []
    for batch in result.partitions(VERIFY_BATCH):
        for entity_id, event_id, before, after in batch:
            if entity_id != key:
                if events:
                    yield key, events
                key, events = entity_id, []
            events.append((event_id, before, after))
    if events:
        yield key, events


@functools.cache
def _added_defaults(entity: str) -> dict[str, Any]:
    """Columns added by later migrations, with their defaults: a record created before such a
    migration has them by default, though its creating event does not name them."""
    model = ENTITIES[entity]
    return {name: to_json_value(model.model_fields[name].default) for name in ADDED_COLUMNS.get(entity, ())}


def _replay(entity: str, key: int, events: list[tuple[int, str | None, str | None]]):
    """One record as its events leave it, or the first event that does not fit (event id, text)."""
    record: dict | None = None
    for event_id, before, after in events:
        if not before:
            if record is not None:
                return None, (event_id, f"event {event_id} creates {entity} {key}, which already exists")
            # a record created before a later migration has that migration's columns at their defaults
            record = {**_added_defaults(entity), **json.loads(after or "{}")}
            continue
        if record is None:
            return None, (event_id, f"event {event_id} changes {entity} {key}, which no earlier event created")
        for field_name, value in json.loads(before).items():
            if not same(record.get(field_name), value, real=True):  # 2.0 where the creation said 2
                return None, (
                    event_id,
                    f"event {event_id} says {entity} {key} had {field_name}={value!r}, "
                    f"but the history before it says {record.get(field_name)!r}",
                )
        if after:
            record.update(json.loads(after))
    return record, None


CONFIRM_FIELDS = (
    "confirmed_at",
    "confirmed_by",
    "confirm_comment",
    "refused_at",
    "refused_by",
    "refuse_reason",
)  # the hospital's answer, either way


def record_digest(obj: SQLModel) -> str:
    """A short fingerprint of a record's content (the hospital's answer aside): a workbook row carries it so
    that ``confirm import`` can tell a record that changed after the export."""
    content = {k: v for k, v in row_dict(obj).items() if k not in CONFIRM_FIELDS}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()[:12]


def workbook_seal(session: Session) -> bytes:
    """The store's key for the 校验 cells of its workbooks (migration m010); it never leaves the store:
    no workbook, no ``--json``, no backup holds it (a restore keeps the store's own). Read once per
    session (an import judges every row with it)."""
    from opsdesk.errors import StoreError

    if "workbook_seal" not in session.info:
        secret = session.execute(text("SELECT secret FROM workbook_seal WHERE id = 1")).scalar()
        if secret is None:
            raise StoreError(
                "this database holds no workbook seal (a backup never does, and this may be one): restore it "
                "into a store with `opsdesk restore FILE`, which keeps that store's seal (or makes a new one)"
            )
        session.info["workbook_seal"] = bytes.fromhex(secret)
    return session.info["workbook_seal"]
