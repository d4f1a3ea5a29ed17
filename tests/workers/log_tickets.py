"""A worker for the concurrency tests: log N faults through the CLI (in-process, one command each).

    python tests/workers/log_tickets.py DB N TAG [NOW]
NOW (ISO 8601 with offset) fixes the clock of this process, as the tests' own commands have it.
Prints each answer it was given ("Opened fault 12 ...", after the symptom it logged), then "ok N"
when every command succeeded; any failure prints the command's output and exits 1.
"""

from __future__ import annotations

import sys
from datetime import datetime

from typer.testing import CliRunner

from opsdesk import clock
from opsdesk.cli.app import app


def main() -> None:
    db, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if len(sys.argv) > 4:
        clock._fixed = datetime.fromisoformat(sys.argv[4])
    runner = CliRunner()
    for n in range(count):
        symptom = f"{tag} 故障 {n}"
        result = runner.invoke(app, ["--db", db, "--by", tag, "fault", "open", "queue", symptom])
        if result.exit_code != 0:
            print(f"failed at {n}: {result.output}")
            sys.exit(1)
        print(f"{symptom}\t{result.stdout.splitlines()[0]}", flush=True)
    print(f"ok {count}")


if __name__ == "__main__":
    main()
