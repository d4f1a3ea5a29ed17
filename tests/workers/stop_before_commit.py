"""Run opsdesk in a fresh process that stops just before its transaction commits:

    python tests/workers/stop_before_commit.py import zentao-bugs big.csv

Every row of the command has been sent to the database; the process prints ``ready`` and waits
to be killed, so a test can kill it at exactly the worst moment, on any machine, however fast.

With ``--file`` first, it stops instead just before the file it writes (a workbook, the feedback CSV,
a backup) takes its name: every byte of it written, under its temporary name. ``--now ISO`` fixes
the clock of the process, as the tests' own commands have it.

    python tests/workers/stop_before_commit.py --file --now 2026-12-07T10:00:00+08:00 report monthly 2026-11
"""

from __future__ import annotations

import sys
import time
from datetime import datetime

from sqlalchemy.orm import Session

from opsdesk import clock, outfile
from opsdesk.__main__ import main


def _wait_to_be_killed(*_args) -> None:
    if isinstance(_args[0] if _args else None, Session):
        _args[0].flush()
    print("ready", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--file"]:
        outfile._publish = _wait_to_be_killed
        args = args[1:]
    else:
        Session.commit = _wait_to_be_killed
    if args[:1] == ["--now"]:
        clock._fixed = datetime.fromisoformat(args[1])
        args = args[2:]
    sys.argv = ["opsdesk", *args]
    main()
