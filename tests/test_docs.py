"""Every command has help text and appears in the README (as sqlite-utils does)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from opsdesk.cli.app import app
from opsdesk.cli.common import OpsdeskGroup

pytestmark = pytest.mark.sqlite_only  # no database here

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


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


def test_there_are_commands():
    assert len(COMMANDS) > 20


@pytest.mark.parametrize(("name", "callback"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_documented(name, callback):
    doc = callback.__doc__ or ""
    assert doc.strip(), f"{name} has no help text"
    assert "Example: " in doc, f"{name}'s help should end with an example line"
    assert f"`{name}`" in README, f"{name} is missing from the README's command table"
