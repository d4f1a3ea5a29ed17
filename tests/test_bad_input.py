"""The bad-input matrix: every kind of wrong input, over the commands, gets one line and writes nothing."""

from __future__ import annotations

import json
import os

import pytest

from conftest import ok, run, snapshot

LONG = "长" * 10_000
CSV = "item,result,verdict,note\n实例与监听状态,正常,ok,\n"

CASES = [
    # unknown ids
    (["fault", "respond", "999"], 1),
    (["fault", "show", "999"], 1),
    (["fault", "explain", "999"], 1),
    (["fault", "edit", "999", "--cause", "x"], 1),
    (["fault", "note", "999", "x"], 1),
    (["change", "show", "999"], 1),
    (["change", "implement", "999"], 1),
    (["change", "accept", "999", "--by", "x"], 1),
    (["inspect", "risk", "999", "x", "--level", "low", "--remedy", "r"], 1),
    (["inspect", "risk-done", "999"], 1),
    (["confirm", "fault", "999", "--by", "x"], 1),
    (["confirm", "work", "999", "--by", "x"], 1),
    (["staff", "end", "nobody", "--at", "2026-12-01"], 1),
    # unknown system
    (["fault", "open", "pacs", "x"], 1),
    (["change", "open", "pacs", "x", "--type", "adaptive"], 1),
    (["training", "add", "pacs", "t", "--trainer", "a", "--attendees", "3", "--hours", "1"], 1),
    (["work", "log", "pacs", "x", "--type", "os"], 1),
    (["system", "rename", "pacs", "y"], 1),
    (["import", "map", "产品", "pacs"], 1),
    (["fault", "list", "--system", "pacs"], 1),
    (["inspect", "template", "show", "pacs"], 1),
    (["change", "list", "--system", "pacs"], 1),
    # empty and huge text
    (["fault", "open", "queue", ""], 2),
    (["fault", "note", "1", "  "], 2),
    (["fault", "open", "queue", LONG], 2),
    (["change", "open", "queue", "", "--type", "adaptive"], 2),
    (["work", "log", "queue", LONG, "--type", "os"], 2),
    (["fault", "resolve", "1", "--cause", "", "--action", "a"], 2),
    (["system", "add", "pacs", ""], 2),
    (["system", "add", "p a c s", "影像"], 2),
    (["calendar", "add-holiday", "2026-12-24", "--note", ""], 2),
    # months and dates that do not exist
    (["fault", "list", "--month", "2026-13"], 2),
    (["report", "sla", "--month", "2026-13"], 2),
    (["report", "monthly", "2026-13"], 2),
    (["calendar", "show", "2026-13"], 2),
    (["inspect", "gaps", "--month", "2026-13"], 2),
    (["inspect", "list", "--month", "13-2026"], 2),
    (["calendar", "add-holiday", "2026-02-30", "--note", "x"], 2),
    (["report", "acceptance", "--to", "2026-02-30"], 2),
    (["report", "sla", "--from", "2026-02-30", "--to", "2026-03-01"], 2),
    (["staff", "add", "a", "--role", "r", "--phone", "1", "--email", "a@b.c", "--from", "2026-02-30"], 2),
    (["fault", "open", "queue", "x", "--at", "2026-02-30 10:00"], 2),
    (["fault", "open", "queue", "x", "--at", "25:61"], 2),
    (["inspect", "risk", "1", "x", "--level", "low", "--remedy", "r", "--due", "2026-02-30"], 2),
    # periods outside the contract's service (2026-09-01 to 2027-08-31)
    (["report", "monthly", "2026-08"], 2),
    (["report", "monthly", "2027-09"], 2),
    (["report", "sla", "--month", "2026-08"], 2),
    (["report", "sla", "--from", "2026-01-01", "--to", "2026-08-31"], 2),
    (["report", "acceptance", "--to", "2026-08-31"], 2),
    (["inspect", "gaps", "--month", "2026-08"], 2),
    # wrong values
    (["fault", "open", "queue", "x", "--kind", "hardware"], 2),
    (["fault", "open", "queue", "x", "--channel", "fax"], 2),
    (["change", "open", "queue", "x", "--type", "cosmetic"], 2),
    (["work", "log", "queue", "x", "--type", "nap"], 2),
    (["work", "list", "--type", "backups"], 2),
    (["staff", "add", "a", "--role", "r", "--phone", "abc", "--email", "a@b.c"], 2),
    (["training", "add", "queue", "t", "--trainer", "a", "--attendees", "0", "--hours", "1"], 2),
    (["training", "add", "queue", "t", "--trainer", "a", "--attendees", "3", "--hours", "99"], 2),
    (["contract", "set", "response_inside_min", "soon"], 2),
    (["contract", "set", "timezone", "Mars/Olympus"], 2),
    (["import", "map", "9", "fault", "--severity"], 2),
    (["fault", "explain", "1", "sideways"], 2),
    (["report", "monthly", "2026-11", "--lang", "fr"], 2),
    (["backup", "--keep", "0"], 2),
    (["demo", "--months", "0"], 2),
    (["fault", "list", "--bogus"], 2),
    (["fault", "respond", "one"], 2),
    (["calendar", "confirm", "1999"], 1),
    (["calendar", "check", "99999"], 2),
    # files
    (["confirm", "import", "notes.txt"], 2),
    (["confirm", "import", "missing.xlsx"], 1),
    (["import", "zentao-bugs", "missing.csv"], 1),
    (["import", "zentao-bugs", "notes.txt"], 2),
    (["inspect", "queue", "--from-file", "missing.csv"], 1),
    (["inspect", "template", "set", "queue", "notes.txt"], 2),
    (["restore", "notes.txt"], 1),
]


