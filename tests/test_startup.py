"""Starting opsdesk stays light: help, --version and shell completion import neither the database
libraries nor openpyxl nor holidays, and a command imports only what it uses.

Each case runs the program in a fresh interpreter (as `opsdesk` does) and reports which of the
watched packages it loaded. No timings here: those are in benchmarks/latency.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from tests.conftest import NOW, ok

AT = Path(__file__).parent / "workers" / "at.py"  # `python -m opsdesk` with the tests' clock
HEAVY = ["sqlmodel", "sqlalchemy", "openpyxl", "holidays"]

PROBE = """\
import json, sys
from datetime import datetime
from opsdesk import clock
args, watched = json.loads(sys.argv[1]), json.loads(sys.argv[2])
clock._fixed = datetime.fromisoformat(sys.argv[3])  # the tests' clock, in this process
sys.argv = ["opsdesk", *args]
from opsdesk.__main__ import main
try:
    main()
except SystemExit:
    pass
names = set(sys.modules) | {name.split(".")[0] for name in sys.modules}
import gc
print("\\ncollector:", json.dumps(gc.isenabled()))
print("loaded:", json.dumps(sorted(names & set(watched))))
"""


def loaded(args: list[str], env: dict[str, str] | None = None, watched: list[str] = HEAVY) -> list[str]:
    """Which of ``watched`` the program loaded to run ``opsdesk ARGS``."""
    return _probe(args, env, watched)[1]


def collector_on(args: list[str]) -> bool:
    """Whether the garbage collector was running when ``opsdesk ARGS`` ended."""
    return _probe(args, None, [])[0]


def _probe(args: list[str], env: dict[str, str] | None, watched: list[str]) -> tuple[bool, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(watched), NOW.isoformat()],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    *_, collector, last = result.stdout.rstrip().splitlines()
    assert collector.startswith("collector: ") and last.startswith("loaded: "), result.stdout + result.stderr
    return json.loads(collector.removeprefix("collector: ")), json.loads(last.removeprefix("loaded: "))


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--db", "elsewhere.db", "--version"],
        ["--help"],
        ["-h"],
        ["fault", "--help"],
        ["fault", "open", "--help"],
        ["report", "--help"],
        ["report", "monthly", "--help"],
        ["import", "zentao-bugs", "--help"],
        ["calendar", "show", "-h"],
        ["alert", "--help"],
        ["alert", "run", "--help"],
    ],
    ids=" ".join,
)
def test_help_and_version_import_nothing_heavy(args):
    assert loaded(args) == []


@pytest.mark.parametrize(
    ("words", "cword"), [("opsdesk ", "1"), ("opsdesk fa", "1"), ("opsdesk fault ", "2"), ("opsdesk report mo", "2")]
)
def test_shell_completion_imports_nothing_heavy(words, cword):
    env = {"_OPSDESK_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword}
    assert loaded([], env=env) == []


@pytest.mark.parametrize(
    "args",
    [["fault", "open", "queue", "叫号屏黑屏", "--reporter", "王护士"], ["fault", "list"], ["fault", "show", "1"]],
)
def test_fault_commands_load_the_database_only(contract, args):
    """A fault command needs SQLModel; not the reports, a workbook, Rich (output is piped here), nor
    holidays: the official calendar of the contract's years is recorded in the store (by `init`)."""
    ok("fault", "open", "queue", "叫号屏不显示")
    watched = [*HEAVY, "rich", "opsdesk.reports", "opsdesk.reports.workbook"]
    assert loaded(args, watched=watched) == ["sqlalchemy", "sqlmodel"]


