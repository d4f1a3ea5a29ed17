"""The store: where it is, how it opens (bringing its schema up to date), its backups and restores.

One database holds one contract: an SQLite file on the engineer's machine, or a PostgreSQL
database a team shares (``--db postgresql+psycopg://user@host/dbname``). Every command runs
in one transaction (:meth:`Store.transaction`), so a refused command writes nothing; write
transactions are serialised (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's transaction-level
advisory lock), so two engineers typing at once queue instead of failing, and the history
chain always grows one event after the other.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from opsdesk.errors import InvalidInput, NotFound, Refused, StoreError
from opsdesk.infile import refuse_special
from opsdesk.paths import app_dir
from opsdesk.store.dberrors import no_schema, pg_error
from opsdesk.store.dburl import hide_password
from opsdesk.store.migrations import MIGRATIONS, OPSDESK_TABLES, run_ddl
from opsdesk.store.upgrade_lock import file_lock, pg_lock

BUSY_TIMEOUT_MS = 30_000
PG_SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")
PG_LOCK = 0x6F707364  # "opsd": the advisory lock every PostgreSQL write transaction holds


def is_url(target: str | Path) -> bool:
    """Whether ``--db`` names a database server (a URL) rather than an SQLite file."""
    return isinstance(target, str) and "://" in target


def open_store(target: str | Path, *, create: bool = False) -> Store:
    """Open the store ``--db`` names: an SQLite file path or a ``postgresql+psycopg://`` URL."""
    if is_url(target):
        return PostgresStore.open(str(target), create=create)
    return SqliteStore.open(Path(target), create=create)


