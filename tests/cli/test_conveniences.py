"""The daily desk: fewer keystrokes, fewer surprises (filters, numbering, Chinese words, exits)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import at, ok, refused, run

MON = "2026-12-07"


def open_at(system: str, symptom: str, hhmm: str, *extra: str) -> None:
    ok("fault", "open", system, symptom, "--at", f"{MON} {hhmm}", *extra, now=at(MON, hhmm))


def ids(*args: str) -> list[int]:
    return [f["id"] for f in json.loads(ok("fault", "list", *args, "--json", now=at(MON, "12:00")))]


def test_fault_list_filters_by_text_reporter_and_department(contract):
    open_at("queue", "叫号屏黑屏", "09:00", "--reporter", "王护士", "--dept", "门诊部")
    open_at("bi", "大屏无数据", "09:10", "--reporter", "李医生", "--dept", "信息科")
    open_at("cdss", "提示错误", "09:20", "--reporter", "王护士", "--dept", "信息科")
    ok("fault", "note", "3", "怀疑与叫号屏黑屏有关", now=at(MON, "09:30"))
    assert sorted(ids("--search", "黑屏")) == [1, 3]  # a symptom, or a note
    assert sorted(ids("--reporter", "王护士")) == [1, 3]
    assert ids("--dept", "门诊部") == [1]
    assert ids("--search", "%") == []  # a LIKE wildcard is a plain character


def test_fault_list_is_most_urgent_first_unless_by_time(contract):
    open_at("queue", "a", "09:00", "--kind", "data")  # 1 working day: due Tue 09:00
    open_at("bi", "b", "09:10")  # 2 working days: due Wed 09:10
    open_at("cdss", "c", "09:20", "--kind", "defect")  # due Tue 09:20
    for n, hhmm in ((1, "09:05"), (2, "09:15"), (3, "09:25")):  # answered and on site: resolution runs alone
        ok("fault", "respond", str(n), "--at", f"{MON} {hhmm}", now=at(MON, hhmm))
        ok("fault", "arrive", str(n), "--at", f"{MON} {hhmm}", now=at(MON, hhmm))

    def listed(*args: str) -> list[str]:
        return [ln.split("\t")[0] for ln in ok("fault", "list", *args, now=at(MON, "12:00")).splitlines()[2:]]

    assert listed() == ["1", "3", "2"]
    assert listed("--by-time") == ["1", "2", "3"] and ids() == [1, 2, 3]  # --json: oldest report first


def test_notes_are_numbered_per_fault(contract):
    open_at("queue", "a", "09:00")
    open_at("bi", "b", "09:10")
    assert ok("fault", "note", "1", "x", now=at(MON, "09:30")) == "Fault 1: note 1 at 2026-12-07 09:30\n"
    assert ok("fault", "note", "2", "y", now=at(MON, "09:31")) == "Fault 2: note 1 at 2026-12-07 09:31\n"
    assert ok("fault", "note", "1", "z", now=at(MON, "09:32")) == "Fault 1: note 2 at 2026-12-07 09:32\n"
    notes = json.loads(ok("fault", "show", "1", "--json"))["notes"]
    assert [(n["number"], n["text"]) for n in notes] == [(1, "x"), (2, "z")]


def test_enumerated_options_take_their_chinese_words(contract):
    open_at("queue", "a", "09:00", "--channel", "电话", "--kind", "故障")
    assert json.loads(ok("fault", "show", "1", "--json"))["channel"] == "phone"
    ok("work", "log", "cdss", "备份检查", "--type", "备份", "--minutes", "30", now=at(MON, "10:00"))
    assert json.loads(ok("work", "list", "--json"))[0]["type"] == "backup"


def test_a_group_without_a_command_lists_its_commands_on_stdout(contract):
    result = run("fault")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("opsdesk fault: Fault tickets")
    assert "  open " in result.stdout and "See `opsdesk fault COMMAND -h`" in result.stdout


def test_status_json_gives_the_contracts_last_day_as_the_text_does(contract):
    data = json.loads(ok("status", "--json"))
    assert data["contract"]["end"] == "2027-08-31"
    assert "2026-09-01 to 2027-08-31" in ok("status")


@pytest.mark.sqlite_only  # a file path
def test_init_refuses_a_database_folder_that_does_not_exist(tmp_path):
    target = tmp_path / "typo" / "opsdesk.db"
    args = ["--db", str(target), "init", "--name", "n", "--hospital", "h", "--vendor", "v", "--start", "2026-09-01"]
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the folder {target.parent} does not exist; check --db, or add --parents to create it\n"
    )
    assert not target.parent.exists()
    assert run(*args, "--parents").exit_code == 0 and target.exists()


def test_ctrl_c_says_nothing_was_recorded_and_exits_130(contract, monkeypatch):
    import opsdesk.faults.tickets

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(opsdesk.faults.tickets, "open_fault", interrupted)
    result = run("fault", "open", "queue", "x")
    assert (result.exit_code, result.stderr) == (130, "Error: aborted: nothing was recorded\n")
    refused(["fault", "show", "1"], "no fault 1; `opsdesk fault list` shows the faults on record", contract)


def test_status_says_what_changed_since_yesterday(contract):
    ok("fault", "open", "queue", "a", "--at", "2026-12-06 09:00", now=at("2026-12-06", "09:00"))  # Sunday
    ok("fault", "respond", "1", "--at", "2026-12-06 09:10", now=at("2026-12-06", "09:10"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-12-06 09:20",
        now=at("2026-12-06", "09:20"),
    )
    open_at("bi", "b", "09:00")  # Monday 09:00, never answered: response breached at 09:30
    data = json.loads(ok("status", "--json", now=at(MON, "10:00")))  # since Friday 18:00: Sunday's fault too
    assert data["since_yesterday"] == {
        "opened": [1, 2],
        "resolved": [1],
        "breached": [2],
        "since": "2026-12-04T18:00:00+08:00",
    }
    assert "Since the last working day's end (周五 12-04 18:00): opened 1, 2; resolved 1; breached 2" in ok(
        "status", now=at(MON, "10:00")
    )
    later = json.loads(ok("status", "--json", now=at("2026-12-06", "12:00")))["since_yesterday"]
    assert later == {"opened": [1], "resolved": [1], "breached": [], "since": "2026-12-04T18:00:00+08:00"}
    tuesday = json.loads(ok("status", "--json", now=at("2026-12-08", "09:00")))["since_yesterday"]
    assert (tuesday["since"], tuesday["opened"]) == ("2026-12-07T18:00:00+08:00", [])
    assert "Since yesterday" not in ok("status", now=at("2026-12-08", "09:00"))  # nothing since Monday 18:00


def test_status_after_a_holiday_and_a_working_weekend_counts_from_the_last_working_day(contract):
    """2026-10-08 (Thursday) follows 国庆 1-7 October: since 09-30 18:00. 2026-10-12 (Monday) follows the
    swapped working Saturday 10-10: since Saturday 18:00."""
    ok("fault", "open", "queue", "a", "--at", "2026-10-03 09:00", now=at("2026-10-03", "09:00"))
    after_holiday = json.loads(ok("status", "--json", now=at("2026-10-08", "09:00")))["since_yesterday"]
    assert (after_holiday["since"], after_holiday["opened"]) == ("2026-09-30T18:00:00+08:00", [1])
    after_swap = json.loads(ok("status", "--json", now=at("2026-10-12", "09:00")))["since_yesterday"]
    assert after_swap["since"] == "2026-10-10T18:00:00+08:00"


@pytest.mark.parametrize("command", [["status"], ["fault", "list"], ["report", "sla"]])
def test_a_reader_that_leaves_early_gets_no_traceback(contract, command):
    """`opsdesk status | true`: the pipe's reader has gone before anything is written; the command ends
    quietly (no BrokenPipeError traceback, no "Exception ignored")."""
    import os
    import subprocess
    import sys

    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:00")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "OPSDESK_FORCE_TERMINAL")}
    env.update(OPSDESK_DB=str(contract))
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsdesk", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `true` does: it never reads
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err
