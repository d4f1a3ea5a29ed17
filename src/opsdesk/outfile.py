"""Every file opsdesk writes (workbooks, the ZenTao feedback CSV, backups): whole, or not at all.

- It is written under a temporary name beside the target (``.NAME.<unique>.partial``), created
  exclusively (``O_EXCL``) and readable by its owner only (0600) from its first byte: workbooks and
  the feedback CSV hold staff phone numbers and e-mail addresses, backups every record.
- It is flushed to disk (``fsync``) and only then renamed to the target, so a kill at any moment
  leaves the target as it was (an earlier file intact) and never a partial file under its name.
- Without ``replace`` it is published with a hard link, which fails when the target appeared
  meanwhile: two writers never overwrite each other. With ``replace`` (``--force``) the old file
  is swapped out only once the new one is complete.
- While it is written, the temporary file is locked (``flock``): :func:`sweep` removes the partial
  files nobody holds (a killed run's), never the one a live run is writing.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from opsdesk.errors import OpsdeskError, Refused

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which guards a live run's file
    fcntl = None  # type: ignore[assignment]

PARTIAL = ".partial"  # the end of a file being written: never an output's name
PRIVATE = 0o600  # every output holds personal data or the records: its owner reads it, nobody else
JOURNALS = ("", "-journal", "-wal", "-shm")  # an SQLite file and what SQLite may write beside it


def partial_name(target: Path) -> Path:
    """A fresh temporary name beside ``target``: hidden, unique, ending in :data:`PARTIAL`."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{PARTIAL}")


@contextlib.contextmanager
def output_file(target: Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield a new, locked, private temporary file beside ``target`` to write; when the block ends,
    flush it and rename it to ``target`` (over an existing file only with ``replace``). When the block
    fails, the temporary file goes and ``target`` is left as it was."""
    target = Path(target)
    if target.exists() and not replace:
        raise Refused(f"{target} already exists; choose another file name")
    sweep(target.parent, f".{glob.escape(target.name)}.*{PARTIAL}")  # a killed run's, left beside it
    temp, fd = _create_locked(target)
    try:
        yield temp
        _publish(temp, target, replace)
    except BaseException:
        remove(temp)
        raise
    finally:
        os.close(fd)


def _create_locked(target: Path) -> tuple[Path, int]:
    """A new temporary file beside ``target``, created exclusively and locked: (its path, the open
    descriptor that holds the lock). A sweep that took the file for a killed run's between its
    creation and its lock removed it: a fresh one is made then."""
    for _ in range(5):
        temp = partial_name(target)
        try:
            fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE)
        except OSError as exc:
            raise OpsdeskError(f"cannot write {target}: {exc.strerror}") from None
        if fcntl is None:
            return temp, fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(temp).st_ino == os.fstat(fd).st_ino:
                return temp, fd
        except FileNotFoundError:
            pass
        os.close(fd)
    raise OpsdeskError(f"cannot write {target}: its temporary files keep disappearing; try again")


def write_output(target: Path, write: Callable[[Path], object], *, replace: bool = False) -> Path:
    """:func:`output_file` for a writer that takes the path to write: ``write(temp)``."""
    with output_file(target, replace=replace) as temp:
        write(temp)
    return Path(target)


def _publish(temp: Path, target: Path, replace: bool) -> None:
    try:
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, target)
        else:
            _link_once(temp, target)
        _sync_folder(target.parent)
    except FileExistsError:
        raise Refused(f"{target} was created by someone else meanwhile; choose another file name") from None
    except OSError as exc:
        raise OpsdeskError(f"cannot write {target}: {exc.strerror}") from None


def _link_once(temp: Path, target: Path) -> None:
    """Give ``temp`` the name ``target`` unless a file has it: a hard link fails then (atomically)."""
    try:
        os.link(temp, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if target.exists():  # a file system without hard links: check, then rename
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.rename(temp, target)
        return
    os.unlink(temp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform lets a folder be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sweep(folder: Path, pattern: str) -> list[Path]:
    """Remove the partial files in ``folder`` matching ``pattern`` that no live run holds (a killed
    run's), with any journal beside them; a file being written now is left alone."""
    removed = []
    for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
        if path.name.endswith(PARTIAL) and _remove_if_dead(path):
            removed.append(path)
    return removed


def _remove_if_dead(path: Path) -> bool:
    """Remove ``path`` (and its journals) unless a live run holds its lock; the lock is taken while
    removing, so a run that creates it meanwhile sees it gone (:func:`_create_locked`). Without
    ``flock`` (Windows) removing fails while its writer has it open."""
    if fcntl is None:
        return _try_remove(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False  # a live run writes it
    try:
        return _try_remove(path)
    finally:
        os.close(fd)


def _try_remove(path: Path) -> bool:
    try:
        remove(path)
    except OSError:
        return False
    return True


def remove(path: Path) -> None:
    """Remove ``path`` and whatever SQLite may have written beside it."""
    for suffix in JOURNALS:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