class Store:
    """An open opsdesk database: what both kinds share (migrations, transactions)."""

    engine: Engine
    name: str  # how messages name it: the file path, or the URL without its password
    kind: str  # how messages name its kind: "SQLite", "PostgreSQL"

    def __init__(self) -> None:
        self.migrated: list[str] = []
        self.backup_path: Path | None = None

    # -- opening ---------------------------------------------------------------------------

    TABLES_SQL: str  # the names of the tables in this database, sorted

    def _prepare(self, create: bool):
        """Check the database is opsdesk's (or, creating, empty) and bring its schema up to date."""
        try:
            self._check_owner(create)
            self._migrate()
        except BaseException:
            self.close()
            raise
        return self

    def _tables(self, conn: Connection) -> list[str]:
        return [r[0] for r in conn.exec_driver_sql(self.TABLES_SQL)]

    def _error(self, exc: Exception) -> StoreError:
        raise NotImplementedError

    def _check_owner(self, create: bool) -> None:
        """Only opsdesk's own databases are touched; only `init` (create) lays a schema into an empty one."""
        try:
            with self.engine.execution_options(opsdesk_read=True).connect() as conn:
                tables = self._tables(conn)
        except StoreError:
            raise
        except Exception as exc:  # driver errors arrive wrapped by SQLAlchemy
            raise self._error(exc) from None
        if "schema_migrations" in tables:
            return
        if tables:
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"{self.name} is {'an' if self.kind == 'SQLite' else 'a'} {self.kind} database but not opsdesk's "
                f"(it holds {shown}); "
                f"point --db at an opsdesk database or at a new {'file' if self.kind == 'SQLite' else 'database'}"
            )
        if not create:
            raise NotFound(f"{self.name} holds no opsdesk data yet; create the contract with `opsdesk init`")

    def _migrate(self) -> None:
        """Apply the migrations this store has not recorded, each in its own transaction, after backing
        the store up. Under one lock (:meth:`_migration_lock`): the first commands after an upgrade,
        run at once, wait for the one that migrates, then find nothing left to do."""
        if not self._pending():
            return
        with self._migration_lock():
            pending = self._pending(create=True)  # again: another command may have migrated meanwhile
            if pending and len(pending) < len(MIGRATIONS):
                self.backup_path = self.backup(self.aside_name(f"before-{pending[0].__name__}"))
            for migration in pending:  # a refusal (a login that does not own the tables) is told at the CLI's edge
                with self.engine.begin() as conn:
                    migration(conn)
                    conn.execute(
                        text("INSERT INTO schema_migrations (name, applied_at) VALUES (:name, :at)"),
                        {"name": migration.__name__, "at": datetime.now(UTC).isoformat(timespec="seconds")},
                    )
                self.migrated.append(migration.__name__)

    def _pending(self, create: bool = False) -> list[Callable[[Connection], None]]:
        """The migrations not yet recorded (``create``: making the table that records them if missing);
        a store written by a newer opsdesk is refused."""
        try:
            with self.engine.execution_options(opsdesk_read=True).connect() as conn:
                exists = "schema_migrations" in self._tables(conn)
                query = "SELECT name FROM schema_migrations ORDER BY id"
                applied = [r[0] for r in conn.exec_driver_sql(query)] if exists else []
            if not exists and create:
                with self.engine.begin() as conn:
                    run_ddl(
                        conn,
                        "CREATE TABLE schema_migrations ("
                        "id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)",
                    )
        except StoreError:
            raise
        except Exception as exc:  # driver errors arrive wrapped by SQLAlchemy
            raise self._error(exc) from None
        known = [m.__name__ for m in MIGRATIONS]
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"{self.name} was written by a newer opsdesk (schema {applied[-1]}, "
                f"this opsdesk knows up to {known[-1]}); upgrade opsdesk to use it"
            )
        return [m for m in MIGRATIONS if m.__name__ not in applied]

    def _migration_lock(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def applied_migrations(self) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            return [
                tuple(r) for r in conn.exec_driver_sql("SELECT name, applied_at FROM schema_migrations ORDER BY id")
            ]

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Session]:
        """One command's unit of work: commits at the end, rolls back on any error.

        A write transaction waits for any other writer first (it queues instead of failing
        later); a read-only one reads one consistent snapshot.
        """
        bind = self.engine if write else self.engine.execution_options(opsdesk_read=True)
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except Exception:
                session.rollback()
                raise

    def contract_name(self) -> str | None:
        with self.engine.execution_options(opsdesk_read=True).connect() as conn:
            return conn.exec_driver_sql("SELECT name FROM contract WHERE id = 1").scalar()

    # -- backups: always SQLite files, whatever the store -------------------------------------

    def backup(self, target: Path) -> Path:
        raise NotImplementedError

    def aside_name(self, label: str) -> Path:
        """A file to keep the current content in before a migration or a restore replaces it."""
        raise NotImplementedError

    def backup_folder(self) -> Path:
        raise NotImplementedError

    def backup_stem(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self.engine.dispose()


class SqliteStore(Store):
    """One SQLite file, in WAL mode with foreign keys on and a busy timeout."""

    kind = "SQLite"
    TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"

    def __init__(self, path: Path, engine: Engine):
        super().__init__()
        self.path = path
        self.name = str(path)
        self.engine = engine

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> SqliteStore:
        """Open (or with ``create`` make) the store at ``path`` and bring its schema up to date."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a directory; --db needs a database file path, e.g. {path / 'opsdesk.db'}")
        refuse_special(path, "an opsdesk database file as --db")  # a FIFO would hang whatever opens it
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
        return cls(path, _sqlite_engine(path))._prepare(create)

    def _error(self, exc: Exception) -> StoreError:
        return _store_error(self.path, exc)

    def _migration_lock(self) -> AbstractContextManager[None]:
        """A lock file beside the database (``NAME.migrating``), held while it is upgraded."""
        return file_lock(self.path.with_name(f"{self.path.name}.migrating"), self.name)

    def backup(self, target: Path) -> Path:
        """Copy the database through SQLite's online backup API (consistent while others write)."""
        from opsdesk.store.backups import copy_sqlite_file

        return copy_sqlite_file(self.path, target, BUSY_TIMEOUT_MS / 1000)

    def aside_name(self, label: str) -> Path:
        return _unused(self.path.with_name(f"{self.path.name}.{label}.bak"))

    def backup_folder(self) -> Path:
        return self.path.parent / "backups"

    def backup_stem(self) -> str:
        return self.path.stem


class PostgresStore(Store):
    """A PostgreSQL database (or one schema of it, by the URL's ``search_path``) that a team shares."""

    kind = "PostgreSQL"
    TABLES_SQL = (  # the catalog, not information_schema: that lists only the tables a login has rights on
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )

    def _tables(self, conn: Connection) -> list[str]:
        if conn.exec_driver_sql("SELECT current_schema()").scalar() is None:  # none, or no USAGE on it
            raise StoreError(f"cannot use PostgreSQL database {self.name}: {no_schema(self.name)}")
        return super()._tables(conn)

    def __init__(self, url: str, engine: Engine):
        super().__init__()
        self.url = url
        self.engine = engine
        self.name = hide_password(url)

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> PostgresStore:
        return cls(url, _pg_engine(url))._prepare(create)

    def _error(self, exc: Exception) -> StoreError:
        return pg_error(self.name, exc)

    def _migration_lock(self) -> AbstractContextManager[None]:
        """A session advisory lock of this schema, held while it is upgraded."""
        return pg_lock(self.engine, self.name, self._error)

    def backup(self, target: Path) -> Path:
        """Copy every table, read in one snapshot, into a new SQLite file of the same schema.

        The backup is an ordinary opsdesk SQLite store: `verify`, `restore` and every read-only
        command work on it, on any machine.
        """

        with self.engine.execution_options(opsdesk_read=True).connect() as src:
            return copy_into_file(src, target)

    def empty(self) -> None:
        """Delete every record and the history (`demo --replace`), keeping the schema and anything
        else in the database."""
        with self.engine.begin() as conn:
            names = [n for n in self._tables(conn) if n in OPSDESK_TABLES - {"schema_migrations", "workbook_seal"}]
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY")

    def aside_name(self, label: str) -> Path:
        return _unused(self.backup_folder() / f"{self.backup_stem()}.{label}.db")

    def backup_folder(self) -> Path:
        return app_dir() / "backups"

    def backup_stem(self) -> str:
        """``host-port-database@schema``, the schema as the server reports it (whether the URL, PGOPTIONS
        or the role's search_path chose it): two servers on one host, or two schemas, never share
        backup names (``--keep`` prunes by them)."""
        url = self.engine.url
        with self.engine.execution_options(opsdesk_read=True).connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
        stem = f"{url.host or 'local'}-{url.port or 5432}-{url.database or 'postgres'}@{schema}"
        return stem.replace("/", "_")


def copy_rows(src: Connection, dest: Connection, keep: frozenset[str] = frozenset()) -> int:
    """Make every opsdesk table in ``dest`` hold exactly the rows of ``src`` (whose schema may be older);
    the tables in ``keep`` keep ``dest``'s rows.

    Tables go in foreign-key order; values pass through SQLAlchemy's column types, so dates and
    booleans arrive as each database keeps them. Identity counters are moved past the copied ids.
    """
    from sqlalchemy import MetaData, delete

    source, target = MetaData(), MetaData()
    source.reflect(src)
    target.reflect(dest)
    tables = [t for t in target.sorted_tables if t.name in OPSDESK_TABLES - {"schema_migrations", *keep}]
    for table in reversed(tables):  # DELETE, not TRUNCATE: readers keep their snapshot meanwhile
        dest.execute(delete(table))
    copied = 0
    for table in tables:
        origin = source.tables.get(table.name)
        if origin is None:  # a table of a later migration than the source's: it stays empty
            continue
        columns = [c.name for c in origin.columns]  # a column of a later migration takes its default
        result = src.execute(origin.select().order_by(*origin.primary_key))
        while batch := result.fetchmany(5000):
            dest.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in batch])
            copied += len(batch)
    sync_ids(dest, [t.name for t in tables])
    return copied


