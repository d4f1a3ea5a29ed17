"""The trust page's table of checks: every row names the tests that hold its claims, and each exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only  # no database here

ROOT = Path(__file__).parent.parent
PAGE = (ROOT / "docs" / "trust.md").read_text(encoding="utf-8")
HEADER = "| check | what it proves | against whom | what it cannot catch | tests |"


def _rows() -> list[list[str]]:
    table = PAGE[PAGE.index(HEADER) :].split("\n\n", 1)[0].splitlines()[2:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in table]


def test_the_table_covers_every_check():
    checks = " ".join(row[0] for row in _rows())
    for check in ("`opsdesk verify`", "--against", "witness", "confirm import", "校验 seal", "backup", "restore"):
        assert check in checks, check


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row[0][:40])
def test_every_row_says_what_it_cannot_catch_and_names_tests_that_exist(row):
    assert len(row) == 5 and all(row), row
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row[4])
    assert named, f"{row[0]} names no test"
    for path, name in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name} does not exist"
