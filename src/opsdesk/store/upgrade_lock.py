"""The lock a store's upgrade holds: the first commands after a new opsdesk, started together, wait for
the one that migrates, then find nothing left to do (:meth:`opsdesk.store.engine.Store._migrate`).

- SQLite: an exclusive ``flock`` on a lock file beside the database (``NAME.migrating``), created when
  an upgrade starts and removed when it ends. Where there is no ``flock`` (Windows) no lock is taken.
- PostgreSQL: a session advisory lock of the schema, on a connection of its own (not the writers'
  transaction lock: each migration takes that one in its own transaction).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine

from opsdesk.errors import StoreError

PG_MIGRATION_LOCK = 0x6F70736D  # "opsm": the advisory lock a PostgreSQL store's upgrade holds
MIGRATION_WAIT = 600  # seconds a command waits for another command's upgrade of the same store


@contextmanager
def file_lock(path: Path, name: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600, removed after), waiting at most
    :data:`MIGRATION_WAIT` for another command holding it. Where there is no ``flock`` (Windows) no
    lock is taken."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    import time

    deadline = time.monotonic() + MIGRATION_WAIT
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot upgrade {name}: cannot create {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise _still_upgrading(name) from None
            time.sleep(0.05)
            continue
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break  # still the lock file: a holder that finished removed the one it held
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def _still_upgrading(name: str) -> StoreError:
    return StoreError(
        f"another opsdesk has been upgrading {name} for {MIGRATION_WAIT // 60} minutes; "
        "let it finish, then run the command again"
    )


@contextmanager
def pg_lock(engine: Engine, name: str, error: Callable[[Exception], StoreError]) -> Iterator[None]:
    """A session advisory lock of this schema, held on a connection of its own while it is upgraded
    (not the writers' lock: the migrations take that one in each of their transactions)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"SET lock_timeout = '{MIGRATION_WAIT}s'")
        cursor.execute(f"SELECT pg_advisory_lock({PG_MIGRATION_LOCK}, hashtext(current_schema()))")
        raw.commit()
    except Exception as exc:
        raw.invalidate()
        if getattr(exc, "sqlstate", None) == "55P03":  # lock_not_available: the wait ran out
            raise _still_upgrading(name) from None
        raise error(exc) from None
    try:
        yield
    finally:
        raw.invalidate()  # closing the connection releases the lock, whatever happened