def sync_ids(conn: Connection, tables: list[str]) -> None:
    """After rows went in with explicit ids, move PostgreSQL's identity counters past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        column = conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = :t AND is_identity = 'YES'"
            ),
            {"t": table},
        ).scalar()
        if column:
            conn.execute(
                text(
                    f'SELECT setval(pg_get_serial_sequence(:t, :c), coalesce(max("{column}"), 0) + 1, false) '
                    f'FROM "{table}"'
                ),
                {"t": f'"{table}"', "c": column},
            )


class ContractIdentity(NamedTuple):
    """Which contract a database holds: its name and start date (as text)."""

    name: str
    start: str


@dataclass(frozen=True)
class Contents:
    """What a database holds, as a restore weighs it: the contract and the number of history events."""

    contract: ContractIdentity
    events: int


@dataclass(frozen=True)
class BackupCheck:
    """A backup proved sound (:func:`check_backup`): its history (events, head hash, records per
    table) and its contract. Only a checked backup is restored (:func:`restore`)."""

    path: Path
    events: int
    head_hash: str
    counts: dict[str, int]
    contract: ContractIdentity | None  # None: a backup of a store without a contract


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup it took in, the store it replaced, where the old content went."""

    backup: BackupCheck
    store_name: str  # how messages name the store (the file, or the URL without its password)
    aside: Path | None  # the replaced content, kept aside (None: the store held no contract)


