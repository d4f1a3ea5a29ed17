"""How long `opsdesk status` (and friends) take on a year of data.

Builds a 12-month demo store (about 1,200 faults) once, then times each command as a
user runs it (a fresh process), median of N runs, next to the floor of importing
SQLModel and sqlite3 in a bare interpreter.

    .venv/bin/python benchmarks/status_bench.py [--runs 7] [--months 12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "opsdesk"


def timed(cmd: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "year.db"
        env = {**os.environ, "OPSDESK_DB": str(db)}
        start = time.perf_counter()
        subprocess.run(
            [str(BIN), "demo", "--db", str(db), "--months", str(args.months)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"demo --months {args.months}: built in {time.perf_counter() - start:.1f} s")
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("floor: import sqlmodel, sqlite3", [sys.executable, "-c", "import sqlmodel, sqlite3"]),
            ("opsdesk --version", [str(BIN), "--version"]),
            ("opsdesk status", [str(BIN), "status"]),
            ("opsdesk fault list --open", [str(BIN), "fault", "list", "--open"]),
            ("opsdesk report sla (this month)", [str(BIN), "report", "sla"]),
            ("opsdesk verify", [str(BIN), "verify"]),
        ]
        print(f"{'command':36} median of {args.runs}")
        for name, cmd in rows:
            print(f"{name:36} {timed(cmd, env, args.runs) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
