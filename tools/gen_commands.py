"""Print docs/commands.md: every opsdesk command's own help, as markdown.

    python tools/gen_commands.py > docs/commands.md

The help is laid out 80 columns wide whatever the terminal, so the output depends only on the
code; tests/test_docs.py fails when the committed page differs from it.
"""

from __future__ import annotations

import sys

from typer._click import Context
from typer.main import get_command

from opsdesk.cli.app import app

WIDTH = 80

HEADER = """\
# Commands

Every command's help, exactly as `opsdesk COMMAND -h` prints it on a terminal 80 columns wide or
wider. This page is generated: run `python tools/gen_commands.py > docs/commands.md` after changing a
command, its options or its help; `tests/test_docs.py` fails while the page is stale. What the
commands are for, with examples, is in the [README](../README.md) and the pages beside this one.
"""


def _context(command, name: str, parent: Context | None) -> Context:
    return Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)


def _walk(command, ctx: Context):
    """Each command below a group, depth first, in the order `--help` lists them."""
    yield ctx
    for name in getattr(command, "list_commands", lambda _: [])(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            yield from _walk(sub, _context(sub, name, ctx))


def _summary(ctx: Context) -> str:
    return ctx.command.get_short_help_str(limit=200).replace("|", "\\|")


def render() -> str:
    root = get_command(app)
    contexts = list(_walk(root, _context(root, "opsdesk", None)))
    lines = [HEADER, "| command | what it does |", "|---|---|"]
    lines += [f"| [`{c.command_path}`](#{_anchor(c.command_path)}) | {_summary(c)} |" for c in contexts[1:]]
    for ctx in contexts:
        lines += ["", f"## {ctx.command_path}", "", "```text", ctx.command.get_help(ctx).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _anchor(path: str) -> str:
    return path.replace(" ", "-")


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