def _contract_identity(conn: Connection) -> ContractIdentity | None:
    row = conn.exec_driver_sql("SELECT name, start_date FROM contract WHERE id = 1").first()
    return ContractIdentity(row[0], str(row[1])) if row else None


def restore(
    target: str | Path, checked: BackupCheck, *, force: bool = False, clock: Callable[[], datetime]
) -> Restored:
    """Replace the content of the store ``target`` names with a backup :func:`check_backup` proved sound.

    Refused, unless ``force``, when the store holds another contract, more history than the backup,
    or a history the backup's disagrees with. Under one write lock, what the store held is kept
    aside (in a file named for the time ``clock`` gives) and its records replaced by the backup's.
    """
    from opsdesk.store.backups import refuse_diverged

    store = open_store(target, create=True)
    try:
        aside_name = store.aside_name(f"before-restore-{clock():%Y%m%d-%H%M%S}")
        with store.engine.begin() as live:  # the write lock: writers wait until the restore is done
            contract = _contract_identity(live)
            events = live.exec_driver_sql("SELECT count(*) FROM event").scalar_one()
            current = Contents(contract, events) if contract else None
            if current and not force:
                _refuse_restore(checked, current)
                refuse_diverged(live, checked, current.events)
            aside = copy_into_file(live, aside_name) if current else None
            _copy_backup_into(live, checked.path)
    finally:
        store.close()
    return Restored(checked, store.name, aside)


