"""The store's commands: `opsdesk init`, `db path`, `verify`, `backup`, `restore` and `demo`."""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from opsdesk.cli.common import JsonOpt, collect_from_here, command_now, db_name, db_path, desk, state, sub_app
from opsdesk.cli.output import emit_json, line
from opsdesk.errors import OpsdeskError, Refused

db_app = sub_app("Where the data lives.")


def init(
    name: Annotated[str, typer.Option(help="Contract name, e.g. 智慧医疗建设服务系统运维项目.")],
    hospital: Annotated[str, typer.Option(help="The hospital (院方).")],
    vendor: Annotated[str, typer.Option(help="The maintenance vendor (服务商).")],
    start: Annotated[str, typer.Option(help="Service start date, YYYY-MM-DD.")],
    months: Annotated[int, typer.Option(help="Service period in months.")] = 12,
    parents: Annotated[bool, typer.Option("--parents", help="Create the database's folder if it is missing.")] = False,
) -> None:
    """Create the contract in a new database and seed the five contracted systems.

    Example: opsdesk init --name 智慧医疗运维 --hospital 广东省人民医院 --vendor 某某科技 --start 2026-12-01
    """
    from opsdesk.contract.settings import init_contract
    from opsdesk.desk import contract_end
    from opsdesk.timeparse import parse_date

    start_date = parse_date(start)
    target = db_path()
    if isinstance(target, Path) and not target.parent.is_dir():
        if state.db is not None and not parents:  # a typo in --db must not start a contract somewhere else
            raise Refused(f"the folder {target.parent} does not exist; check --db, or add --parents to create it")
        target.parent.mkdir(parents=True)
    with desk(create=True) as d:
        contract = init_contract(d, name=name, hospital=hospital, vendor=vendor, start=start_date, months=months)
        end = contract_end(contract)
    line(
        f"Created contract {contract.name!r}: {contract.start_date} to {end - timedelta(days=1)} "
        f"({contract.months} months, five systems seeded)"
    )
    line(f"Database: {db_name(db_path())}")


@db_app.command("path")
def db_path_cmd() -> None:
    """Print where the database is: the SQLite file, or the PostgreSQL URL (password hidden).

    Example: opsdesk db path
    """
    typer.echo(db_name(db_path()))


def verify(
    as_json: JsonOpt = False,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="A workbook opsdesk exported, or a text holding anchors (a witness message as received, a "
            "mailbox or chat export, `witness log`; - reads standard input): the history must still hash to them.",
        ),
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="An anchor as opsdesk prints it: N:HASH (integrity sheet, witness message, `report monthly`) "
            "or `N events, head HASH` (`verify`), the head in full or cut short to 8+ hex digits.",
        ),
    ] = None,
) -> None:
    """Prove the history untouched: every hash, and the records equal a replay of the events.

    With --against (a signed workbook, a witness message as the group received it) or --anchor,
    also that the history's first N events still hash to each anchor held outside the store: a
    rewritten history fails here even with every later hash recomputed, naming the anchor. Events
    after the latest anchor are reported unprotected since it was taken: nothing outside the store
    holds them yet.

    Example: opsdesk verify --against 验收资料.xlsx
    """
    from opsdesk.store.anchors import unprotected
    from opsdesk.store.history import verify as run_verify

    held = _held_anchors(against, anchor)
    with desk(write=False) as d:
        d.contract  # noqa: B018 - a file holding no contract (an interrupted backup) proves nothing
        result = run_verify(d.session, held)
        tail = unprotected(d.session, held, result.events) if held is not None and result.ok else None
    if as_json:
        emit_json(
            {
                "ok": result.ok,
                "events": result.events,
                "head_hash": result.head_hash,
                "problems": result.problems,
                "counts": result.counts,
                **({"anchored": held.head.events, "unprotected": tail} if held is not None else {}),
            }
        )
    if not result.ok:
        raise OpsdeskError(f"history check failed: {result.problems[0]}")
    if not as_json:
        counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
        verdict = "History consistent" if tail else "History verified"
        line(f"{verdict}: {result.events} events, head {result.head_hash[:16]}; records match ({counts})")
        if held is not None:
            _show_held(held, tail)


def _held_anchors(against: Path | None, anchor: str | None):
    """The anchors `verify` holds the history to (None: none given)."""
    import sys

    from opsdesk.store.anchors import Anchors, parse_anchor, read_against

    if against is None and anchor is None:
        return None
    given: tuple = ()
    name = ""
    taken: dict = {}
    if against is not None:
        from_stdin = str(against) == "-"
        read = read_against(Path("standard input") if from_stdin else against, sys.stdin.read() if from_stdin else None)
        given, name, taken = read.anchors, read.source, read.taken
    if anchor is not None:
        parsed = parse_anchor(anchor)
        given += (parsed,)
        name = name or f"the anchor {parsed}"
    return Anchors(name, given, taken)


def _show_held(held, tail) -> None:
    line(
        f"The first {held.head.events} events still hash to {held.source} "
        f"({len(held.anchors)} anchor(s), head {held.head.head[:16]})"
    )
    short = held.shortest
    if short.bits < 256:
        line(
            f"  anchor {short} is cut short to {len(short.head)} hex digits: it checks {short.bits} bits of the "
            "head's 256 (give the head in full, from the workbook or the witness message, for the whole check)"
        )
    if tail is not None:
        line(
            f"Unprotected since {tail.since}: events {tail.first}..{tail.last} are held by no anchor of "
            f"{held.source}; they agree with the history before them, but a rewrite of them with every hash "
            "recomputed would pass (the next witness message or signed workbook will hold them)",
            style="yellow",
        )


