"""Every command has help text and appears in docs/commands.md (as sqlite-utils checks its docs), and
that page is what tools/gen_commands.py prints today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import typer

from opsdesk.cli.app import app
from opsdesk.cli.common import OpsdeskGroup

pytestmark = pytest.mark.sqlite_only  # no database here

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_PAGE = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "opsdesk") -> list[tuple[str, object]]:
    found = []
    for info in group.registered_commands:
        found.append((f"{prefix} {info.name or info.callback.__name__}", info.callback))
    for sub in group.registered_groups:
        found.extend(_commands(sub.typer_instance, f"{prefix} {sub.name}"))
    return found


COMMANDS = _commands(app) + [
    c for name, group in OpsdeskGroup.groups.items() for c in _commands(group, f"opsdesk {name}")
]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_commands", ROOT / "tools" / "gen_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_commands():
    assert len(COMMANDS) > 20


@pytest.mark.parametrize(("name", "callback"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_documented(name, callback):
    doc = callback.__doc__ or ""
    assert doc.strip(), f"{name} has no help text"
    assert "Example: " in doc, f"{name}'s help should end with an example line"
    assert f"\n## {name}\n" in COMMANDS_PAGE, f"{name} is missing from docs/commands.md"


def test_commands_page_is_what_the_generator_prints(monkeypatch):
    monkeypatch.setenv("COLUMNS", "37")  # the page must not depend on the terminal's width
    fresh = _generator().render()
    assert fresh == COMMANDS_PAGE, "docs/commands.md is stale: run `python tools/gen_commands.py > docs/commands.md`"
