"""Command latency against the floor: is opsdesk as quick to answer as Python lets it be?

Builds a demo store once, then runs each command as a user does (a fresh process) N times,
the commands taking turns so that every figure sees the same load on the machine, and prints
the medians with their targets:

- `opsdesk --version` within 2 x bare `python -c pass` + 50 ms;
- `opsdesk fault open` (each run opens one more fault) within 1.1 x the floor,
  `python -c "import sqlmodel, sqlite3"`: what any command that reads the store must pay.

`fault list` and `status` are shown against the floor too, without a target.

    .venv/bin/python benchmarks/latency.py [--runs 20] [--months 12]

The children run without PYTHONDONTWRITEBYTECODE: with it, every command would compile its
imports afresh (hundreds of ms), which no installed opsdesk does. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BIN = str(Path(sys.executable).parent / "opsdesk")
PY = sys.executable


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def fault_open(n: int) -> list[str]:
    """The phone rings: one more fault on the store, as an engineer types it."""
    symptom = f"叫号屏黑屏 (latency run {n})"
    return [BIN, "fault", "open", "queue", symptom, "--reporter", "王护士", "--dept", "门诊部", "--channel", "phone"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--months", type=int, default=12, help="months of demo history in the store")
    args = parser.parse_args()
    drop = {"PYTHONDONTWRITEBYTECODE", "OPSDESK_FORCE_TERMINAL", "OPSDESK_DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        env |= {"OPSDESK_DB": str(db)}
        subprocess.run(
            [BIN, "demo", "--db", str(db), "--months", str(args.months)], env=env, check=True, stdout=subprocess.DEVNULL
        )
        commands: dict[str, Callable[[int], list[str]]] = {
            "python -c pass": lambda n: [PY, "-c", "pass"],
            'floor: python -c "import sqlmodel, sqlite3"': lambda n: [PY, "-c", "import sqlmodel, sqlite3"],
            "opsdesk --version": lambda n: [BIN, "--version"],
            "opsdesk fault open": fault_open,
            "opsdesk fault list": lambda n: [BIN, "fault", "list"],
            "opsdesk status": lambda n: [BIN, "status"],
        }
        load = os.getloadavg()[0]
        for make in commands.values():  # warm the .pyc files and the OS's file cache
            timed(make(0), env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for n in range(1, args.runs + 1):
            for name, make in commands.items():
                samples[name].append(timed(make(n), env))
        load = max(load, os.getloadavg()[0])
    median = {name: statistics.median(values) for name, values in samples.items()}
    bare, floor = median["python -c pass"], median['floor: python -c "import sqlmodel, sqlite3"']
    targets = {
        "opsdesk --version": (2 * bare + 0.050, "2 x bare + 50 ms"),
        "opsdesk fault open": (1.1 * floor, "1.1 x floor"),
    }
    print(
        f"median of {args.runs} runs, {os.cpu_count()} cores, load average up to {load:.1f}, "
        f"demo store of {args.months} month(s), Python {sys.version.split()[0]}"
    )
    print(f"{'command':45} {'median':>8} {'x floor':>8}  {'target':>8} {'':18} result")
    missed = False
    for name, value in median.items():
        target, rule = targets.get(name, (None, ""))
        verdict = "" if target is None else ("pass" if value <= target else "FAIL")
        missed |= verdict == "FAIL"
        shown = f"{target * 1000:6.0f} ms" if target is not None else ""
        print(f"{name:45} {value * 1000:5.0f} ms {value / floor:7.2f}x  {shown:>8} {rule:18} {verdict}".rstrip())
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
