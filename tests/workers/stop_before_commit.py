"""Run opsdesk in a fresh process that stops just before its transaction commits:

    python tests/workers/stop_before_commit.py import zentao-bugs big.csv

Every row of the command has been sent to the database; the process prints ``ready`` and waits
to be killed, so a test can kill it at exactly the worst moment, on any machine, however fast.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy.orm import Session

from opsdesk.__main__ import main


def _wait_to_be_killed(self) -> None:
    self.flush()
    print("ready", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    Session.commit = _wait_to_be_killed
    sys.argv = ["opsdesk", *sys.argv[1:]]
    main()
