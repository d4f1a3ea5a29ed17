"""The workbook seal's key stays in the store: no backup holds it (so whoever has a backup cannot seal an
edited row), a PostgreSQL login refused SELECT on it still backs up and verifies, and a restore keeps
the store's own. And what the seal cannot do: whoever holds the key can seal an edited row."""

from __future__ import annotations

import sqlite3

import openpyxl

from tests.conftest import connect, ok, refused
from tests.reports.test_workbook_seal import SIGN, fill, signed  # noqa: F401 - the fixture
from tests.store.test_postgresql import needs_pg, pg  # noqa: F401 - pg: the PostgreSQL run only
from tests.store.test_shared_server import login, team  # noqa: F401 - the fixtures


def _key(db) -> str:
    conn = connect(db)
    try:
        return conn.execute("SELECT secret FROM workbook_seal").fetchone()[0]
    finally:
        conn.close()


def test_a_backup_never_holds_the_seal_and_a_restore_keeps_the_stores_own(signed, contract, tmp_path):  # noqa: F811
    key = _key(contract)
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    raw = backup.read_bytes()
    assert key.encode() not in raw and bytes.fromhex(key) not in raw  # not even in a free page
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT count(*) FROM workbook_seal").fetchone() == (0,)
    copy.close()
    ok("restore", str(backup), "--force")
    assert _key(contract) == key
    fill(signed, "故障处理", 2, **SIGN)
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )


def test_a_store_rebuilt_from_a_backup_seals_anew_and_its_old_workbooks_are_exported_again(
    signed,  # noqa: F811
    contract,
    tmp_path,
):
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    elsewhere = tmp_path / "new" / "opsdesk.db"
    elsewhere.parent.mkdir()
    ok("--db", str(elsewhere), "restore", str(backup))
    assert _key(elsewhere) != _key(contract)
    fill(signed, "故障处理", 2, **SIGN)
    refused(
        ["--db", str(elsewhere), "confirm", "import", str(signed)],
        "sheet 故障处理 row 2 (fault:1): the check cell 校验 does not match the row (it was edited, or the "
        "workbook comes from another database or an older opsdesk); nothing was confirmed; export the workbook again",
        elsewhere,
    )
    again = tmp_path / "again.xlsx"
    ok("--db", str(elsewhere), "report", "acceptance", "--to", "2026-11-30", "-o", str(again))
    fill(again, "故障处理", 2, **SIGN)
    assert ok("--db", str(elsewhere), "confirm", "import", str(again)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )


def test_whoever_holds_the_key_can_seal_an_edited_row(signed, contract):  # noqa: F811
    """The seal binds a row to the store that exported it: it lets the store refuse a workbook someone
    else edited. It proves nothing to the hospital or an auditor: the store's holder (anyone who can
    read the live store) seals an edited row that `confirm import` takes as its own export."""
    from opsdesk.reports.seal import cell_text, cells_check

    key = bytes.fromhex(_key(contract))
    fill(signed, "系统数据修复", 2, **SIGN, 响应="达标")  # the verdict was 超时
    wb = openpyxl.load_workbook(signed)
    ws = wb["系统数据修复"]
    head = [c.value for c in ws[1]]
    block = {"记录键", "校验", *SIGN, "意见（填写）", "确认日期（填写）"}
    sealed = [
        f"{title}\x1e{cell_text(ws.cell(2, n + 1).value)}"
        for n, title in enumerate(head)
        if title and title not in block
    ]
    record, check = ws.cell(2, head.index("记录键") + 1).value, ws.cell(2, head.index("校验") + 1).value
    digest = check.split("-")[1]
    ws.cell(2, head.index("校验") + 1, f"{cells_check(key, record, digest, sealed)}-{digest}")
    wb.save(signed)
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )


@needs_pg
def test_a_login_refused_the_seal_backs_up_and_verifies_but_cannot_read_it(team, login, tmp_path):  # noqa: F811
    ok("fault", "open", "queue", "叫号屏黑屏")
    url, name, _ = login("read")
    admin = connect(team)
    admin.execute(f"REVOKE SELECT ON workbook_seal FROM {name}")
    admin.close()
    from tests.conftest import run

    backup = tmp_path / "lead.db"
    assert run("backup", str(backup), env={"OPSDESK_DB": url}).exit_code == 0
    assert run("verify", env={"OPSDESK_DB": url}).stdout.startswith("History verified")
    assert _key(team).encode() not in backup.read_bytes()
    result = run("report", "acceptance", "-o", str(tmp_path / "a.xlsx"), env={"OPSDESK_DB": url})
    assert result.exit_code == 1
    assert "permission denied for table workbook_seal" in result.stderr


def test_a_backup_opened_as_a_store_says_it_holds_no_seal(signed, contract, tmp_path):  # noqa: F811
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    refused(
        ["--db", str(backup), "report", "acceptance", "--to", "2026-11-30", "-o", str(tmp_path / "a.xlsx")],
        "this database holds no workbook seal (a backup never does, and this may be one): restore it into a store "
        "with `opsdesk restore FILE`, which keeps that store's seal (or makes a new one)",
        backup,
    )
