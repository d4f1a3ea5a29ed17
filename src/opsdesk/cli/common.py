"""What every command shares: the error edge, global state, opening the store, common options."""

from __future__ import annotations

import copy
import getpass
import os
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo

from opsdesk.cli import output
from opsdesk.errors import BadOption, InvalidInput, OpsdeskError
from opsdesk.paths import app_dir

if TYPE_CHECKING:
    from opsdesk.desk import Desk, PeriodAsked


class OpsdeskGroup(TyperGroup):
    """Root group: every error becomes one line on stderr and an exit code, never a traceback.

    The command groups (``fault``, ``change``...) are registered in ``groups`` rather than with
    ``add_typer``: Typer would build every command of every group at startup (70 ms and more),
    while a command needs only its own group. Help and completion still see every group.
    """

    groups: ClassVar[dict[str, typer.Typer]] = {}

    def __init__(self, *, commands=None, **kwargs):
        # Click types ``commands`` as a dict; it only ever reads and writes it as a mapping.
        super().__init__(commands=LazyCommands(commands or {}, self.groups), **kwargs)  # type: ignore[arg-type]

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        # typer bundles its own click (typer>=0.26); its usage errors are reported here in one line.
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

        undecodable = _not_utf8(sys.argv[1:] if args is None else args)
        if undecodable is not None:
            output.error(f"the argument {undecodable} holds bytes that are not UTF-8; opsdesk takes UTF-8 text")
            sys.exit(2)
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or "opsdesk",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except NoArgsIsHelpError as exc:  # `opsdesk fault`: what it can do, on stdout, not an error
            sys.stdout.write(_command_list(exc.ctx))
            sys.exit(0)
        except UsageError as exc:
            where = " ".join(["opsdesk", *(exc.ctx.command_path.split()[1:] if exc.ctx else [])])
            if getattr(exc, "option_name", None) == "--by":  # who records goes before the command
                command = where.removeprefix("opsdesk ")
                output.error(
                    f"{exc.format_message()} here; who records goes before the command: "
                    f"`opsdesk --by NAME {command} ...` (or set OPSDESK_USER)"
                )
            else:
                output.error(f"{exc.format_message()} (see `{where} -h`)")
            sys.exit(2)
        except ClickException as exc:
            output.error(exc.format_message())
            sys.exit(exc.exit_code)
        except typer.Abort:
            output.error("aborted")
            sys.exit(1)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OpsdeskError as exc:
            output.error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C: the command's transaction was rolled back
            _end_prompt_line()
            output.error("aborted: nothing was recorded")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `opsdesk fault list | head`: the reader left, nothing to report
            _silence_stdout()
            raise typer.Exit(0) from None
        except OverflowError:
            output.error("a number or date given is out of range")
            raise typer.Exit(2) from None
        except Exception as exc:
            if type(exc).__module__.startswith("typer"):
                raise
            explained = _database_said(exc)
            if explained:  # a lost server, or a login without the grant it needs
                output.error(explained)
                raise typer.Exit(1) from None
            if type(exc).__name__ == "DataError" and "out of range" in str(exc):  # PostgreSQL's OverflowError
                output.error("a number or date given is out of range")
                raise typer.Exit(2) from None
            if type(exc).__name__ == "OperationalError":  # the server went away, a lock wait ran out, a disk failed
                output.error(_database_failed(exc))
                raise typer.Exit(1) from None
            if isinstance(exc, EOFError):  # Ctrl-D at a prompt
                _end_prompt_line()
                output.error("aborted: the input ended before the answers were complete; nothing was recorded")
                raise typer.Exit(1) from None
            if os.environ.get("OPSDESK_DEBUG"):
                raise
            output.error(_unexpected(exc))
            raise typer.Exit(1) from None


def _end_prompt_line() -> None:
    """Interrupted at a prompt: the message starts on a line of its own, not after the question."""
    if sys.stdin.isatty() and sys.stderr.isatty():
        sys.stderr.write("\n")


