"""The SQLite store: where it is, how it opens, and its ordered migrations.

One file holds one contract. It opens in WAL mode with foreign keys on and a busy
timeout; every command runs in one ``BEGIN IMMEDIATE`` transaction
(:meth:`Store.transaction`), so a refused command writes nothing and two engineers
typing at once queue instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from opsdesk.errors import NotFound, StoreError

BUSY_TIMEOUT_MS = 30_000


def m001_initial(conn: Connection) -> None:
    """Contract, systems, tickets with their notes and corrections, calendar, history."""
    for ddl in (
        """CREATE TABLE contract (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, hospital TEXT NOT NULL,
            vendor TEXT NOT NULL, start_date DATE NOT NULL, months INTEGER NOT NULL,
            terms TEXT NOT NULL, created_at TEXT NOT NULL)""",
        """CREATE TABLE system (
            id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            active BOOLEAN NOT NULL)""",
        """CREATE TABLE ticket (
            id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL REFERENCES system(id),
            kind TEXT NOT NULL, symptom TEXT NOT NULL, reporter TEXT, dept TEXT, phone TEXT,
            channel TEXT, ref TEXT, impact TEXT,
            reported_at TEXT NOT NULL, reported_rec TEXT NOT NULL,
            responded_at TEXT, responded_rec TEXT, arrived_at TEXT, arrived_rec TEXT,
            remote_at TEXT, remote_rec TEXT, resolved_at TEXT, resolved_rec TEXT,
            cause TEXT, action TEXT, result TEXT,
            confirmed_at TEXT, confirmed_by TEXT, confirm_comment TEXT)""",
        "CREATE INDEX ix_ticket_system_id ON ticket (system_id)",
        "CREATE INDEX ix_ticket_ref ON ticket (ref)",
        "CREATE INDEX ix_ticket_reported_at ON ticket (reported_at)",
        "CREATE INDEX ix_ticket_open ON ticket (resolved_at)",
        """CREATE TABLE note (
            id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            at TEXT NOT NULL, recorded_at TEXT NOT NULL, by TEXT NOT NULL, text TEXT NOT NULL)""",
        "CREATE INDEX ix_note_ticket_id ON note (ticket_id)",
        """CREATE TABLE correction (
            id INTEGER PRIMARY KEY, entity TEXT NOT NULL, entity_id INTEGER NOT NULL,
            reason TEXT NOT NULL, changes TEXT NOT NULL, by TEXT NOT NULL,
            recorded_at TEXT NOT NULL)""",
        "CREATE INDEX ix_correction_entity ON correction (entity, entity_id)",
        """CREATE TABLE calendar_override (
            id INTEGER PRIMARY KEY, day DATE NOT NULL UNIQUE, working BOOLEAN NOT NULL,
            note TEXT NOT NULL)""",
        """CREATE TABLE calendar_year (
            year INTEGER PRIMARY KEY, confirmed_by TEXT NOT NULL, confirmed_at TEXT NOT NULL)""",
        """CREATE TABLE event (
            id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, entity TEXT NOT NULL, entity_id INTEGER NOT NULL,
            happened_at TEXT, before TEXT, after TEXT,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE)""",
        "CREATE INDEX ix_event_entity ON event (entity, entity_id)",
    ):
        conn.exec_driver_sql(ddl)


CONFIRM_COLUMNS = "confirmed_at TEXT, confirmed_by TEXT, confirm_comment TEXT"


def m002_contract_records(conn: Connection) -> None:
    """Change requests, inspections with items and risks, staff, training, work log, terms history."""
    for ddl in (
        f"""CREATE TABLE change_request (
            id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL REFERENCES system(id),
            type TEXT NOT NULL, title TEXT NOT NULL, schema_change BOOLEAN NOT NULL, ref TEXT,
            requested_by TEXT, submitted_at TEXT NOT NULL, submitted_rec TEXT NOT NULL,
            review TEXT NOT NULL, reviewed_by TEXT, reviewed_at TEXT, review_comment TEXT,
            implemented_at TEXT, implemented_rec TEXT, implement_note TEXT,
            acceptance TEXT NOT NULL, acceptance_applied_at TEXT, accepted_at TEXT, accepted_by TEXT,
            acceptance_note TEXT, {CONFIRM_COLUMNS})""",
        "CREATE INDEX ix_change_request_system_id ON change_request (system_id)",
        "CREATE INDEX ix_change_request_submitted_at ON change_request (submitted_at)",
        """CREATE TABLE inspection_template (
            id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL UNIQUE REFERENCES system(id),
            items TEXT NOT NULL)""",
        f"""CREATE TABLE inspection (
            id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL REFERENCES system(id),
            month TEXT NOT NULL, at TEXT NOT NULL, recorded_at TEXT NOT NULL, inspector TEXT NOT NULL,
            {CONFIRM_COLUMNS})""",
        "CREATE INDEX ix_inspection_system_id ON inspection (system_id)",
        "CREATE INDEX ix_inspection_month ON inspection (month, system_id)",
        """CREATE TABLE inspection_item (
            id INTEGER PRIMARY KEY, inspection_id INTEGER NOT NULL REFERENCES inspection(id),
            section TEXT NOT NULL, item TEXT NOT NULL, standard TEXT NOT NULL, result TEXT NOT NULL,
            verdict TEXT NOT NULL, note TEXT)""",
        "CREATE INDEX ix_inspection_item_inspection_id ON inspection_item (inspection_id)",
        """CREATE TABLE risk (
            id INTEGER PRIMARY KEY, inspection_id INTEGER NOT NULL REFERENCES inspection(id),
            text TEXT NOT NULL, level TEXT NOT NULL, remedy TEXT NOT NULL, owner TEXT, due DATE,
            done_at TEXT, done_note TEXT)""",
        "CREATE INDEX ix_risk_inspection_id ON risk (inspection_id)",
        """CREATE TABLE staff (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, phone TEXT NOT NULL,
            email TEXT NOT NULL, onsite BOOLEAN NOT NULL, from_date DATE NOT NULL, to_date DATE)""",
        f"""CREATE TABLE training (
            id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL REFERENCES system(id), at TEXT NOT NULL,
            topic TEXT NOT NULL, trainer TEXT NOT NULL, attendees INTEGER NOT NULL, hours FLOAT NOT NULL,
            note TEXT, {CONFIRM_COLUMNS})""",
        "CREATE INDEX ix_training_system_id ON training (system_id)",
        f"""CREATE TABLE work_log (
            id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL REFERENCES system(id), type TEXT NOT NULL,
            text TEXT NOT NULL, at TEXT NOT NULL, recorded_at TEXT NOT NULL, by TEXT NOT NULL,
            minutes INTEGER, {CONFIRM_COLUMNS})""",
        "CREATE INDEX ix_work_log_system_id ON work_log (system_id)",
        """CREATE TABLE terms_change (
            id INTEGER PRIMARY KEY, effective_from TEXT NOT NULL, terms TEXT NOT NULL, note TEXT)""",
    ):
        conn.exec_driver_sql(ddl)


def m003_platform_import(conn: Connection) -> None:
    """Imports from the hospital's platform (ZenTao): provenance on tickets and changes, the name maps."""
    for ddl in (
        "ALTER TABLE ticket ADD COLUMN source TEXT",
        "ALTER TABLE ticket ADD COLUMN time_unknown BOOLEAN NOT NULL DEFAULT 0",
        "ALTER TABLE ticket ADD COLUMN platform_data TEXT",
        "ALTER TABLE change_request ADD COLUMN source TEXT",
        "ALTER TABLE change_request ADD COLUMN platform_data TEXT",
        "CREATE INDEX ix_change_request_ref ON change_request (ref)",
        """CREATE TABLE platform_map (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            UNIQUE (kind, key))""",
    ):
        conn.exec_driver_sql(ddl)


