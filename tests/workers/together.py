"""Run opsdesk in a fresh process that starts its command together with others:

    python tests/workers/together.py GO 2026-12-07T10:00:00+08:00 fault open queue 黑屏

It imports what a command uses (the store, the drivers), prints ``ready``, then waits until the file
GO exists, so that processes a test starts one after the other run their commands at the same moment
(their imports would otherwise stagger them by a second). The clock is fixed as in ``at.py``.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import opsdesk.store.engine  # imported before the start, not after it
import opsdesk.store.history  # noqa: F401
from opsdesk import clock
from opsdesk.__main__ import main

if __name__ == "__main__":
    go = Path(sys.argv[1])
    clock._fixed = datetime.fromisoformat(sys.argv[2])
    sys.argv = ["opsdesk", *sys.argv[3:]]
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    main()
