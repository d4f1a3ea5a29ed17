"""The store: migrations produce the schema the models describe; newer databases are refused."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from sqlmodel import SQLModel

import opsdesk.models  # noqa: F401 - registers the tables
from opsdesk.errors import StoreError
from opsdesk.store import MIGRATIONS, Store


def test_blank_database_migrates_to_the_models(tmp_path):
    store = Store.open(tmp_path / "x.db", create=True)
    store.close()
    conn = sqlite3.connect(tmp_path / "x.db")
    for table in SQLModel.metadata.sorted_tables:
        columns = {row[1]: (row[3] == 1) for row in conn.execute(f'PRAGMA table_info("{table.name}")')}
        expected = {c.name: (not c.nullable and not c.primary_key) for c in table.columns}
        assert set(columns) == set(expected), table.name
        for name, not_null in expected.items():
            if not_null:
                assert columns[name], f"{table.name}.{name} should be NOT NULL"
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


def test_first_schema_migrates_to_the_current_one(tmp_path, monkeypatch):
    """A store made by the first release (m001 only) upgrades, after a backup, with its records and chain intact."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    import opsdesk.store
    from conftest import ok
    from opsdesk import history
    from opsdesk.models import Contract, System, Ticket

    old = tmp_path / "old.db"
    moment = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(opsdesk.store, "MIGRATIONS", MIGRATIONS[:1])
    store = Store.open(old, create=True)
    with store.transaction() as session:
        for row in (
            Contract(
                id=1,
                name="n",
                hospital="h",
                vendor="v",
                start_date=date(2026, 11, 1),
                months=12,
                terms="{}",
                created_at=moment,
            ),
            System(code="queue", name="智能候诊信息系统"),
            Ticket(system_id=1, kind="fault", symptom="x", reported_at=moment, reported_rec=moment),
        ):
            history.create(session, row, actor="t", action="seed", recorded_at=moment)
    store.close()
    monkeypatch.setattr(opsdesk.store, "MIGRATIONS", MIGRATIONS)
    store = Store.open(old)
    assert store.migrated == [m.__name__ for m in MIGRATIONS[1:]]
    assert store.backup_path == tmp_path / "old.db.before-m002_contract_records.bak"
    assert store.backup_path.exists()
    store.close()
    Store.open(tmp_path / "new.db", create=True).close()
    assert _schema(old) == _schema(tmp_path / "new.db")
    assert ok("--db", str(old), "verify").startswith("History verified: 3 events")
    assert ok("--db", str(old), "fault", "list", "--json").count('"symptom": "x"') == 1