class LazyCommands(MutableMapping):
    """A group's commands, each built when it is first looked up: a command group stays a Typer app,
    and a command its registration, until then. `opsdesk fault open` builds `open` alone, not the
    group's other commands: reading their signatures and type hints takes longer than opening a fault."""

    def __init__(self, commands: dict, groups: dict[str, typer.Typer], owner: typer.Typer | None = None):
        self._entries = {**commands, **{name: app for name, app in groups.items() if name not in commands}}
        self._owner = owner  # the Typer app the commands were registered on: they are built with its settings

    def __getitem__(self, name: str):
        entry = self._entries[name]
        if isinstance(entry, typer.Typer):
            entry = self._entries[name] = _group(entry)
            entry.name = name
        elif isinstance(entry, CommandInfo):
            from typer.main import get_command_from_info

            owner = self._owner
            assert owner is not None, "a registered command comes with the app it was registered on"
            entry = self._entries[name] = get_command_from_info(
                entry, pretty_exceptions_short=owner.pretty_exceptions_short, rich_markup_mode=owner.rich_markup_mode
            )
        return entry

    def __setitem__(self, name: str, command) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _group(app: typer.Typer) -> TyperGroup:
    """``app`` as a Click group whose commands are built when looked up (see :class:`LazyCommands`)."""
    from typer.main import get_command_name, get_group

    bare = copy.copy(app)
    bare.registered_commands = []  # its sub-groups (`inspect template`) are built now, as Typer does
    group = get_group(bare)
    infos = {info.name or get_command_name(_function_name(info)): info for info in app.registered_commands}
    group.commands = LazyCommands({**infos, **group.commands}, {}, app)
    return group


def _function_name(info: CommandInfo) -> str:
    assert info.callback is not None, "a command is registered with its function"
    return info.callback.__name__


def _command_list(ctx) -> str:
    """A group's commands, one line each, and where to read more."""
    group, path = ctx.command, " ".join(["opsdesk", *ctx.command_path.split()[1:]])
    about = (group.help or "").splitlines()[0] if group.help else ""
    lines = [about if about.startswith(f"{path}:") else f"{path}: {about}"]
    names = group.list_commands(ctx)
    width = max(map(len, names), default=0)
    for name in names:
        command = group.get_command(ctx, name)
        summary = command.get_short_help_str(limit=70) if command is not None else ""
        lines.append(f"  {name.ljust(width)}  {summary}")
    lines.append(f"See `{path} COMMAND -h` for a command's options.")
    return "\n".join(lines) + "\n"


def _not_utf8(args) -> str | None:
    """The first argument holding bytes that were not UTF-8 (Python keeps them as surrogates),
    shown with those bytes escaped; None when every argument is text."""
    for arg in args:
        if isinstance(arg, str) and any("\udc80" <= c <= "\udcff" for c in arg):
            return "'" + arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") + "'"
    return None


def _database_said(exc: Exception) -> str | None:
    if not type(exc).__module__.startswith(("sqlalchemy", "psycopg")):
        return None
    from opsdesk.store.dberrors import CONNECTION_LOST, connection_lost, permission_denied

    return CONNECTION_LOST if connection_lost(exc) else permission_denied(exc, state.db)


def _database_failed(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    first = next((ln.strip() for ln in str(orig).splitlines() if ln.strip()), type(orig).__name__)
    if "lock timeout" in first or "database is locked" in first:
        return "another command has been writing to the database for 30 s; nothing was recorded, try again"
    return f"the database failed: {first}; nothing of this command was recorded"


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests)
        pass


