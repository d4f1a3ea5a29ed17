"""The calendar of record: the official schedule of each year the contract uses is recorded in the
store (with its history) when first used, and every verdict reads that record, never a cache file nor
a later package. A package that disagrees is reported by `calendar check` and moves a verdict only once
adopted as overrides, visible like any other."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from opsdesk.sla import workcalendar
from tests.conftest import at, connect, ok, refused, run, snapshot

INSTALLED = workcalendar.package_version()  # the real package's, before a test stands in a later one


def _fault_15_like(contract) -> dict:
    """A fault reported on Friday 2026-12-04 17:00 and fixed on Wednesday 2026-12-09 09:00: 1 h on the
    4th, 10 h on the 7th and on the 8th, 1 h on the 9th = 22 h against 20: late by 2 h. One day off more
    on the 7th or 8th would make it met, so it is the figure a vendor would want to move."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-12-04 17:00", now=at("2026-12-04", "17:01"))
    ok("fault", "respond", "1", "--at", "2026-12-04 17:10", now=at("2026-12-04", "17:11"))
    ok("fault", "arrive", "1", "--at", "2026-12-04 17:40", now=at("2026-12-04", "17:41"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-12-09 09:00",
        now=at("2026-12-09", "09:01"),
    )
    return _verdicts()


def _verdicts() -> dict:
    return {
        "fault": json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"],
        "sla": json.loads(ok("report", "sla", "--month", "2026-12", "--json"))["summary"],
    }


def _recorded(db) -> list[tuple]:
    conn = connect(db)
    try:
        return [tuple(r) for r in conn.execute("SELECT year, published, source FROM official_year ORDER BY year")]
    finally:
        conn.close()


def _with_day_off(year: workcalendar.OfficialYear, day: date, name: str) -> workcalendar.OfficialYear:
    return replace(year, names={**year.names, day: name}, source="holidays 9.9")


@pytest.fixture
def newer_package(monkeypatch):
    """A later holidays package that makes 2026-12-08 a day off (as a State Council notice might)."""
    real = workcalendar.package_year

    def package_year(year: int) -> workcalendar.OfficialYear:
        found = real(year)
        return (
            _with_day_off(found, date(2026, 12, 8), "临时假日")
            if year == 2026
            else replace(found, source="holidays 9.9")
        )

    monkeypatch.setattr(workcalendar, "package_year", package_year)
    monkeypatch.setattr(workcalendar, "package_version", lambda: "holidays 9.9")


def test_init_records_the_contracts_years_in_the_history(contract):
    """Service 2026-09-01 to 2027-08-31, acceptance within 30 working days after: 2026 (official in the
    package) and 2027 (not published yet: plain rules), each created by an event `verify` replays."""
    version = workcalendar.package_version()
    assert _recorded(contract) == [(2026, True, version), (2027, False, version)]
    data = json.loads(ok("verify", "--json"))
    assert data["ok"] is True and data["counts"]["official_year"] == 2
    conn = connect(contract)
    events = [tuple(r) for r in conn.execute("SELECT action, entity_id FROM event WHERE entity = 'official_year'")]
    conn.close()
    assert events == [("calendar.record", 2026), ("calendar.record", 2027)]


def test_no_cache_file_moves_a_verdict(contract, tmp_path, monkeypatch):
    """The issue's attack: a day off added to the calendar cache turned a late fault into a met one.
    No file outside the store is read for a verdict: written, edited or deleted, it changes nothing."""
    before = _fault_15_like(contract)
    assert before["fault"]["state"] == "breached"
    cache = tmp_path / "cache"
    monkeypatch.setenv("OPSDESK_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    for folder in (cache, tmp_path / "xdg" / "opsdesk"):
        folder.mkdir(parents=True)
        forged = {"published": list(range(2001, 2030)), "years": {"2026": _forged_2026()}}
        (folder / f"cn-calendar-holidays-{workcalendar.package_version().split()[1]}.json").write_text(
            json.dumps(forged, ensure_ascii=False), encoding="utf-8"
        )
    assert _verdicts() == before
    for folder in (cache, tmp_path / "xdg" / "opsdesk"):
        for path in folder.iterdir():
            path.unlink()
    assert _verdicts() == before


def _forged_2026() -> dict:
    year = workcalendar.package_year(2026)
    names = {d.isoformat(): n for d, n in year.names.items()} | {"2026-12-07": "伪造假日", "2026-12-08": "伪造假日"}
    return {
        "names": names,
        "weekend_workdays": sorted(d.isoformat() for d in year.weekend_workdays),
        "swapped_off": sorted(d.isoformat() for d in year.swapped_off),
    }


def test_a_later_package_is_reported_and_moves_no_verdict_until_adopted(contract, newer_package):
    before = _fault_15_like(contract)
    assert _verdicts() == before  # the record, not the package, judges
    result = run("calendar", "check")
    assert result.exit_code == 1, result.output
    assert "2026-12-08" in result.stdout and "临时假日" in result.stdout
    data = json.loads(run("calendar", "check", "2026", "--json").stdout)
    assert data["installed"] == "holidays 9.9" and data["unadopted"] == 1
    (year,) = data["years"]
    assert year["source"] == INSTALLED and year["recorded"] is True
    assert year["differences"] == [
        {
            "day": "2026-12-08",
            "recorded_working": True,
            "recorded_kind": "working",
            "recorded_reason": "工作日",
            "package_working": False,
            "package_kind": "holiday",
            "package_reason": "临时假日",
            "moves_verdicts": True,
            "adopted": False,
        }
    ]
    # adopting it re-judges fault 1: refused like any override, nothing written
    refused(
        ["calendar", "adopt", "2026"],
        "making 2026-12-08 a day off changes the SLA verdict of 1 fault(s) on record (1; 0 confirmed); "
        "add --retroactive to apply it anyway (the change stays visible in the history)",
        contract,
    )
    assert _verdicts() == before
    out = ok("calendar", "adopt", "2026", "--retroactive")
    assert out == "2026-12-08 is now a day off (holidays 9.9: 临时假日)\nSLA verdicts changed for fault(s): 1\n"
    after = _verdicts()
    assert after["fault"]["state"] == "met"
    overrides = json.loads(ok("calendar", "check", "2026", "--json"))["years"][0]
    assert overrides["differences"][0]["adopted"] is True
    assert overrides["changes"][0]["override"] == "holidays 9.9: 临时假日"
    refused(
        ["calendar", "adopt", "2026"],
        "holidays 9.9 works no day of 2026 differently from the calendar recorded "
        f"(from {INSTALLED}) and its overrides; nothing to adopt",
        contract,
    )


def test_check_passes_when_the_package_agrees(contract):
    result = run("calendar", "check")
    assert result.exit_code == 0, result.output
    version = workcalendar.package_version()
    assert f"Calendar 2026: recorded from {version} (official)\n{version} agrees with the record on every day\n" in (
        result.stdout
    )
    assert f"Calendar 2027: recorded from {version} (plain rules, NOT confirmed)" in result.stdout
    data = json.loads(ok("calendar", "check", "--json"))
    assert [y["year"] for y in data["years"]] == [2026, 2027] and data["unadopted"] == 0


def test_a_write_command_records_a_year_it_needs(contract):
    """A day off set in 2028 needs 2028's official schedule: recorded with the override, one transaction."""
    ok("calendar", "add-holiday", "2028-03-01", "--note", "院方停诊")
    assert [y for y, _, _ in _recorded(contract)] == [2026, 2027, 2028]
    assert json.loads(ok("verify", "--json"))["counts"]["official_year"] == 3
    conn = connect(contract)
    actions = [tuple(r) for r in conn.execute("SELECT action, entity, entity_id FROM event WHERE id > 8 ORDER BY id")]
    conn.close()
    assert actions == [("calendar.record", "official_year", 2028), ("calendar.override", "calendar_override", 1)]


def test_a_read_only_command_says_a_year_is_not_recorded(contract):
    before = snapshot(contract)
    result = run("calendar", "show", "2030-05")
    assert result.exit_code == 0, result.output
    version = workcalendar.package_version()
    assert result.stderr == (
        f"the official calendar of 2030 is not recorded in this store; taken from {version} for this command only "
        "(record it with `opsdesk calendar record 2030`)\n"
    )
    assert snapshot(contract) == before
    assert (
        ok("calendar", "record", "2030")
        == f"Calendar 2030 recorded from {version} (plain rules: not officially published yet)\n"
    )
    result = run("calendar", "show", "2030-05")
    assert result.stderr == ""
    refused(
        ["calendar", "record", "2030"],
        f"the calendar of 2030 is already recorded (from {version}); a later package's days are reported by "
        "`opsdesk calendar check` and adopted with `opsdesk calendar adopt 2030`",
        contract,
    )
    refused(
        ["calendar", "record", "1999"], "year 1999 is out of range; give a year from 2000 to 2099", contract, code=2
    )
    refused(
        ["calendar", "adopt", "2031"],
        "the calendar of 2031 is not recorded in this store, so nothing differs from it; "
        "record it with `opsdesk calendar record 2031`",
        contract,
    )


def test_verify_catches_a_recorded_year_edited_with_plain_sql(contract):
    conn = connect(contract)
    conn.execute(
        "UPDATE official_year SET days_off = replace(days_off, '}', ',\"2026-12-08\":\"x\"}') WHERE year = 2026"
    )
    conn.commit()
    conn.close()
    result = run("verify")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        "Error: history check failed: official_year 2026 differs from its history in days_off"
    )


def test_the_unpublished_year_flow_still_works_on_a_recorded_plain_rules_year(contract):
    """2027 was recorded as plain rules: reports flag it until the user confirms it."""
    out = ok("fault", "open", "queue", "跨年故障", "--at", "2026-12-31 17:00", now=at("2026-12-31", "17:01"))
    assert "calendar 2027 is not officially published yet" in out
    ok("calendar", "add-workday", "2027-02-07", "--note", "2027 春节调休上班")
    assert ok("calendar", "confirm", "2027") == "Calendar 2027 confirmed; reports no longer flag it\n"
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["unconfirmed_years"] == []
    year = json.loads(ok("calendar", "check", "2027", "--json"))["years"][0]
    assert (year["published"], year["confirmed"]) == (False, True)


@pytest.mark.sqlite_only  # the fixture is an SQLite file
def test_an_upgraded_store_judges_as_before(tmp_path: Path):
    """m001.db upgraded: its faults keep their verdicts (see tests/store/test_migrations.py for the years)."""
    import shutil

    old = tmp_path / "old.db"
    shutil.copy(Path(__file__).parents[1] / "store" / "fixtures" / "m001.db", old)
    faults = json.loads(ok("--db", str(old), "fault", "list", "--json"))
    assert [[c["state"] for c in f["clocks"].values()] for f in faults] == [["met"] * 3, ["overdue"] * 3]
    result = run("--db", str(old), "calendar", "check")
    assert result.exit_code == 0, result.output


@pytest.mark.sqlite_only  # the fixture is an SQLite file
def test_an_upgrade_after_the_contract_and_its_acceptance_records_nothing(tmp_path: Path):
    """Nothing may be recorded then (`verify` would name it): the commands say where the years come from."""
    import shutil

    old = tmp_path / "old.db"
    shutil.copy(Path(__file__).parents[1] / "store" / "fixtures" / "m001.db", old)
    later = at("2028-03-01", "10:00")
    result = run("--db", str(old), "calendar", "show", "2026-10", now=later)
    assert result.exit_code == 0, result.output
    assert "the official calendar of 2026 is not recorded in this store" in result.stderr
    assert _recorded(old) == []
    assert ok("--db", str(old), "verify", now=later).startswith("History verified: 14 events")
