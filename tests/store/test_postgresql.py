"""The PostgreSQL store: its schema, backups into SQLite files, moving a store in, and its errors.

Every store and CLI test already runs against PostgreSQL when ``OPSDESK_TEST_PG`` is set (see
conftest.py); these are the checks only a PostgreSQL store has. The error cases need no server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import opsdesk.store.models  # noqa: F401 - registers the tables
from opsdesk.store.engine import open_store
from opsdesk.store.migrations import MIGRATIONS
from tests.conftest import PG, check_schema, connect, ok, run, snapshot

needs_pg = pytest.mark.skipif(PG is None, reason="OPSDESK_TEST_PG names no PostgreSQL server")


@pytest.fixture
def pg(backend: str, store_env):
    """Only the PostgreSQL run of a test (the SQLite run is the rest of the suite)."""
    if backend != "pg":
        pytest.skip("a PostgreSQL-only check")
    return store_env


@needs_pg
def test_blank_schema_migrates_to_the_models(pg):
    open_store(pg, create=True).close()
    conn = connect(pg)
    sql = (
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?"
    )
    check_schema(lambda name: {column: nullable == "NO" for column, nullable in conn.execute(sql, (name,))})
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY id")]
    assert names == [m.__name__ for m in MIGRATIONS]


@needs_pg
def test_a_first_release_schema_upgrades_in_place(pg, tmp_path):
    """A schema left at m001 (with a record in it) migrates on open, after a backup of what it held."""
    from sqlalchemy import create_engine, text

    from opsdesk.store.engine import pg_url
    from opsdesk.store.migrations import run_ddl

    engine = create_engine(pg_url(pg))
    with engine.begin() as conn:
        run_ddl(
            conn,
            "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            "applied_at TEXT NOT NULL)",
        )
        MIGRATIONS[0](conn)
        conn.execute(text("INSERT INTO schema_migrations (name, applied_at) VALUES ('m001_initial', '2026-09-01')"))
        conn.execute(text("INSERT INTO system (code, name, active) VALUES ('queue', '智能候诊', true)"))
    engine.dispose()
    store = open_store(pg)
    assert store.migrated == [m.__name__ for m in MIGRATIONS[1:]]
    assert store.backup_path.name.endswith(".before-m002_contract_records.db") and store.backup_path.exists()
    store.close()
    conn = connect(pg)
    assert conn.execute("SELECT time_unknown FROM ticket").fetchall() == []
    assert conn.execute("SELECT code FROM system").fetchall() == [("queue",)]


@needs_pg
def test_a_first_release_backup_restores_into_postgresql(pg):
    """tests/store/fixtures/m001.db (written by the first release) is upgraded on a copy and moved in whole."""
    fixture = Path(__file__).parent / "fixtures" / "m001.db"
    before = fixture.read_bytes()
    ok("restore", str(fixture))
    assert fixture.read_bytes() == before
    assert ok("verify").startswith("History verified: 16 events")  # 14, and m011's 2 recorded years
    ok("fault", "respond", "2", "--at", "2026-10-10 09:20")
    assert ok("verify").startswith("History verified: 17 events")


@needs_pg
def test_backup_is_an_sqlite_store_and_restores_into_a_fresh_schema(pg, tmp_path, monkeypatch):
    ok("demo", "--db", pg, "--months", "1")
    head = json.loads(ok("verify", "--json"))
    backup = tmp_path / "pg-backup.db"
    assert ok("backup", str(backup)).startswith("Backed up ")
    assert backup.read_bytes()[:16] == b"SQLite format 3\x00"
    # The backup is an ordinary opsdesk store: the same history, the same answers.
    monkeypatch.setenv("OPSDESK_DB", str(backup))
    assert json.loads(ok("verify", "--json")) == head
    sqlite_status = ok("status")
    monkeypatch.setenv("OPSDESK_DB", pg)
    assert ok("status") == sqlite_status
    # Restoring replaces every row; new ids continue after the restored ones.
    ok("fault", "open", "queue", "restore 之后", "--at", "09:00")
    result = run("restore", str(backup))
    assert result.exit_code == 1 and "add --force if that is intended" in result.stderr
    ok("restore", "--force", str(backup))
    assert json.loads(ok("verify", "--json")) == head
    opened = ok("fault", "open", "queue", "restore 之后", "--at", "09:00")
    assert opened.startswith(f"Opened fault {head['counts']['ticket'] + 1} ")
    assert json.loads(ok("verify", "--json"))["ok"]


@needs_pg
def test_an_sqlite_store_moves_into_postgresql(pg, tmp_path, monkeypatch):
    laptop = tmp_path / "laptop.db"
    ok("demo", "--db", str(laptop), "--months", "1")
    monkeypatch.setenv("OPSDESK_DB", str(laptop))
    before = json.loads(ok("verify", "--json"))
    listing = ok("fault", "list", "--json")
    monkeypatch.setenv("OPSDESK_DB", pg)
    ok("restore", str(laptop))
    assert json.loads(ok("verify", "--json")) == before
    assert ok("fault", "list", "--json") == listing


@needs_pg
def test_demo_replace_empties_only_opsdesks_tables(pg):
    ok("demo", "--db", pg, "--months", "1")
    conn = connect(pg)
    conn.execute("CREATE TABLE notes_of_someone_else (id integer)")
    conn.execute("INSERT INTO notes_of_someone_else VALUES (1)")
    conn.commit()
    result = run("demo", "--db", pg, "--months", "1")
    assert result.exit_code == 1
    assert "already holds a contract; add --replace" in result.stderr
    ok("demo", "--db", pg, "--months", "1", "--replace")
    assert conn.execute("SELECT count(*) FROM notes_of_someone_else").fetchone() == (1,)
    conn.close()


@needs_pg
def test_a_foreign_postgresql_database_is_refused(pg):
    conn = connect(pg)
    conn.execute("CREATE TABLE patients (id integer)")
    conn.commit()
    before = snapshot(pg)
    result = run("status")
    assert result.exit_code == 1
    assert "is a PostgreSQL database but not opsdesk's (it holds patients)" in result.stderr
    assert snapshot(pg) == before


@pytest.mark.sqlite_only
def test_unreachable_server_is_one_line(monkeypatch):
    monkeypatch.setenv("OPSDESK_DB", "postgresql+psycopg://someone:secret@127.0.0.1:1/opsdesk")
    result = run("status")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot use PostgreSQL database postgresql+psycopg://someone:***@127.0.0.1:1/"
    )
    assert result.stderr.count("\n") == 1 and "secret" not in result.stderr and "Traceback" not in result.output


@pytest.mark.sqlite_only
def test_db_path_hides_the_password(monkeypatch):
    monkeypatch.setenv("OPSDESK_DB", "postgresql://someone:secret@db.internal/opsdesk")
    assert ok("db", "path") == "postgresql://someone:***@db.internal/opsdesk\n"
    monkeypatch.setenv("OPSDESK_DB", "postgresql://someone@db.internal/opsdesk?password=s3cret&sslmode=require")
    assert ok("db", "path") == "postgresql://someone@db.internal/opsdesk?password=***&sslmode=require\n"


@pytest.mark.sqlite_only
def test_a_bad_port_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("OPSDESK_DB", "postgresql+psycopg://opsdesk@127.0.0.1:notaport/team")
    result = run("status")
    assert result.exit_code == 2 and result.stderr.startswith("Error: --db is not a valid database URL")
    assert result.stderr.count("\n") == 1


def test_demo_replace_never_replaces_a_real_contract(store_env, backend):
    ok("init", "--name", "真实合同", "--hospital", "医院", "--vendor", "公司", "--start", "2026-09-01")
    before = snapshot(store_env)
    result = run("demo", "--db", str(store_env), "--replace")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "holds the contract '真实合同', not a demo; --replace only rebuilds a demo database (choose another --db)\n"
    )
    assert snapshot(store_env) == before


@needs_pg
def test_backup_names_tell_servers_and_schemas_apart(pg):
    from opsdesk.store.engine import open_store as opened

    store = opened(pg, create=True)
    try:
        schema = pg.rsplit("%3D", 1)[1]
        assert store.backup_stem() == f"127.0.0.1-{store.engine.url.port}-{store.engine.url.database}@{schema}"
    finally:
        store.close()


@pytest.mark.sqlite_only
def test_other_database_kinds_are_a_usage_error(monkeypatch):
    monkeypatch.setenv("OPSDESK_DB", "mysql://root@localhost/opsdesk")
    result = run("status")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --db (or OPSDESK_DB) mysql://...: opsdesk keeps its data in an SQLite file (a path) or in PostgreSQL "
        "(postgresql+psycopg://user@host/dbname)\n",
    )


def test_pg_fixture_is_not_a_path(store_env, backend):
    """Guards the suite itself: the PostgreSQL run really points the CLI at PostgreSQL."""
    assert isinstance(store_env, str if backend == "pg" else Path)
    assert ok("db", "path").startswith("postgresql" if backend == "pg" else str(store_env))