def backup(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Backup file (default: backups/<name>-<time>.db beside an SQLite database; for "
            "PostgreSQL <host>-<port>-<database>-<time>.db in opsdesk's folder, ~/.config/opsdesk/backups on Linux)."
        ),
    ] = None,
    keep: Annotated[int | None, typer.Option(help="Keep only the N newest default-named backups.")] = None,
) -> None:
    """Back up the database into an SQLite file, consistently even while others write.

    SQLite stores are copied with SQLite's online backup API; a PostgreSQL store is read in one
    snapshot into an SQLite file of the same schema, which `verify` and `restore` take as it is.

    Example: opsdesk backup --keep 30
    """
    from opsdesk.store.backups import backup_name, prune_backups
    from opsdesk.store.engine import open_store

    if keep is not None and keep < 1:
        raise typer.BadParameter(f"--keep {keep}: keep at least 1 backup")
    collect_from_here()
    store = open_store(db_path())
    try:
        target = path or backup_name(store.backup_folder(), store.backup_stem(), _local_now())
        written = store.backup(target)
        stem = store.backup_stem()
    finally:
        store.close()
    size = written.stat().st_size
    line(f"Backed up {size / 1_048_576:.1f} MB to {written.resolve()}")
    if keep is not None:
        from opsdesk.store.backups import contract_of

        pruned = prune_backups(written.parent, stem, keep, contract_of(written))
        if pruned.removed:
            line(f"Removed {len(pruned.removed)} older backup(s), keeping the newest {keep}")
        if pruned.stale:
            line(
                f"Removed {len(pruned.stale)} partial file(s) left by a backup killed earlier "
                f"({', '.join(p.name for p in pruned.stale)})"
            )
        for other in pruned.skipped:
            line(f"Kept {other.name}: not a complete backup of this contract, so not counted", style="yellow")


def restore(
    path: Annotated[Path, typer.Argument(help="A backup made by `opsdesk backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Restore even a backup of another contract, or one missing newer events.")
    ] = False,
) -> None:
    """Replace the database with a backup, after checking it (integrity and history); the current content is kept aside.

    A backup restores into either kind of store, so this also moves an SQLite store into a new
    PostgreSQL database: `opsdesk --db postgresql+psycopg://host/db restore laptop.db`.

    Example: opsdesk restore backups/opsdesk-20261207-090000.db
    """
    from opsdesk.store.engine import check_backup
    from opsdesk.store.engine import restore as restore_store

    collect_from_here()
    checked = check_backup(path)
    done = restore_store(db_path(), checked, force=force, clock=_local_now)
    line(f"Restored {path} ({checked.events} events, head {checked.head_hash[:16]}) into {done.store_name}")
    if done.aside:
        line(f"The previous database is kept at {done.aside}")


def _local_now() -> datetime:
    """Now in the contract's default zone, for file names (backups), without opening the store."""
    from zoneinfo import ZoneInfo

    from opsdesk.sla.terms import DEFAULT_TZ

    return command_now().astimezone(ZoneInfo(DEFAULT_TZ))


def demo(
    db: Annotated[
        str, typer.Option("--db", help="Where to build the demo database: a file, or a postgresql+psycopg:// URL.")
    ] = "opsdesk-demo.db",
    months: Annotated[int, typer.Option(help="Months of history to generate (1-12).")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same demo.")] = 1,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an existing demo database.")] = False,
    scale: Annotated[
        int | None, typer.Option(help="Instead: a synthetic store of N faults, 10 years, 50 systems (benchmarks).")
    ] = None,
) -> None:
    """Build a realistic demo contract: five systems, a few hundred faults over real holidays.

    Example: opsdesk demo --db /tmp/demo.db --months 3
    """
    from opsdesk.demo.build import build_demo, clear_for_demo

    if scale is not None and not 1 <= scale <= 10_000_000:
        raise typer.BadParameter(f"--scale {scale}: give 1 to 10000000 faults")
    if not 1 <= months <= 12:
        raise typer.BadParameter(f"--months {months}: give 1 to 12")
    state.db = db
    target = db_path()
    clear_for_demo(target, replace)
    with desk(create=True) as d:
        if scale is not None:
            from opsdesk.demo.scale import build_scale

            summary = build_scale(d, tickets=scale, seed=seed)
        else:
            summary = build_demo(d, months=months, seed=seed)
    span = "10 years" if scale is not None else f"{months} month(s)"
    line(
        f"Built the demo contract: {summary['tickets']} faults over {span}, "
        f"{summary['open']} still open, {summary['events']} history events"
    )
    shown = str(target.resolve()) if isinstance(target, Path) else db_name(target)
    line(f"Demo database: {shown}")
    line(f"Try: OPSDESK_DB={shlex.quote(shown)} {_program()} status")


def _program() -> str:
    """How the user can run opsdesk again: plain `opsdesk` if that is on PATH, else the path used."""
    import shutil
    import sys

    found = shutil.which("opsdesk")
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if found and here and Path(found).resolve() == here:
        return "opsdesk"
    return str(Path(sys.argv[0])) if here and here.name == "opsdesk" else "opsdesk"
