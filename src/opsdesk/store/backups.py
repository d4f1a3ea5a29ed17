"""Backups and restores that lose nothing.

- A backup file is written as every output is (:mod:`opsdesk.outfile`): under a unique temporary
  name, created exclusively, readable by its owner only from its first byte and locked while it is
  written, in a folder only its owner can enter. It is renamed when complete and proved whole (one
  SQLite file, its integrity checked, opsdesk's schema in it), never over an existing file: a
  killed or failed backup leaves no file under a backup's name, and a backup never reports success
  on a file that is not complete.
- Default names are unique (:func:`backup_name`: to the millisecond, plus a
  random part), so backups started at the same moment never share a file; clearing a killed
  backup's leftovers removes only partial files no live backup holds.
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
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from opsdesk.errors import Refused, StoreError
from opsdesk.outfile import PARTIAL, output_file, sweep


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
    """Yield a new temporary file beside ``target`` (exclusive, 0600, locked); when the block ends,
    make it one whole SQLite file, prove it complete and only then give it the name ``target``.
    When anything fails, the temporary file goes and nothing has the name ``target``."""
    target = Path(target)
    if target.exists():
        raise StoreError(f"{target} already exists; choose another backup file name")
    prepare_folder(target.parent)
    with output_file(target) as temp:
        yield temp
        _single_file(temp)
        _check_complete(temp, target)


def _single_file(path: Path) -> None:
    """Leave the SQLite file whole in itself (no -wal beside it), flushed to disk."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _check_complete(path: Path, target: Path) -> None:
    """The written file opens as a whole opsdesk store: its integrity checked, its schema recorded."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
            migrations = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
            conn.execute("SELECT count(*) FROM event").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        integrity, migrations = str(exc), 0
    if integrity != "ok" or not migrations:
        reason = integrity if integrity != "ok" else "it records no schema"
        raise StoreError(f"the backup for {target} came out incomplete ({reason}); nothing was kept, try again")


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


def backup_name(folder: Path, stem: str, now: datetime) -> Path:
    """The default backup file in ``folder`` (``backups/`` beside an SQLite database, in opsdesk's folder
    for a PostgreSQL one): ``<stem>-YYYYmmdd-HHMMSS-mmm-<random>.db``, to the millisecond plus a random
    part, so backups started at the same moment never share a name."""
    import secrets

    stamp = f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}-{secrets.token_hex(4)}"
    return folder / f"{stem}-{stamp}.db"


def prune_backups(folder: Path, stem: str, keep: int, contract: tuple[str, str] | None):
    """Delete all but the ``keep`` newest default-named backups of ``contract`` in ``folder`` (a
    :class:`~opsdesk.store.backups.Pruned`); a file that is no complete backup of it is left alone. The
    partial files of backups killed earlier go too (never one a backup is writing now)."""
    import re

    # YYYYmmdd-HHMMSS-mmm-<random>, or as older versions named them: YYYYmmdd-HHMMSS[-n]
    named = re.compile(re.escape(stem) + r"-(\d{8}-\d{6})(?:-(\d{3})-[0-9a-f]{8}|-(\d+))?\.db")
    found = []
    for path in folder.glob(f"{stem}-????????-??????*.db"):
        if match := named.fullmatch(path.name):
            second, ms, nth = match.groups()
            found.append(((second, int(ms or 0), int(nth or 1), path.stat().st_mtime_ns), path))
    stale = remove_stale_partials(folder, f".{stem}-????????-??????*{PARTIAL}")
    return replace(prune([p for _, p in sorted(found)], contract, keep), stale=stale)


def remove_stale_partials(folder: Path, pattern: str) -> list[Path]:
    """Remove the partial files matching ``pattern`` in ``folder`` that backups killed earlier left;
    one a backup is writing now holds its lock and is left alone."""
    return sweep(folder, pattern)


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
