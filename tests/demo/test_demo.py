"""The demo contract: real, deterministic, buildable from any day, and all or nothing at scale."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from tests.conftest import at, ok, run


def test_demo_is_real_and_deterministic(tmp_path):
    heads = []
    for name in ("a.db", "b.db"):
        out = ok("demo", "--db", str(tmp_path / name), "--months", "1", "--seed", "7")
        assert out.startswith("Built the demo contract: ")
        heads.append(json.loads(ok("--db", str(tmp_path / name), "verify", "--json"))["head_hash"])
    assert heads[0] == heads[1]
    faults = json.loads(ok("--db", str(tmp_path / "a.db"), "fault", "list", "--json"))
    assert len(faults) >= 50
    states = {c["state"] for f in faults for c in f["clocks"].values()}
    assert {"met", "breached"} <= states
    assert {f["kind"] for f in faults} == {"fault", "defect", "data"}
    assert any(not f["inside_hours"] for f in faults) and any(f["inside_hours"] for f in faults)
    result = run("demo", "--db", str(tmp_path / "a.db"))
    assert result.exit_code == 1
    assert "already exists; add --replace to rebuild it" in result.stderr
    assert ok("demo", "--db", str(tmp_path / "a.db"), "--months", "1", "--replace").startswith("Built")


def test_a_year_of_demo_starting_on_a_weekend_builds(tmp_path):
    """Built on Sunday 2026-11-29, a year's demo starts on Saturday 2025-11-29: the first month's
    inspection day falls in December, where it would be a second one (it refused the whole demo)."""
    built = at("2026-11-29", "11:10").astimezone(UTC)  # as the real clock gives it
    out = ok("demo", "--db", str(tmp_path / "year.db"), "--months", "12", now=built)
    assert out.startswith("Built the demo contract: ")
    # its contract is recorded at the first day's local midnight, before a fault reported at 07:21 that day
    assert ok("--db", str(tmp_path / "year.db"), "verify").startswith("History verified")


@pytest.mark.sqlite_only
def test_demo_scale_is_all_or_nothing(tmp_path, monkeypatch):
    from opsdesk.demo import scale

    flushed = []

    def killed(self):
        flushed.append(len(self.events))
        raise KeyboardInterrupt  # as a kill would, part-way through

    monkeypatch.setattr(scale.BulkWriter, "flush", killed)
    target = tmp_path / "scale.db"
    result = run("demo", "--db", str(target), "--scale", "300")
    assert result.exit_code != 0 and flushed
    assert not target.exists()
