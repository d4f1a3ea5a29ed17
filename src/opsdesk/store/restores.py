"""Restores that lose nothing: a backup proved sound before it replaces anything, refused when it
would drop records (another contract, a shorter or diverged history) unless forced, the current
content kept aside, under one write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from opsdesk.errors import NotFound, Refused, StoreError
from opsdesk.infile import refuse_special
from opsdesk.store.engine import SqliteStore, _check_header, copy_into_file, copy_rows, open_store


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
        # a backup made before the workbook seal existed gets a new one on the copy: keep this store's,
        # which the workbooks already out were sealed with
        keep = frozenset() if _has_table(copy, "workbook_seal") else frozenset({"workbook_seal"})
        backup = SqliteStore.open(copy)
        try:
            with backup.engine.execution_options(opsdesk_read=True).connect() as src:
                copy_rows(src, live, keep)
        finally:
            backup.close()


def _has_table(path: Path, name: str) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        return found is not None
    finally:
        conn.close()


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
