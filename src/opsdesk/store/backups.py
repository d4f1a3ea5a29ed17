"""Backups and restores that lose nothing.

- A backup file is written under a temporary name, readable by its owner only from its first
  byte, in a folder only its owner can enter, and renamed when complete: a killed backup leaves
  no file under a backup's name (and the partial file is removed when the backup fails).
- A restore takes the copy it keeps aside and replaces the records under one write lock (SQLite's
  ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock): a writer waits for it, and what a writer was
  told was recorded is either in the copy kept aside or in the restored store, never lost between.
- A restore copies the rows of opsdesk's own tables, nothing else: a backup holding a trigger, a
  view or any other object opsdesk does not make is refused, naming it.
- ``--keep`` counts and prunes only complete backups of the same contract.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from opsdesk.errors import Refused, StoreError

PARTIAL = ".partial"  # a backup being written: never a backup's name
STALE_AFTER = 3600  # seconds a partial file has not been written to before it is taken for a killed backup's


def prepare_folder(folder: Path) -> None:
    """The backups folder, made readable by its owner only when opsdesk creates it."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode passes through the umask
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create {folder}: {exc.strerror}") from None


@contextlib.contextmanager
def partial_file(target: Path):
    """Yield a temporary file beside ``target``, created 0600; rename it to ``target`` when the block
    ends, remove it (and any journal) when it fails."""
    target = Path(target)
    if target.exists():
        raise StoreError(f"{target} already exists; choose another backup file name")
    prepare_folder(target.parent)
    temp = target.with_name(f".{target.name}{PARTIAL}")
    _remove(temp)  # left by a backup killed earlier
    try:
        os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(f"cannot create {temp}: {exc.strerror}") from None
    try:
        yield temp
        _single_file(temp)
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise


def _single_file(path: Path) -> None:
    """Leave the SQLite file whole in itself (no -wal beside it), flushed to disk."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_sqlite_file(source: Path, target: Path, timeout: float) -> Path:
    """Back up an SQLite store through SQLite's online backup API (consistent while others write)."""
    with partial_file(target) as temp:
        src = sqlite3.connect(source, timeout=timeout)
        try:
            dest = sqlite3.connect(temp)
            try:
                src.backup(dest)
                drop_seal(dest)
            finally:
                dest.close()
        finally:
            src.close()
    return target


def drop_seal(dest: sqlite3.Connection) -> None:
    """A backup never holds the store's workbook seal (its key): whoever has a backup cannot seal an
    edited workbook row. Deleted with SQLite's secure_delete, so no copy of it stays in a free page."""
    if dest.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workbook_seal'").fetchone():
        dest.execute("PRAGMA secure_delete = ON")
        dest.execute(
            "DELETE FROM workbook_seal"
        )  # (a store older than the seal, backed up before it migrates, has none)
        dest.commit()


# -- what a backup may hold ----------------------------------------------------------------------


def foreign_objects(path: Path) -> list[str]:
    """What the SQLite file holds besides opsdesk's own tables and indexes (triggers, views, other
    tables or indexes), as ``kind 'name'``."""
    expected = _own_schema()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
    finally:
        conn.close()
    return [
        f"{kind} {name!r}" for kind, name in rows if (kind, name) not in expected and not name.startswith("sqlite_")
    ]


def _own_schema() -> set[tuple[str, str]]:
    """Every table and index opsdesk's migrations make (laid out in memory)."""
    from sqlalchemy import create_engine, text

    from opsdesk.store.migrations import MIGRATIONS, run_ddl

    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            run_ddl(
                conn,
                "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                "applied_at TEXT NOT NULL)",
            )
            for migration in MIGRATIONS:
                migration(conn)
            return {tuple(r) for r in conn.execute(text("SELECT type, name FROM sqlite_master"))}
    finally:
        engine.dispose()


# -- histories that agree ------------------------------------------------------------------------


def first_divergence(live, backup: Path, common: int) -> int | None:
    """The first event at which the live history (connection ``live``) and the backup's differ,
    among their first ``common`` events; None when they agree. Each hash covers every event
    before it, so a binary search over the ids finds it in a few lookups."""
    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:

        def agree(event_id: int) -> bool:
            theirs = conn.execute("SELECT hash FROM event WHERE id = ?", (event_id,)).fetchone()
            ours = live.exec_driver_sql(
                "SELECT hash FROM event WHERE id = " + ("?" if live.dialect.name == "sqlite" else "%s"), (event_id,)
            ).first()
            return theirs is not None and ours is not None and theirs[0] == ours[0]

        if common == 0 or agree(common):
            return None
        low, high = 0, common  # the first `low` events agree; event `high` does not
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if agree(middle) else (low, middle)
        return high
    finally:
        conn.close()


# -- keeping the N newest ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pruned:
    removed: list[Path]
    skipped: list[Path]  # named like a backup but not a complete backup of this contract: left alone
    stale: list[Path] = field(default_factory=list)  # partial files of backups killed earlier, removed


def contract_of(path: Path) -> tuple[str, str] | None:
    """The contract a backup file holds (name, start), or None when it holds none or is not sound."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT name, start_date FROM contract WHERE id = 1").fetchone()
        events = conn.execute("SELECT count(*) FROM event").fetchone()[0]
        return (row[0], str(row[1])) if row and events else None
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def prune(candidates: list[Path], contract: tuple[str, str] | None, keep: int) -> Pruned:
    """Delete all but the ``keep`` newest of ``candidates`` (oldest first) that are complete backups of
    ``contract``; files that are not are neither counted nor removed."""
    sound: list[Path] = []
    skipped: list[Path] = []
    for path in candidates:
        (sound if contract is not None and contract_of(path) == contract else skipped).append(path)
    doomed = sound[:-keep] if keep > 0 else sound
    for old in doomed:
        old.unlink()
    return Pruned(doomed, skipped)


def remove_stale_partials(partials: list[Path], now: float | None = None) -> list[Path]:
    """Remove the partial files (with their journals) that no backup has written to for
    :data:`STALE_AFTER`: a killed backup's. One written to more recently may be another backup's,
    running now: left alone."""
    now = time.time() if now is None else now
    removed = []
    for path in partials:
        written = [Path(f"{path}{suffix}") for suffix in ("", "-journal", "-wal", "-shm")]
        try:
            latest = max(p.stat().st_mtime for p in written if p.exists())
        except ValueError:  # gone meanwhile: its backup finished
            continue
        if now - latest >= STALE_AFTER:
            _remove(path)
            removed.append(path)
    return removed


def refuse_diverged(live, checked, current_events: int) -> None:
    """Refuse a backup whose history and the live one disagree on their common length."""
    common = min(checked.events, current_events)
    diverged = first_divergence(live, checked.path, common)
    if diverged is not None:
        raise Refused(
            f"{checked.path} holds a different history: from event {diverged} on, it and this database disagree "
            "(one of them was changed after they parted); restoring it would drop this database's records since; "
            "add --force to replace it anyway (the current content is kept aside)"
        )
