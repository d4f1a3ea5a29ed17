"""A team on a shared database: record numbers without gaps, logins without the rights they need,
connection strings in the wrong form, a server that goes away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import PG, connect, ok, refused, run, snapshot
from tests.store.test_postgresql import needs_pg, pg  # noqa: F401 - pg: the PostgreSQL run only
from tests.zentao.test_import_and_feedback import bug, write_csv

STOP_BEFORE_COMMIT = Path(__file__).parents[1] / "workers" / "stop_before_commit.py"


@pytest.fixture
def team(pg, contract):  # noqa: F811
    """A contract in a PostgreSQL schema (the PostgreSQL run only)."""
    return contract


def _opened(text: str) -> int:
    return int(text.split()[2])


def test_record_numbers_have_no_gaps_after_a_rollback(contract, tmp_path):
    from opsdesk.cli.common import desk
    from opsdesk.faults.tickets import open_fault

    assert _opened(ok("fault", "open", "queue", "一")) == 1
    with pytest.raises(RuntimeError), desk() as d:  # a command that fails after writing its record
        open_fault(d, "queue", "写入后失败")
        d.session.flush()
        raise RuntimeError("killed")
    assert _opened(ok("fault", "open", "queue", "二")) == 2
    ok("import", "map", "智能候诊", "queue")
    path = write_csv(tmp_path / "b.csv", [bug(n) for n in range(1, 40)])
    ok("import", "zentao-bugs", path, "--dry-run")  # writes 39 faults, then rolls them back
    refused(
        ["import", "zentao-bugs", write_csv(tmp_path / "bad.csv", [bug(1), bug(2, opened="2026-13-01 10:00:00")])],
        "bad.csv row 3: cannot read the date '2026-13-01 10:00:00'; ZenTao writes 2026-11-02 09:15:00",
        contract,
        code=2,
    )
    assert _opened(ok("fault", "open", "queue", "三")) == 3
    ok("import", "zentao-bugs", path)
    assert _opened(ok("fault", "open", "queue", "四")) == 43
    conn = connect(contract)
    ids = [r[0] for r in conn.execute("SELECT id FROM ticket ORDER BY id")]
    conn.close()
    assert ids == list(range(1, 44))
    assert ok("verify").startswith("History verified")


def test_a_killed_import_skips_no_number(contract, tmp_path):
    """Killed after sending every row, before its commit: nothing is recorded and no number is used up.

    The worker stops the import at that moment and says so (a kill after a timed sleep raced the commit
    on a slower machine: killed after committing, it found the whole import recorded)."""
    ok("import", "map", "智能候诊", "queue")
    ok("fault", "open", "queue", "之前")
    path = write_csv(tmp_path / "big.csv", [bug(n) for n in range(1, 2_001)])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    before = snapshot(contract)
    proc = subprocess.Popen(
        [sys.executable, str(STOP_BEFORE_COMMIT), "import", "zentao-bugs", path],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout.readline() == "ready\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert snapshot(contract) == before
    assert _opened(ok("fault", "open", "queue", "之后")) == 2


def test_a_libpq_keyword_string_is_refused_naming_the_url_form(store_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = (
        "Error: --db (or OPSDESK_DB) is a libpq keyword string (host=... dbname=...); opsdesk takes a "
        "PostgreSQL database as a URL: postgresql+psycopg://USER@HOST:PORT/DBNAME (the password in "
        "~/.pgpass, not in the URL)\n"
    )
    for value in ("host=db.internal user=li password=s3cr3t dbname=opsdesk", "dbname='my contract' port=5432"):
        for args in (
            ["db", "path"],
            ["status"],
            ["init", "--name", "a", "--hospital", "b", "--vendor", "c", "--start", "2026-09-01"],
        ):
            result = run(*args, env={"OPSDESK_DB": value})
            assert (result.exit_code, result.stderr) == (2, message)
    assert list(tmp_path.iterdir()) == []  # no local file named after the connection string
    assert run("--db", "reports/a=b.db", "db", "path").stdout == "reports/a=b.db\n"  # a path with '=' is a path


def test_a_lost_connection_is_one_line(team, monkeypatch):
    """The server ends this command's session half-way (a restart, a cut network): nothing is recorded."""
    import psycopg
    from sqlalchemy import text

    from opsdesk.faults import tickets as faults

    real = faults.open_fault

    def cut_off(d, *args, **kwargs):
        ticket = real(d, *args, **kwargs)
        pid = d.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(PG.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return ticket

    monkeypatch.setattr(faults, "open_fault", cut_off)
    refused(["fault", "open", "queue", "断线"], "the connection to the server was lost; nothing was recorded", team)


@pytest.fixture
def login(team):
    """Make a login on the test server: ``login("read")`` may read the schema, ``login("none")`` nothing;
    returns the URL of the test's schema for it. Dropped afterwards."""
    made: list[str] = []
    schema = team.rsplit("%3D", 1)[1]
    admin = connect(team)

    def make(rights: str) -> str:
        name = f"o19_{rights}_{uuid.uuid4().hex[:6]}"
        admin.execute(f"CREATE ROLE {name} LOGIN")
        made.append(name)
        if rights in ("read", "usage", "engineer"):
            admin.execute(f"GRANT USAGE ON SCHEMA {schema} TO {name}")
        if rights == "read":
            admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {name}")
        if rights == "engineer":  # the grants README gives an engineer
            admin.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {name}")
        return team.replace("://opsdesk@", f"://{name}@", 1), name, schema

    yield make
    for name in made:
        admin.execute(f"DROP OWNED BY {name}")
        admin.execute(f"DROP ROLE {name}")
    admin.close()


@needs_pg
def test_a_login_without_rights_is_told_which_grant_is_missing(team, login):
    ok("fault", "open", "queue", "叫号屏黑屏")
    url, name, schema = login("none")
    for args in (["status"], ["init", "--name", "a", "--hospital", "b", "--vendor", "c", "--start", "2026-09-01"]):
        result = run(*args, env={"OPSDESK_DB": url})
        assert (result.exit_code, result.stderr) == (
            1,
            (
                f"Error: cannot use PostgreSQL database {url}: the schema {schema} does not exist, or the login {name} "
                f"may not use it; as the database's owner, CREATE SCHEMA {schema} first, or GRANT USAGE ON SCHEMA "
                f"{schema} TO {name}\n"
            ),
        )
    url, name, schema = login("usage")
    result = run("status", env={"OPSDESK_DB": url})
    assert (result.exit_code, result.stderr) == (
        1,
        (
            f"Error: cannot use PostgreSQL database {url}: permission denied for table schema_migrations: the login "
            f"{name} may not read opsdesk's tables; the owner grants it: GRANT USAGE ON SCHEMA {schema} TO {name}; "
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {name}\n"
        ),
    )


@needs_pg
def test_a_login_lacking_create_is_told_about_create(team, login):
    """A login that may use a new schema but not create tables in it is told the CREATE it lacks, not USAGE."""
    url, name, schema = login("usage")
    fresh = f"e_{uuid.uuid4().hex[:10]}"
    admin = connect(team)
    admin.execute(f"CREATE SCHEMA {fresh}")
    admin.execute(f"GRANT USAGE ON SCHEMA {fresh} TO {name}")
    try:
        fresh_url = url.replace(f"%3D{schema}", f"%3D{fresh}")
        result = run(
            "init",
            "--name",
            "a",
            "--hospital",
            "b",
            "--vendor",
            "c",
            "--start",
            "2026-09-01",
            env={"OPSDESK_DB": fresh_url},
        )
        assert (result.exit_code, result.stderr) == (
            1,
            (
                f"Error: cannot use PostgreSQL database {fresh_url}: permission denied for schema {fresh}: the login "
                f"{name} may use the schema {fresh} but not create tables in it, which setting opsdesk up (`opsdesk "
                f"init`) and upgrading it need; run that once as the schema's owner, or the owner grants: GRANT CREATE "
                f"ON SCHEMA {fresh} TO {name}\n"
            ),
        )
        assert admin.execute(f"SELECT count(*) FROM pg_tables WHERE schemaname = '{fresh}'").fetchone() == (0,)
    finally:
        admin.execute(f"DROP SCHEMA {fresh} CASCADE")
        admin.close()


@needs_pg
def test_a_read_only_login_reads_and_is_told_it_cannot_record(team, login):
    ok("fault", "open", "queue", "叫号屏黑屏")
    url, name, schema = login("read")
    assert run("status", env={"OPSDESK_DB": url}).exit_code == 0
    assert run("fault", "show", "1", env={"OPSDESK_DB": url}).exit_code == 0
    before = snapshot(team)
    result = run("fault", "open", "queue", "二", env={"OPSDESK_DB": url})
    assert (result.exit_code, result.stderr) == (
        1,
        (
            f"Error: permission denied for table ticket: the login {name} may read but not record (a read-only "
            f"login, as a lead's is); record with an engineer's login, or the owner grants it: GRANT SELECT, INSERT, "
            f"UPDATE ON ALL TABLES IN SCHEMA {schema} TO {name}\n"
        ),
    )
    assert snapshot(team) == before


@needs_pg
def test_an_engineers_login_records_and_imports_but_does_not_migrate(team, login, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, name, _ = login("engineer")
    env = {"OPSDESK_DB": url, "OPSDESK_USER": name}
    assert run("fault", "open", "queue", "一", env=env).stdout.startswith("Opened fault 1 ")
    assert run("import", "map", "智能候诊", "queue", env=env).exit_code == 0
    path = write_csv(tmp_path / "b.csv", [bug(n) for n in range(1, 6)])
    result = run("import", "zentao-bugs", path, env=env)
    assert result.stdout.startswith("5 fault(s) were created"), result.output
    assert run("fault", "open", "queue", "二", env=env).stdout.startswith("Opened fault 7 ")
    assert run("verify", env=env).stdout.startswith("History verified")
    conn = connect(team)  # as if a newer opsdesk's migration were still to run
    conn.execute("DELETE FROM schema_migrations WHERE name = 'm004_scale_indexes'")
    for index in (
        "ix_ticket_kind_reported_at",
        "ix_ticket_pending",
        "ix_change_request_open",
        "ix_inspection_pending",
        "ix_work_log_at",
        "ix_training_at",
    ):
        conn.execute(f"DROP INDEX {index}")
    conn.close()
    result = run("status", env=env)
    assert result.exit_code == 1 and result.stderr.startswith("Error: must be owner of table ticket: upgrading the ")
    assert result.stderr.endswith(
        "needs the login that owns its tables; run this opsdesk once as the owner (see README, 'Upgrading opsdesk on "
        "a shared database')\n"
    )
    owner = run("status")  # the owner upgrades
    assert owner.exit_code == 0, owner.output
    assert run("status", env=env).exit_code == 0
