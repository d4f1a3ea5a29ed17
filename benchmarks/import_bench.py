"""How long `opsdesk import zentao-bugs` takes, and holds the write lock, on a large export.

Writes a ZenTao bug CSV of N rows (a third of them resolved), creates a contract in a fresh
store, then runs the import as a user does (a fresh process): the first import (every row
created) and the same file again (every row unchanged). While the first import runs, a second
process opens a fault, to show how long an engineer at the desk waits for the import's lock.

    .venv/bin/python benchmarks/import_bench.py [--rows 20000] [--db postgresql+psycopg://...]

With ``--db`` naming a PostgreSQL database, the store is a fresh schema of it, dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

# opsdesk with its clock fixed inside the process (recorded times come from the real clock otherwise)
BIN = [
    sys.executable,
    str(Path(__file__).resolve().parent.parent / "tests" / "workers" / "at.py"),
    "2027-08-30T10:00:00+08:00",
]
HEADER = [
    "Bug编号",
    "所属产品",
    "所属模块",
    "Bug标题",
    "严重程度",
    "Bug类型",
    "Bug状态",
    "由谁创建",
    "创建日期",
    "解决者",
    "解决方案",
    "解决日期",
]


def write_export(path: Path, rows: int) -> None:
    first = datetime(2026, 9, 1, 8, 0)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            opened = first + timedelta(minutes=7 * n)
            done = n % 3 == 0
            writer.writerow(
                [
                    n,
                    "智能候诊(#3)",
                    "叫号(#7)",
                    f"叫号屏黑屏 {n}",
                    1 + n % 4,
                    "代码错误",
                    "已解决" if done else "激活",
                    "王护士",
                    f"{opened:%Y-%m-%d %H:%M:%S}",
                    "张伟" if done else "",
                    "已解决" if done else "",
                    f"{opened + timedelta(hours=2):%Y-%m-%d %H:%M:%S}" if done else "",
                ]
            )


def run(env: dict[str, str], *args: str, check: bool = True) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [*BIN, *args], env=env, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return time.perf_counter() - start, done.stderr.strip()


def pg_schema(url: str) -> tuple[str, str]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--db", help="a PostgreSQL URL (default: an SQLite file in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, schema = pg_schema(args.db) if args.db else (str(Path(tmp) / "import.db"), None)
        env = {**os.environ, "OPSDESK_DB": db}
        try:
            run(env, "init", "--name", "导入基准", "--hospital", "医院", "--vendor", "厂商", "--start", "2026-09-01")
            run(env, "import", "map", "智能候诊", "queue")
            export = Path(tmp) / "bugs.csv"
            write_export(export, args.rows)
            waited: list[tuple[float, str]] = []

            def engineer() -> None:
                time.sleep(1.0)  # the import has read its file and holds the lock by now, if it ever does long
                waited.append(run(env, "fault", "open", "queue", "电话报修", check=False))

            other = threading.Thread(target=engineer)
            other.start()
            first = run(env, "import", "zentao-bugs", str(export))[0]
            other.join()
            again = run(env, "import", "zentao-bugs", str(export))[0]
        finally:
            if schema:
                import psycopg

                with psycopg.connect(args.db.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
                    c.execute(f"DROP SCHEMA {schema} CASCADE")
    where = "PostgreSQL" if args.db else "SQLite"
    wait, error = waited[0]
    print(
        f"{args.rows} rows on {where}: first import {first:.2f} s, again (unchanged) {again:.2f} s; "
        f"a `fault open` started 1 s into the first import took {wait:.2f} s{f' ({error})' if error else ''}"
    )


if __name__ == "__main__":
    main()