def m004_scale_indexes(conn: Connection) -> None:
    """Indexes for what the reports ask of a large store: faults of one kind over a period, open
    change requests, the month's integration work and training, records awaiting confirmation."""
    for ddl in (
        "CREATE INDEX ix_ticket_kind_reported_at ON ticket (kind, reported_at)",
        "CREATE INDEX ix_ticket_pending ON ticket (confirmed_at, resolved_at)",
        "CREATE INDEX ix_change_request_open ON change_request (implemented_at)",
        "CREATE INDEX ix_inspection_pending ON inspection (confirmed_at, at)",
        "CREATE INDEX ix_work_log_at ON work_log (at)",
        "CREATE INDEX ix_training_at ON training (at)",
    ):
        conn.exec_driver_sql(ddl)


MIGRATIONS: list[Callable[[Connection], None]] = [
    m001_initial,
    m002_contract_records,
    m003_platform_import,
    m004_scale_indexes,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """An open opsdesk database file."""

    def __init__(self, path: Path, engine: Engine):
        self.path = path
        self.engine = engine
        self.migrated: list[str] = []
        self.backup_path: Path | None = None

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> Store:
        """Open (or with ``create`` make) the store at ``path`` and bring its schema up to date."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a directory; --db needs a database file path, e.g. {path / 'opsdesk.db'}")
        if not path.exists():
            if not create:
                raise NotFound(
                    f"no opsdesk database at {path}; create one with `opsdesk init` "
                    "(or try `opsdesk demo`), or point --db / OPSDESK_DB at an existing one"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as exc:
                raise StoreError(f"cannot create database {path}: {exc.strerror}") from None
        _check_header(path)
        if not create and path.stat().st_size == 0:
            raise NotFound(f"{path} holds no opsdesk data yet; create the contract with `opsdesk init`")
        store = cls(path, _engine(path))
        try:
            store._check_owner(create)
            store._migrate()
        except BaseException:
            store.close()
            raise
        return store

    def _check_owner(self, create: bool) -> None:
        """Only opsdesk's own files are touched; only `init` (create) lays a schema into an empty file."""
        try:
            with self.engine.execution_options(opsdesk_read=True).connect() as conn:
                tables = [
                    r[0]
                    for r in conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                    )
                ]
        except Exception as exc:  # sqlite3 errors arrive wrapped by SQLAlchemy
            raise _store_error(self.path, exc) from None
        if "schema_migrations" in tables:
            return
        if tables:
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"{self.path} is an SQLite database but not opsdesk's (it holds {shown}); "
                "point --db at an opsdesk database or at a new file"
            )
        if not create:
            raise NotFound(f"{self.path} holds no opsdesk data yet; create the contract with `opsdesk init`")

    def _migrate(self) -> None:
        try:
            with self.engine.execution_options(opsdesk_read=True).connect() as conn:
                exists = conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                ).first()
                if exists:
                    applied = [r[0] for r in conn.exec_driver_sql("SELECT name FROM schema_migrations ORDER BY id")]
                else:
                    applied = []
            if not exists:
                with self.engine.begin() as conn:
                    conn.exec_driver_sql(
                        "CREATE TABLE schema_migrations ("
                        "id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
                    )
        except Exception as exc:  # sqlite3 errors arrive wrapped by SQLAlchemy
            raise _store_error(self.path, exc) from None
        known = [m.__name__ for m in MIGRATIONS]
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"{self.path} was written by a newer opsdesk (schema {applied[-1]}, "
                f"this opsdesk knows up to {known[-1]}); upgrade opsdesk to use it"
            )
        pending = [m for m in MIGRATIONS if m.__name__ not in applied]
        if pending and applied:
            self.backup_path = self.backup(self.path.with_name(f"{self.path.name}.before-{pending[0].__name__}.bak"))
        for migration in pending:
            with self.engine.begin() as conn:
                migration(conn)
                conn.exec_driver_sql(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    (migration.__name__, _utcnow().isoformat(timespec="seconds")),
                )
            self.migrated.append(migration.__name__)

    def applied_migrations(self) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            return [
                tuple(r) for r in conn.exec_driver_sql("SELECT name, applied_at FROM schema_migrations ORDER BY id")
            ]

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Session]:
        """One command's unit of work: commits at the end, rolls back on any error.

        A write transaction starts with ``BEGIN IMMEDIATE`` (it queues behind another writer
        instead of failing later); a read-only one with a plain ``BEGIN``.
        """
        bind = self.engine if write else self.engine.execution_options(opsdesk_read=True)
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except Exception:
                session.rollback()
                raise

    def backup(self, target: Path) -> Path:
        """Copy the database through SQLite's online backup API (consistent while others write)."""
        target = Path(target)
        if target.exists():
            raise StoreError(f"{target} already exists; choose another backup file name")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {target.parent}: {exc.strerror}") from None
        source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
        os.chmod(target, 0o600)
        return target

    def restore_from(self, source: Path) -> None:
        """Replace this database's content with ``source`` (already checked), page by page."""
        src = sqlite3.connect(source)
        try:
            dest = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()

    def close(self) -> None:
        self.engine.dispose()