def _copy_backup_into(live: Connection, source: Path) -> None:
    """Replace every opsdesk table's rows with the (checked) backup's, an older backup brought to
    this schema on a copy first."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "restore.db"
        shutil.copyfile(source, copy)
        # the workbook seal never comes from a backup (none holds it): this store keeps its own, which the
        # workbooks already out were sealed with (a store created by the restore has a new one)
        backup = SqliteStore.open(copy)
        try:
            with backup.engine.execution_options(opsdesk_read=True).connect() as src:
                copy_rows(src, live, SEAL)
        finally:
            backup.close()


def _refuse_restore(checked: BackupCheck, current: Contents) -> None:
    if checked.contract and current.contract != checked.contract:
        raise Refused(
            f"{checked.path} holds the contract {checked.contract.name!r} (from {checked.contract.start}), not "
            f"{current.contract.name!r}; add --force to replace this database with it anyway"
        )
    if current.events > checked.events:
        raise Refused(
            f"{checked.path} has {checked.events} history events, this database {current.events}: restoring "
            f"it loses the {current.events - checked.events} newest; add --force if that is intended"
        )


def check_backup(path: Path) -> BackupCheck:
    """Open a copy of a backup, bring it to the current schema, and prove it whole before it replaces anything."""
    import shutil
    import tempfile

    from opsdesk.store.history import verify

    path = Path(path)
    refuse_special(path, "a backup made by `opsdesk backup`")
    if not path.is_file():
        raise NotFound(f"no backup file at {path}")
    try:
        _check_header(path)
    except StoreError:
        raise StoreError(f"{path} is not an SQLite file, so not an opsdesk backup; nothing was restored") from None
    _refuse_foreign(path)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "check.db"
        shutil.copyfile(path, copy)
        try:
            store = SqliteStore.open(copy)
        except DBAPIError as exc:
            raise _unsound(path, exc) from None
        try:
            with store.transaction(write=False) as session:
                result = verify(session)
                contract = _contract_identity(session.connection())
        except DBAPIError as exc:
            raise _unsound(path, exc) from None
        finally:
            store.close()
    if not result.ok:
        raise StoreError(f"{path} is not a sound opsdesk database: {result.problems[0]}; nothing was restored")
    return BackupCheck(path, result.events, result.head_hash, result.counts, contract)


def _refuse_foreign(path: Path) -> None:
    """A backup holding what opsdesk does not make (a trigger could rewrite every later record)."""
    from opsdesk.store.backups import foreign_objects

    try:
        extra = foreign_objects(path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a sound opsdesk database ({exc}); nothing was restored") from None
    if extra:
        raise StoreError(
            f"{path} holds {', '.join(extra[:3])}, which opsdesk does not make; it restores only its "
            "own tables and indexes, so nothing was restored"
        )


def _unsound(path: Path, exc: DBAPIError) -> StoreError:
    """A backup whose tables or columns are missing or mangled: not a store opsdesk wrote."""
    reason = (str(exc.orig).splitlines() or [type(exc.orig).__name__])[0]
    return StoreError(f"{path} is not a sound opsdesk database ({reason}); nothing was restored")


def _unused(path: Path) -> Path:
    """``path``, or ``path`` with ``-2``, ``-3``... before its suffix if that file exists already."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


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


def _sqlite_engine(path: Path) -> Engine:
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


def pg_url(text_: str) -> str:
    """``--db`` as a SQLAlchemy URL for psycopg 3: ``postgresql://`` and ``postgres://`` mean it too."""
    for scheme in PG_SCHEMES:
        if text_.startswith(scheme):
            return "postgresql+psycopg://" + text_[len(scheme) :]
    scheme = text_.split("://", 1)[0]
    raise InvalidInput(
        f"--db (or OPSDESK_DB) {scheme}://...: opsdesk keeps its data in an SQLite file (a path) or in PostgreSQL "
        "(postgresql+psycopg://user@host/dbname)"
    )


def _pg_engine(url: str) -> Engine:
    from sqlalchemy.exc import ArgumentError

    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(
            "a PostgreSQL --db needs the psycopg driver: pip install 'psycopg[binary]' "
            "(or install opsdesk with its [postgres] extra)"
        ) from None
    import logging

    # psycopg logs what it ignores while closing a lost connection; the command reports it in one line
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    logging.getLogger("psycopg").propagate = False
    try:
        engine = create_engine(pg_url(url), connect_args={"connect_timeout": 10})
    except (ArgumentError, ValueError) as exc:
        raise InvalidInput(
            f"--db is not a valid database URL ({exc}); e.g. postgresql+psycopg://user@host/dbname"
        ) from None

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        if conn.get_execution_options().get("opsdesk_read"):
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:  # writers of this schema queue here, so each appends to the history chain after the one before
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_MS}ms'")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK}, hashtext(current_schema()))")

    return engine


SEAL = frozenset({"workbook_seal"})  # the store's key for the 校验 cells: never copied out of a store


def copy_into_file(src, target: Path) -> Path:
    """Write every opsdesk table that connection ``src`` sees into a new opsdesk SQLite file, but the
    workbook seal: ``src`` is not even asked for it (a login that may not read it backs up all the same)."""
    from opsdesk.store.backups import partial_file

    with partial_file(target) as temp:
        copy = SqliteStore.open(temp, create=True)
        try:
            with copy.engine.begin() as dest:
                copy_rows(src, dest, SEAL)
                dest.exec_driver_sql("DELETE FROM workbook_seal")  # the copy's own, made by its migration
        finally:
            copy.close()
    return target
