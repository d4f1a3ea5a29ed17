"""Every command has help text and appears in docs/commands.md (as sqlite-utils checks its docs), that
page is what tools/gen_commands.py prints today, and the README shows a day in the life."""

from __future__ import annotations

import importlib.util
import re
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


# A day in the life, as the README tells it: open a fault, respond, arrive, resolve, status, the monthly report.
DAY_IN_THE_LIFE = [
    "opsdesk init",
    "opsdesk fault open",
    "opsdesk fault respond",
    "opsdesk fault arrive",
    "opsdesk fault resolve",
    "opsdesk fault confirm",
    "opsdesk fault show",
    "opsdesk fault list",
    "opsdesk status",
    "opsdesk report sla",
    "opsdesk report monthly",
    "opsdesk verify",
]


@pytest.mark.parametrize("name", DAY_IN_THE_LIFE)
def test_readme_shows_a_day_in_the_life(name):
    assert name in README, f"the README's day in the life should show `{name}`"


def test_quick_start_has_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make demo", "make test"]


def _links(text: str) -> list[str]:
    return [t for t in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text) if "://" not in t]


@pytest.mark.parametrize(
    "page",
    sorted(
        p.relative_to(ROOT).as_posix()
        for p in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]
    ),
)
def test_links_lead_somewhere(page):
    here = (ROOT / page).parent
    missing = [t for t in _links((ROOT / page).read_text(encoding="utf-8")) if not (here / t).exists()]
    assert missing == []


def test_every_docs_page_is_reachable_from_the_readme():
    linked = {(ROOT / t).resolve() for t in _links(README)}
    pages = {p.resolve() for p in (ROOT / "docs").glob("*.md")} | {(ROOT / "CONTRIBUTING.md").resolve()}
    assert sorted(p.name for p in pages - linked) == []


def test_no_page_points_outside_the_repository():
    for page in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]:
        assert "../shared" not in page.read_text(encoding="utf-8"), page.name