def backup_name(db: Path, now: datetime) -> Path:
    """The default backup file: ``backups/<db name>-YYYYmmdd-HHMMSS.db`` beside the database."""
    return db.parent / "backups" / f"{db.stem}-{now:%Y%m%d-%H%M%S}.db"


def prune_backups(folder: Path, stem: str, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest ``<stem>-*.db`` backups in ``folder``; return what was deleted."""
    found = sorted(folder.glob(f"{stem}-????????-??????.db"))
    doomed = found[:-keep] if keep > 0 else found
    for old in doomed:
        old.unlink()
    return doomed


def check_backup(path: Path) -> dict:
    """Open a copy of a backup, bring it to the current schema, and prove it whole before it replaces anything."""
    import shutil
    import tempfile

    from opsdesk.history import verify

    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no backup file at {path}")
    try:
        _check_header(path)
    except StoreError:
        raise StoreError(f"{path} is not an SQLite file, so not an opsdesk backup; nothing was restored") from None
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "check.db"
        shutil.copyfile(path, copy)
        store = Store.open(copy)
        try:
            with store.transaction(write=False) as session:
                result = verify(session)
                row = session.connection().exec_driver_sql(
                    "SELECT name, start_date FROM contract WHERE id = 1").first()  # fmt: skip
        finally:
            store.close()
    if not result.ok:
        raise StoreError(f"{path} is not a sound opsdesk database: {result.problems[0]}; nothing was restored")
    return {"events": result.events, "head_hash": result.head_hash, "counts": result.counts,
            "contract": (row[0], str(row[1])) if row else None}  # fmt: skip


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read database {path}: {exc.strerror}") from None
    if header and header != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not an opsdesk database (not an SQLite file); point --db at the right file")


def _store_error(path: Path, exc: Exception) -> StoreError:
    text = str(getattr(exc, "orig", exc))
    if "readonly" in text or "read-only" in text:
        return StoreError(f"database {path} is read-only; opsdesk needs write access to it and its folder")
    if "not a database" in text:
        return StoreError(f"{path} is not an opsdesk database ({text}); point --db at the right file")
    return StoreError(f"cannot use database {path}: {text}")


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (SQLAlchemy's pysqlite recipe)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("opsdesk_read") else "BEGIN IMMEDIATE")

    return engine
