"""How opsdesk grows with the data: build synthetic stores (`opsdesk demo --scale N`) and time
the heavy commands as a user runs them, with each command's peak memory.

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000] [--keep DIR]

Targets (issue 8, at 100,000 faults): status < 1 s, report sla for a year < 2 s, report monthly
< 3 s, report acceptance < 60 s and < 500 MB, verify < 30 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "opsdesk"


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak MB) of one run of ``cmd`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep the stores in this folder (reused when present)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="opsdesk-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print(f"{'faults':>9}  {'command':34} {'seconds':>8} {'peak MB':>8}")
    for size in args.sizes:
        db = folder / f"scale-{size}.db"
        if not db.exists():
            seconds, _ = measure([str(BIN), "demo", "--db", str(db), "--scale", str(size)], env)
            print(f"{size:>9}  {'demo --scale (build)':34} {seconds:8.1f} {'':>8}")
        run_env = {**env, "OPSDESK_DB": str(db)}
        year = time.localtime().tm_year - 1
        for name, cmd in [
            ("status", ["status"]),
            (f"report sla {year}", ["report", "sla", "--from", f"{year}-01-01", "--to", f"{year}-12-31"]),
            (f"report monthly {year}-06", ["report", "monthly", f"{year}-06", "-o", str(folder / "m.xlsx")]),
            ("report acceptance (everything)", ["report", "acceptance", "-o", str(folder / "a.xlsx")]),
            ("verify", ["verify"]),
        ]:
            seconds, peak = measure([str(BIN), *cmd], run_env)
            print(f"{size:>9}  {name:34} {seconds:8.2f} {peak:8.0f}")
            for stale in (folder / "m.xlsx", folder / "a.xlsx"):
                stale.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
