"""The opsdesk command line: the root app and its command groups (one module each in cli/).

Heavy modules (SQLModel, holidays, openpyxl) are imported inside the commands that
use them, so ``opsdesk --help`` and ``--version`` stay instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

from opsdesk import __version__
from opsdesk.cli import reports
from opsdesk.cli import store as store_commands
from opsdesk.cli.alerts import alert_app
from opsdesk.cli.changes import change_app
from opsdesk.cli.common import CONTEXT, OpsdeskGroup, state
from opsdesk.cli.contract import confirm_app, contract_app
from opsdesk.cli.fault_requests import fault_void  # noqa: F401 - registers the fault group's exception commands
from opsdesk.cli.faults import fault_app
from opsdesk.cli.inspections import inspect_app
from opsdesk.cli.people import staff_app, training_app, work_app
from opsdesk.cli.reports import report_app
from opsdesk.cli.store import db_app
from opsdesk.cli.systems import system_app
from opsdesk.cli.witness import witness_app
from opsdesk.cli.workcalendar import calendar_app
from opsdesk.cli.zentao import export_app, import_app

app = typer.Typer(
    cls=OpsdeskGroup,
    help="opsdesk: the maintenance desk for a hospital information-systems contract.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
    rich_markup_mode=None,
)
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
    "alert": alert_app,
    "witness": witness_app,
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
        str | None,
        typer.Option(
            "--by",
            envvar="OPSDESK_USER",
            help="Who records this: the vendor's engineer (default: your OS user). Not the hospital's "
            "confirmer, who is named by a command's own --by (`confirm`, `change review`).",
        ),
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


# The commands without a group, in the order --help lists them.
app.command("init")(store_commands.init)
app.command("verify")(store_commands.verify)
app.command("backup")(store_commands.backup)
app.command("restore")(store_commands.restore)
app.command("status")(reports.status)
app.command("demo")(store_commands.demo)


def main() -> None:
    app()
