"""Run opsdesk in a fresh process with the tests' clock fixed, as tests do in-process:

    python tests/workers/at.py 2026-12-07T10:00:00+08:00 fault open queue 黑屏

The clock is set inside this process (opsdesk.clock); nothing outside Python code can set it.
"""

from __future__ import annotations

import sys
from datetime import datetime

from opsdesk import clock
from opsdesk.__main__ import main

if __name__ == "__main__":
    clock._fixed = datetime.fromisoformat(sys.argv[1])
    sys.argv = ["opsdesk", *sys.argv[2:]]
    main()
