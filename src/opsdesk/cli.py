"""The opsdesk command line: parse, open the store, call one library function, render.

Heavy modules (SQLModel, holidays, openpyxl) are imported inside the commands that
use them, so ``opsdesk --help`` and ``--version`` stay instant.
"""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from opsdesk import __version__
from opsdesk.commands import reports
from opsdesk.commands.calendar import calendar_app
from opsdesk.commands.changes import change_app
from opsdesk.commands.common import CONTEXT, JsonOpt, OpsdeskGroup, db_name, db_path, desk, state, sub_app
from opsdesk.commands.contract import confirm_app, contract_app
from opsdesk.commands.faults import fault_app
from opsdesk.commands.inspect import inspect_app
from opsdesk.commands.people import staff_app, training_app, work_app
from opsdesk.commands.platform import export_app, import_app
from opsdesk.commands.reports import report_app
from opsdesk.commands.systems import system_app
from opsdesk.errors import OpsdeskError
from opsdesk.output import emit_json, line

app = typer.Typer(
    cls=OpsdeskGroup,
    help="opsdesk: the maintenance desk for a hospital information-systems contract.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
    rich_markup_mode=None,
)
db_app = sub_app("Where the data lives.")
OpsdeskGroup.groups = {  # each built only when one of its commands runs (see OpsdeskGroup)
    "db": db_app,
    "system": system_app,
    "fault": fault_app,
    "calendar": calendar_app,
    "report": report_app,
    "change": change_app,
    "inspect": inspect_app,
    "staff": staff_app,
    "training": training_app,
    "work": work_app,
    "confirm": confirm_app,
    "contract": contract_app,
    "import": import_app,
    "export": export_app,
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"opsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None, typer.Option("--db", envvar="OPSDESK_DB", help="Database file (default: see `opsdesk db path`).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", envvar="OPSDESK_USER", help="Who is recording (default: your OS user).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """opsdesk: the maintenance desk for a hospital information-systems contract.

    Example: opsdesk fault open queue "叫号屏不显示" --reporter 王护士
    """
    state.db = db
    state.by = by


# -- init, db, verify ---------------------------------------------------------------------


@app.command("init")
def init(
    name: Annotated[str, typer.Option(help="Contract name, e.g. 智慧医疗建设服务系统运维项目.")],
    hospital: Annotated[str, typer.Option(help="The hospital (院方).")],
    vendor: Annotated[str, typer.Option(help="The maintenance vendor (服务商).")],
    start: Annotated[str, typer.Option(help="Service start date, YYYY-MM-DD.")],
    months: Annotated[int, typer.Option(help="Service period in months.")] = 12,
) -> None:
    """Create the contract in a new database and seed the five contracted systems.

    Example: opsdesk init --name 智慧医疗运维 --hospital 广东省人民医院 --vendor 某某科技 --start 2026-12-01
    """
    from opsdesk.contract import init_contract
    from opsdesk.records import contract_end
    from opsdesk.timeparse import parse_date

    start_date = parse_date(start)
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


@app.command("verify")
def verify(as_json: JsonOpt = False) -> None:
    """Prove the history untouched: every hash, and the records equal a replay of the events.

    Example: opsdesk verify
    """
    from opsdesk.history import verify as run_verify

    with desk(write=False) as d:
        result = run_verify(d.session)
    if as_json:
        emit_json(
            {
                "ok": result.ok,
                "events": result.events,
                "head_hash": result.head_hash,
                "problems": result.problems,
                "counts": result.counts,
            }
        )
    if not result.ok:
        raise OpsdeskError(f"history check failed: {result.problems[0]}")
    if not as_json:
        counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
        line(f"History verified: {result.events} events, head {result.head_hash[:16]}; records match ({counts})")


@app.command("backup")
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
    from opsdesk.store import backup_name, open_store, prune_backups

    if keep is not None and keep < 1:
        raise typer.BadParameter(f"--keep {keep}: keep at least 1 backup")
    store = open_store(db_path())
    try:
        target = path or backup_name(store, _local_now())
        written = store.backup(target)
    finally:
        store.close()
    size = written.stat().st_size
    line(f"Backed up {size / 1_048_576:.1f} MB to {written.resolve()}")
    if keep is not None:
        removed = prune_backups(written.parent, store.backup_stem(), keep)
        if removed:
            line(f"Removed {len(removed)} older backup(s), keeping the newest {keep}")


@app.command("restore")
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
    from opsdesk.store import check_backup, open_store

    checked = check_backup(path)
    target = db_path()
    store = open_store(target, create=True)
    try:
        current = _current_identity(store)
        if current and not force:
            if checked["contract"] and current["contract"] != checked["contract"]:
                raise OpsdeskError(
                    f"{path} holds the contract {checked['contract'][0]!r} (from {checked['contract'][1]}), not "
                    f"{current['contract'][0]!r}; add --force to replace this database with it anyway"
                )
            if current["events"] > checked["events"]:
                raise OpsdeskError(
                    f"{path} has {checked['events']} history events, this database {current['events']}: restoring "
                    f"it loses the {current['events'] - checked['events']} newest; add --force if that is intended"
                )
        aside = store.backup(store.aside_name(f"before-restore-{_local_now():%Y%m%d-%H%M%S}")) if current else None
        store.restore_from(Path(path))
    finally:
        store.close()
    line(f"Restored {path} ({checked['events']} events, head {checked['head_hash'][:16]}) into {store.name}")
    if aside:
        line(f"The previous database is kept at {aside}")


def _current_identity(store) -> dict | None:
    """The contract and history length of the database a restore would replace (None if empty)."""
    with store.transaction(write=False) as session:
        conn = session.connection()
        row = conn.exec_driver_sql("SELECT name, start_date FROM contract WHERE id = 1").first()
        if row is None:
            return None
        return {
            "contract": (row[0], str(row[1])),
            "events": conn.exec_driver_sql("SELECT count(*) FROM event").scalar(),
        }


def _local_now() -> datetime:
    """Now in the contract's default zone, for file names (backups), without opening the store."""
    from zoneinfo import ZoneInfo

    from opsdesk.commands.common import _now
    from opsdesk.terms import DEFAULT_TZ

    return _now().astimezone(ZoneInfo(DEFAULT_TZ))


app.command("status")(reports.status)


# -- demo ---------------------------------------------------------------------------------


@app.command("demo")
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
    from opsdesk.demo import build_demo

    if scale is not None and not 1 <= scale <= 10_000_000:
        raise typer.BadParameter(f"--scale {scale}: give 1 to 10000000 faults")
    if not 1 <= months <= 12:
        raise typer.BadParameter(f"--months {months}: give 1 to 12")
    state.db = db
    target = db_path()
    _clear_for_demo(target, replace)
    with desk(create=True) as d:
        if scale is not None:
            from opsdesk.scale import build_scale

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


def _clear_for_demo(target: Path | str, replace: bool) -> None:
    """A demo is built into an empty database; ``--replace`` empties one that holds a demo, never a
    real contract (a typo on a shared database must not cost the team its records)."""
    from opsdesk.demo import is_demo_name
    from opsdesk.store import open_store

    if isinstance(target, Path):
        if not target.exists():
            return
        if not replace:
            raise OpsdeskError(f"{target} already exists; add --replace to rebuild it, or choose another --db")
    store = open_store(target, create=True)
    try:
        name = store.contract_name()
        if name is None and isinstance(target, Path):
            return
        if name is not None and not replace:
            raise OpsdeskError(f"{store.name} already holds a contract; add --replace to rebuild the demo there")
        if name is not None and not is_demo_name(name):
            raise OpsdeskError(
                f"{store.name} holds the contract {name!r}, not a demo; --replace only rebuilds a demo database "
                "(choose another --db)"
            )
        if isinstance(target, Path):
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        else:
            store.empty()
    finally:
        store.close()


def _program() -> str:
    """How the user can run opsdesk again: plain `opsdesk` if that is on PATH, else the path used."""
    import shutil
    import sys

    found = shutil.which("opsdesk")
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if found and here and Path(found).resolve() == here:
        return "opsdesk"
    return str(Path(sys.argv[0])) if here and here.name == "opsdesk" else "opsdesk"


def main() -> None:
    app()
