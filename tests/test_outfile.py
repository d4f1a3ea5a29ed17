"""Every file opsdesk writes is whole or absent: an export killed mid-write leaves an earlier file
intact and nothing partial under the file's name; `--force` replaces only on success; what is
written is readable by its owner only (workbooks and the feedback CSV name staff, phones, e-mail)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import NOW, ok
from tests.reports.test_workbooks import november  # noqa: F401 - the fixture
from tests.zentao.test_import_and_feedback import bug, write_csv

STOP = Path(__file__).parent / "workers" / "stop_before_commit.py"
EXPORTS = {
    "monthly": ["report", "monthly", "2026-11"],
    "acceptance": ["report", "acceptance", "--to", "2026-11-30"],
    "feedback": ["export", "zentao-feedback"],
}


def _killed_before_rename(db, args: list[str]) -> None:
    """Run the export in a fresh process, stop it when every byte is written under its temporary
    name, and kill it there."""
    env = {k: v for k, v in os.environ.items() if k != "OPSDESK_DB"}
    command = [sys.executable, str(STOP), "--file", "--now", NOW.isoformat(), "--db", str(db), *args]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()


@pytest.mark.sqlite_only  # the file written is the same whatever the store
@pytest.mark.parametrize("export", list(EXPORTS))
def test_an_export_killed_mid_write_leaves_the_earlier_file_intact(november, tmp_path, export):  # noqa: F811
    ok("import", "map", "智能候诊", "queue")
    ok("import", "zentao-bugs", write_csv(tmp_path / "bugs.csv", [bug(12)]))
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / ("反馈.csv" if export == "feedback" else "报表.xlsx")
    args = [*EXPORTS[export], "-o", str(target)]

    _killed_before_rename(november, args)
    assert not target.exists()  # nothing under the file's name
    ok(*args)  # clears the killed run's temporary file
    assert [p.name for p in folder.iterdir()] == [target.name]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    earlier = target.read_bytes()

    _killed_before_rename(november, [*args, "--force"])
    assert target.read_bytes() == earlier  # --force replaces only on success
    left = [p.name for p in folder.iterdir() if p != target]
    assert len(left) == 1 and left[0].startswith(f".{target.name}.") and left[0].endswith(".partial")
    ok(*args, "--force")
    assert [p.name for p in folder.iterdir()] == [target.name]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_running_writers_file_is_never_swept_and_never_overwritten(tmp_path):
    from opsdesk.errors import Refused
    from opsdesk.outfile import output_file, sweep

    target = tmp_path / "a.csv"
    with pytest.raises(Refused) as refusal, output_file(target) as temp:
        temp.write_text("mine")
        assert sweep(tmp_path, "*.partial") == [] and temp.exists()  # another run's cleanup leaves it
        target.write_text("theirs")  # someone else took the name meanwhile
    assert str(refusal.value) == f"{target} was created by someone else meanwhile; choose another file name"
    assert target.read_text() == "theirs"  # never written over
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]  # and nothing partial left