def _unexpected(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "database is locked" in text:
        return "the database stayed locked by another opsdesk for 30 s; try again in a moment"
    if "readonly" in text:
        return "the database is read-only; opsdesk needs write access to the file and its folder"
    return f"unexpected {type(exc).__name__}: {text} (run with OPSDESK_DEBUG=1 for details and report it)"


CONTEXT = {"help_option_names": ["-h", "--help"]}


def sub_app(help_text: str, **kwargs) -> typer.Typer:
    """A command group (a noun: fault, change, inspect...)."""
    return typer.Typer(help=help_text, no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None, **kwargs)


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it is not a subcommand, goes to a default one.

    ``opsdesk inspect queue`` runs ``opsdesk inspect run queue``; ``opsdesk confirm fault 3``
    runs ``opsdesk confirm record fault 3``.
    """

    default_command = "run"

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args.insert(0, self.default_command)
        return super().resolve_command(ctx, args)


@dataclass
class State:
    db: str | None = None
    by: str | None = None


state = State()


def db_path() -> Path | str:
    """The database ``--db`` / ``OPSDESK_DB`` names: an SQLite file path, or a PostgreSQL URL (kept as text)."""
    if state.db is not None:
        if not str(state.db).strip():
            raise InvalidInput(
                "--db (or OPSDESK_DB) is empty; give a database file path or a postgresql+psycopg:// URL"
            )
        if "://" in str(state.db):
            return str(state.db).strip()
        from opsdesk.store.dburl import check_not_keywords

        check_not_keywords(state.db)
        return Path(state.db)
    return app_dir() / "opsdesk.db"


def db_name(target: Path | str) -> str:
    """How to show the database to a person: the path, or the URL without its password."""
    if isinstance(target, Path):
        return str(target)
    from opsdesk.store.dburl import hide_password

    return hide_password(target)


def command_now() -> datetime:
    """Now, for what is not recorded (a backup's file name): the clock of :mod:`opsdesk.clock`."""
    from opsdesk import clock

    return clock.now()


def command_actor() -> str:
    if state.by is not None:
        from opsdesk.desk import name_value

        if not state.by.strip():
            raise InvalidInput("--by (or OPSDESK_USER) is empty; give the name of who is recording")
        return name_value(state.by, "--by (or OPSDESK_USER)", required=True)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def collect_from_here() -> None:
    """The command has imported what it needs and turns to the store: the garbage collector, off
    while the program starts (``opsdesk/__main__.py``), runs again, over what the command makes from
    here on; the modules and classes imported so far live as long as the program and are frozen
    out of its walks (``gc.freeze``). In a process where it was never off (tests), nothing changes."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@contextmanager
def desk(create: bool = False, write: bool = True) -> Iterator[Desk]:
    """Open the store and one transaction for this command (``write=False`` for read-only commands)."""
    from opsdesk.clock import recorded_now
    from opsdesk.desk import Desk
    from opsdesk.store.engine import open_store

    collect_from_here()
    path = db_path()
    actor = command_actor()
    new = create and isinstance(path, Path) and not path.exists()
    store = open_store(path, create=create)
    if store.migrated and store.backup_path:
        output.error_note(f"upgraded {store.name} to schema {store.migrated[-1]} (backup: {store.backup_path})")
    try:
        with store.transaction(write=write) as session:
            # read once this transaction holds the write lock: entries are recorded in the order of their times
            working = Desk(session, actor, recorded_now(session.connection()), write=write)
            if write:
                working.check_recorded_time()
            yield working
        _note_unrecorded(working)
    except BaseException as exc:
        if new:  # a refused `init` leaves no file behind
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if isinstance(exc, BadOption):  # reported as the command line reports a usage mistake
            raise typer.BadParameter(str(exc)) from None
        raise
    finally:
        store.close()


def _note_unrecorded(opened: Desk) -> None:
    """A read-only command that used a year of the official schedule the store holds no record of
    took it from the installed package: say so (a command that writes records it)."""
    years = sorted(opened.__dict__.get("unrecorded_years", ()))
    if years:
        from opsdesk.sla.workcalendar import package_version

        shown = ", ".join(map(str, years))
        output.error_note(
            f"the official calendar of {shown} is not recorded in this store; taken from {package_version()} "
            f"for this command only (record it with `opsdesk calendar record {years[0]}`)"
        )


JsonOpt = Annotated[bool, typer.Option("--json", help="Output JSON for scripts.")]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="When it happened: now, 14:30, 'yesterday 17:50', '2026-11-25 14:30', -20m.")
]


def read_period(month: str | None, first: str | None = None, last: str | None = None) -> PeriodAsked:
    """A report's ``--month`` / ``--from`` / ``--to`` (see :func:`opsdesk.desk.ask_period`), a
    mistake in them reported as a usage mistake."""
    from opsdesk.desk import ask_period

    try:
        return ask_period(month, first, last)
    except BadOption as exc:
        raise typer.BadParameter(str(exc)) from None