# What `fault open` (the phone rings) must never import: the other domains' code, the workbooks,
# the reports, the alerts and their network clients, the backups and anchors, the PostgreSQL driver
# (on a SQLite store), the holidays package (the calendar is read from the store), the roster (no
# --owner) and Rich (output is piped here).
NOT_FOR_FAULT_OPEN = [
    *HEAVY[2:],  # openpyxl, holidays
    "rich",
    "psycopg",
    "opsdesk.reports",
    "opsdesk.alerts",
    "opsdesk.zentao",
    "opsdesk.hospital",
    "opsdesk.demo",
    "opsdesk.contract.changes",
    "opsdesk.contract.inspections",
    "opsdesk.contract.people",
    "opsdesk.contract.settings",
    "opsdesk.store.backups",
    "opsdesk.store.anchors",
    "opsdesk.store.bulk",
    "urllib.request",
    "smtplib",
]


@pytest.mark.sqlite_only  # on a PostgreSQL store the driver is what it runs on
def test_fault_open_imports_only_what_it_uses(contract):
    """`opsdesk fault open` is the command typed while the phone rings (benchmarks/latency.py holds
    it within 1.1 x the import floor): none of the code it does not run is imported."""
    ok("fault", "open", "queue", "叫号屏不显示")  # a first fault, as on a working desk
    args = ["fault", "open", "queue", "叫号屏黑屏", "--reporter", "王护士", "--channel", "phone"]
    assert loaded(args, watched=NOT_FOR_FAULT_OPEN) == []


def test_a_command_builds_only_itself():
    """Typer reads the signature and type hints of the command being run alone, not those of the
    other commands of its group (nor of the other groups)."""
    from typer.main import get_command
    from typer.models import CommandInfo

    from opsdesk.cli.app import app
    from opsdesk.cli.common import OpsdeskGroup

    groups = get_command(app).commands
    faults = groups["fault"].commands
    assert faults["open"].name == "open"
    built = [name for name, entry in faults._entries.items() if not isinstance(entry, CommandInfo)]
    assert built == ["open"]
    assert [name for name in OpsdeskGroup.groups if not isinstance(groups._entries[name], typer.Typer)] == ["fault"]


@pytest.mark.parametrize(
    ("args", "on"),
    [
        (["--help"], False),
        (["fault", "open", "queue", "叫号屏黑屏"], True),
        (["status"], True),
        (["verify"], True),
        (["backup"], True),
        (["alert", "list"], True),
        (["restore", "no-such-backup.db"], True),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else ("on" if value else "off"),
)
def test_the_collector_runs_again_once_the_command_turns_to_the_store(contract, args, on):
    """The program starts without the garbage collector (importing makes nothing to collect); every
    command that works on the store, however long it runs, has it back (opsdesk/__main__.py)."""
    assert collector_on(args) is on


ALERT_CODE = ["opsdesk.alerts", "urllib.request", "http.client", "smtplib"]


@pytest.mark.parametrize("args", [["--help"], ["alert", "add", "--help"], ["fault", "open", "queue", "叫号屏黑屏"]])
def test_only_the_alert_commands_load_the_alerts_and_the_network(contract, args):
    """The HTTP and SMTP clients, and the alerts themselves, are imported by the alert commands alone."""
    ok("fault", "open", "queue", "叫号屏不显示")
    assert loaded(args, watched=ALERT_CODE) == []
    assert loaded(["alert", "list"], watched=ALERT_CODE) == ["opsdesk.alerts"]


def test_status_loads_no_workbook(contract):
    ok("status")
    assert loaded(["status"]) == ["sqlalchemy", "sqlmodel"]


def test_a_workbook_command_loads_openpyxl(contract, tmp_path):
    """The probe sees what a command loads: the monthly report does need openpyxl."""
    assert "openpyxl" in loaded(["report", "monthly", "2026-11", "-o", str(tmp_path / "m.xlsx")])


@pytest.mark.sqlite_only  # the WAL file beside the database file
def test_the_program_leaves_the_store_closed_and_written(contract):
    """The program skips the interpreter's final garbage collection (gc.freeze on its way out): what
    the command wrote is on record, and the store was closed (SQLite removes the -wal file then)."""
    result = subprocess.run(
        [sys.executable, str(AT), NOW.isoformat(), "fault", "open", "queue", "叫号屏黑屏"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not contract.with_name(f"{contract.name}-wal").exists()
    assert "叫号屏黑屏" in ok("fault", "list")
