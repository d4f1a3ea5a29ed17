"""No query per row: the statements a command runs do not grow with the data."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from opsdesk import clock
from opsdesk.cli.app import app
from tests.conftest import NOW, ok, runner

COMMANDS = [
    ("status",),
    ("report", "monthly", "2026-10", "-o", "{dir}/m.xlsx", "--force"),
    ("report", "acceptance", "-o", "{dir}/a.xlsx", "--force"),
    ("report", "sla", "--month", "2026-10"),
    ("fault", "list", "--month", "2026-10"),
    ("change", "list"),
    ("inspect", "list"),
    ("confirm", "pending"),
    ("contract", "show"),
    ("staff", "list"),
]


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    """Two demo stores, 2 and 4 months of records, built once for the module."""
    folder = tmp_path_factory.mktemp("demos")
    paths = []
    for months in (2, 4):
        db = folder / f"demo{months}.db"
        with clock.fixed(NOW):  # a module fixture: the tests' clock is not fixed yet
            result = runner.invoke(app, ["demo", "--db", str(db), "--months", str(months), "--seed", "3"])
        assert result.exit_code == 0, result.output
        paths.append(db)
    return folder, paths


def count_statements(db, args: list[str]) -> int:
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", before)
    try:
        result = runner.invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    return len(seen)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_statements_do_not_grow_with_the_data(demos, command):
    folder, paths = demos
    args = [part.format(dir=folder) for part in command]
    small, large = (count_statements(db, args) for db in paths)
    assert small == large, f"{command}: {small} statements for 2 months of data, {large} for 4"


def test_light_views_equal_record_views(store_env):
    """Reports that only read tickets load them as rows (`each_fault(light=True)`): the views, the
    clocks and what they print must be exactly those of the records."""
    from opsdesk.desk import Desk
    from opsdesk.faults.views import each_fault, fault_dict
    from opsdesk.store.engine import open_store

    ok("demo", "--db", str(store_env), "--months", "2")
    store = open_store(store_env)
    try:
        with store.transaction(write=False) as session:
            desk = Desk(session, "tester", NOW)
            full = [(fault_dict(v), v.clocks, v.late) for v in each_fault(desk)]
            light = [(fault_dict(v), v.clocks, v.late) for v in each_fault(desk, light=True)]
    finally:
        store.close()
    assert len(full) > 100 and light == full
