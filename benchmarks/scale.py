"""How opsdesk grows with the data: build synthetic stores (`opsdesk demo --scale N`) and time
the heavy commands as a user runs them, each with its own peak memory, then print the growth table.

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--keep DIR] [--repeat 2]
                                         [--only status verify]

Each command runs ``--repeat`` times in a fresh process; the table shows the best time (timings
on a shared machine are noisy) and the highest peak resident memory of those runs.

Targets (issue 8, at 100,000 faults): status < 1 s, report sla for a year < 2 s, report monthly
< 3 s, report acceptance < 60 s and < 500 MB, verify < 30 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "opsdesk"


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak MB) of one run of ``cmd`` in a fresh process (its own peak, not the largest so far)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, cmd)
    return elapsed, usage.ru_maxrss / 1024  # kilobytes on Linux


def commands(year: int, folder: Path) -> dict[str, list[str]]:
    return {
        "status": ["status"],
        "sla": ["report", "sla", "--from", f"{year}-01-01", "--to", f"{year}-12-31"],
        "monthly": ["report", "monthly", f"{year}-06", "-o", str(folder / "m.xlsx"), "--force"],
        "acceptance": ["report", "acceptance", "-o", str(folder / "a.xlsx"), "--force"],
        "verify": ["verify"],
    }


LABELS = {
    "status": "status",
    "sla": "report sla (a year)",
    "monthly": "report monthly (June)",
    "acceptance": "report acceptance (everything)",
    "verify": "verify",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep the stores in this folder (reused when present)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per command; the best time is shown")
    parser.add_argument("--only", nargs="+", choices=list(LABELS), help="run only these commands")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="opsdesk-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    year = time.localtime().tm_year - 1
    results: dict[tuple[str, int], tuple[float, float]] = {}
    print(f"{'faults':>9}  {'command':32} {'seconds':>8} {'peak MB':>8}", flush=True)
    for size in args.sizes:
        db = folder / f"scale-{size}.db"
        if not db.exists():
            seconds, peak = measure([str(BIN), "demo", "--db", str(db), "--scale", str(size)], env)
            results[("build", size)] = (seconds, peak)
            print(f"{size:>9}  {'demo --scale (build)':32} {seconds:8.1f} {peak:8.0f}", flush=True)
        run_env = {**env, "OPSDESK_DB": str(db)}
        for name, cmd in commands(year, folder).items():
            if args.only and name not in args.only:
                continue
            runs = [measure([str(BIN), *cmd], run_env) for _ in range(args.repeat)]
            results[(name, size)] = (min(s for s, _ in runs), max(p for _, p in runs))
            print(
                f"{size:>9}  {LABELS[name]:32} {results[(name, size)][0]:8.2f} {results[(name, size)][1]:8.0f}",
                flush=True,
            )
        for stale in (folder / "m.xlsx", folder / "a.xlsx"):
            stale.unlink(missing_ok=True)
    print_growth(results, args.sizes)


def print_growth(results: dict[tuple[str, int], tuple[float, float]], sizes: list[int]) -> None:
    """One row per command, one column per size: seconds / peak MB."""
    print()
    print(f"{'command':32}" + "".join(f"{f'{size:,} faults':>22}" for size in sizes))
    for name in ["build", *LABELS]:
        cells = [results.get((name, size)) for size in sizes]
        if not any(cells):
            continue
        shown = [f"{s:.2f} s / {p:.0f} MB" if (s, p) != (0, 0) else "" for s, p in (c or (0, 0) for c in cells)]
        print(f"{LABELS.get(name, 'demo --scale (build)'):32}" + "".join(f"{cell or '-':>22}" for cell in shown))


if __name__ == "__main__":
    main()