@pytest.fixture
def populated(contract, tmp_path, monkeypatch):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:00")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("just some notes\n", encoding="utf-8")
    return contract


@pytest.mark.parametrize(("args", "code"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_matrix(populated, args, code):
    before = snapshot(populated)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert snapshot(populated) == before


@pytest.mark.parametrize(
    "text", ["😀 叫号屏黑屏 🏥", "叫号屏 ABC 混合 ⅰⅱ", "'; DROP TABLE ticket; --", "=1+1", "a\nb\tc"]
)
def test_odd_but_valid_text_is_kept_exactly(populated, text):
    ok("fault", "open", "queue", text)
    assert json.loads(ok("fault", "show", "2", "--json"))["symptom"] == text.strip()
    assert json.loads(ok("verify", "--json"))["ok"]


def test_times_with_other_offsets_are_converted(populated):
    ok("fault", "open", "queue", "x", "--at", "2026-12-07T01:00:00+00:00")
    ok("fault", "respond", "2", "--at", "2026-12-06T20:10-05:00")
    data = json.loads(ok("fault", "show", "2", "--json"))
    assert (data["reported_at"], data["responded_at"]) == ("2026-12-07T09:00:00+08:00", "2026-12-07T09:10:00+08:00")


@pytest.mark.parametrize("target", ["missing-dir/none.db", ".", "notes.txt"])
def test_bad_db_paths(populated, target):
    result = run("--db", target, "status")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files anyway")
def test_read_only_database(populated):
    os.chmod(populated, 0o400)
    try:
        result = run("fault", "open", "queue", "x")
        assert result.exit_code == 1
        assert "read-only" in result.stderr
    finally:
        os.chmod(populated, 0o600)


def test_periods_at_the_service_edges_are_accepted(contract):
    assert "Every system" not in ok("inspect", "gaps", "--month", "2026-09")  # the first month: all five owed
    assert ok("report", "sla", "--from", "2026-08-01", "--to", "2026-09-01").startswith(
        "# SLA 2026-08-01 to 2026-09-01"
    )
    assert run("report", "sla", "--month", "2027-08", "--json").exit_code == 0
    assert json.loads(ok("report", "acceptance", "--to", "2027-09-30", "--json"))["last"] == "2027-08-31"
    assert run("report", "monthly", "2026-09", "--json").exit_code == 0  # the first month
    assert run("report", "monthly", "2027-08", "--json").stderr.startswith("Error: 2027-08 has not begun")  # the last
    assert run("report", "sla", "--month", "2027-09").stderr == (
        "Error: month 2027-09 is outside the contract's service period, 2026-09-01 to 2027-08-31\n"
    )
