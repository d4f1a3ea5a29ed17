"""The store: migrations produce the schema the models describe; newer databases are refused."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

import opsdesk.store.models  # noqa: F401 - registers the tables
from opsdesk.errors import StoreError
from opsdesk.store.engine import SqliteStore as Store
from opsdesk.store.migrations import MIGRATIONS
from tests.conftest import check_schema


def test_blank_database_migrates_to_the_models(tmp_path):
    store = Store.open(tmp_path / "x.db", create=True)
    store.close()
    conn = sqlite3.connect(tmp_path / "x.db")
    check_schema(lambda name: {row[1]: (row[3] == 1) for row in conn.execute(f'PRAGMA table_info("{name}")')})
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY id")]
    assert names == [m.__name__ for m in MIGRATIONS]


def test_pragmas_and_file_mode(tmp_path):
    store = Store.open(tmp_path / "x.db", create=True)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.close()
    assert stat.S_IMODE((tmp_path / "x.db").stat().st_mode) == 0o600


def test_newer_database_is_refused(tmp_path):
    Store.open(tmp_path / "x.db", create=True).close()
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('m999_future', '2030-01-01T00:00:00')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"written by a newer opsdesk \(schema m999_future, this opsdesk knows up to "):
        Store.open(tmp_path / "x.db")


def test_reopening_is_idempotent(tmp_path):
    Store.open(tmp_path / "x.db", create=True).close()
    store = Store.open(tmp_path / "x.db")
    assert store.migrated == []
    assert [n for n, _ in store.applied_migrations()] == [m.__name__ for m in MIGRATIONS]
    store.close()


def _schema(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()


def test_first_schema_migrates_to_the_current_one(tmp_path):
    """tests/store/fixtures/m001.db was written by the first release (schema m001, built with that commit's CLI):
    it upgrades after a backup, with every record and a valid chain."""
    import shutil

    from tests.conftest import ok

    old = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "m001.db", old)
    store = Store.open(old)
    assert store.migrated == [m.__name__ for m in MIGRATIONS[1:]]
    assert store.backup_path == tmp_path / "old.db.before-m002_contract_records.bak"
    assert store.backup_path.exists()
    store.close()
    Store.open(tmp_path / "new.db", create=True).close()
    assert _schema(old) == _schema(tmp_path / "new.db")
    # m011 recorded the calendar of the contract's years (2026-09-01 to 2027-08-31, and the acceptance window
    # after it) from the package installed now: the calendar its verdicts were judged by, two more events
    assert ok("--db", str(old), "verify").startswith("History verified: 16 events")
    assert _recorded_years(old) == [(2026, 1, "holidays 0.109"), (2027, 0, "holidays 0.109")]
    faults = json.loads(ok("--db", str(old), "fault", "list", "--json"))
    assert [(f["id"], f["status"], f["confirmed_by"]) for f in faults] == [
        (1, "confirmed", "陈主任"),
        (2, "open", None),
    ]
    assert [[c["state"] for c in f["clocks"].values()] for f in faults] == [["met"] * 3, ["overdue"] * 3]
    ok("--db", str(old), "fault", "respond", "2", "--at", "2026-10-10 09:20")
    assert ok("--db", str(old), "verify").startswith("History verified: 17 events")


def _recorded_years(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT year, published, source FROM official_year ORDER BY year"))
    finally:
        conn.close()


def test_the_upgrade_records_the_years_as_the_package_has_them(tmp_path):
    """What m011 records of each year is the installed package's schedule, day for day, and its
    events say who recorded it: the upgrade."""
    import shutil

    from opsdesk.sla.workcalendar import package_year, year_differences
    from opsdesk.store.calendar_record import year_of
    from opsdesk.store.models import OfficialYearRecord

    old = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "m001.db", old)
    store = Store.open(old)
    try:
        with store.transaction(write=False) as session:
            from sqlmodel import select

            for row in session.exec(select(OfficialYearRecord)):
                assert year_differences(year_of(row), package_year(row.year)) == []
                assert year_of(row) == package_year(row.year)
    finally:
        store.close()
    conn = sqlite3.connect(old)
    actions = list(conn.execute("SELECT actor, action, entity_id FROM event WHERE entity = 'official_year'"))
    conn.close()
    assert actions == [
        ("opsdesk (upgrade m011)", "calendar.record", 2026),
        ("opsdesk (upgrade m011)", "calendar.record", 2027),
    ]


def test_added_columns_and_the_table_list_agree_with_the_migrations(tmp_path, store_env):
    """Two lists kept by hand beside the migrations: ``history.ADDED_COLUMNS`` (the columns a later
    migration adds to a table an earlier one created; a replay gives them their defaults) and
    ``migrations.OPSDESK_TABLES`` (every table of an opsdesk database: `demo --replace` empties them)."""
    from sqlalchemy import create_engine, inspect

    from opsdesk.store.engine import open_store
    from opsdesk.store.history import ADDED_COLUMNS
    from opsdesk.store.migrations import OPSDESK_TABLES
    from opsdesk.store.models import ENTITIES

    engine = create_engine(f"sqlite:///{tmp_path / 'steps.db'}")
    created: dict[str, set[str]] = {}  # each table's columns as the migration that created it left them
    added: dict[str, set[str]] = {}
    try:
        for migration in MIGRATIONS:
            with engine.begin() as conn:
                migration(conn)
                schema = inspect(conn)
                for table in schema.get_table_names():
                    columns = {c["name"] for c in schema.get_columns(table)}
                    created.setdefault(table, columns)
                    if columns - created[table]:
                        added[table] = columns - created[table]
    finally:
        engine.dispose()
    bookkeeping = {"alert_channel": {"purpose"}, "alert_delivery": {"anchor"}}  # not replayed: m013's witness
    assert {t: c for t, c in added.items() if t not in bookkeeping} == {
        ENTITIES[entity].__table__.name: set(names) for entity, names in ADDED_COLUMNS.items()
    }
    assert {t: c for t, c in added.items() if t in bookkeeping} == bookkeeping

    store = open_store(store_env, create=True)  # a blank database of the backend under test, migrated
    try:
        assert set(inspect(store.engine).get_table_names()) == OPSDESK_TABLES
    finally:
        store.close()


@pytest.mark.sqlite_only  # no store involved
def test_the_store_and_the_command_line_name_the_same_opsdesk_folder(monkeypatch, tmp_path):
    """PostgreSQL backups go to ``paths.app_dir()`` (the store imports no CLI framework); the default
    database goes to Typer's app folder. The two are one folder."""
    import typer

    from opsdesk.cli.common import db_path, state
    from opsdesk.paths import app_dir

    monkeypatch.setattr(state, "db", None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for config_home in (str(tmp_path / "config"), "", None):
        if config_home is None:
            monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CONFIG_HOME", config_home)
        assert app_dir() == Path(typer.get_app_dir("opsdesk"))
        assert db_path() == app_dir() / "opsdesk.db"


@pytest.mark.slow
def test_six_commands_at_once_on_an_old_schema_all_succeed(contract, tmp_path):
    """The first commands after an upgrade, started together: one migrates (after a backup), the
    others wait for it, then find nothing to do; none fails, and each migration is applied once."""
    import os
    import subprocess
    import sys

    from tests.conftest import NOW, connect, ok

    conn = connect(contract)  # back to the schema before m012, as a store the previous release wrote
    conn.execute("ALTER TABLE exception_request DROP COLUMN edit_values")
    conn.execute("DELETE FROM schema_migrations WHERE name = 'm012_correction_requests'")
    conn.commit()
    conn.close()
    together = Path(__file__).parents[1] / "workers" / "together.py"
    go = tmp_path / "go"
    env = {k: v for k, v in os.environ.items() if k != "OPSDESK_DB"}
    commands = [["fault", "open", "queue", f"并发 {n}"] for n in range(3)] + [["fault", "list"], ["status"], ["verify"]]
    procs = [
        subprocess.Popen(
            [sys.executable, str(together), str(go), NOW.isoformat(), "--db", str(contract), *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    assert [p.stdout.readline() for p in procs] == ["ready\n"] * 6
    go.touch()  # all six start now
    results = [(p.communicate(timeout=600)[1], p.returncode) for p in procs]
    assert [code for _, code in results] == [0] * 6, results
    assert not any("Error" in err or "Traceback" in err for err, _ in results), results
    assert sum("upgraded" in err for err, _ in results) == 1, results  # one migrated, the others waited
    conn = connect(contract)
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY id")]
    conn.close()
    assert sorted(names) == sorted(m.__name__ for m in MIGRATIONS)  # each once (m012 re-applied last)
    assert json.loads(ok("verify", "--json"))["counts"]["ticket"] == 3
    if isinstance(contract, Path):
        assert sorted(p.name for p in contract.parent.glob("opsdesk.db.*")) == [
            "opsdesk.db.before-m012_correction_requests.bak"  # one backup, by the one that migrated; no lock left
        ]
