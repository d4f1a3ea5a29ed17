#!/usr/bin/env bash
# The wheel an engineer installs on a laptop: build it from this tree, install it into a fresh
# virtual environment (outside the clone), and run demo, report monthly and verify with it.
set -euo pipefail
cd "$(dirname "$0")/.."
make wheel
wheel=$(ls "$PWD"/dist/opsdesk-*.whl)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"
cd "$work"
export OPSDESK_DB="$work/demo.db"
"$work/venv/bin/opsdesk" demo --db "$OPSDESK_DB" --months 2 >/dev/null
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
"$work/venv/bin/opsdesk" report monthly "$month" -o "$work/m.xlsx" >/dev/null
"$work/venv/bin/opsdesk" verify
echo "wheel: installed $(basename "$wheel") into a fresh environment; demo, report monthly $month and verify ran"
