"""The program itself: ``opsdesk`` and ``python -m opsdesk``.

Two things the command line cannot do cheaply from inside Typer:

- ``opsdesk --version`` is answered before the CLI is imported: importing Typer alone takes
  longer than starting Python.
- On the way out, what the command created is frozen (``gc.freeze``) so that the interpreter's
  final garbage collection does not walk every object SQLAlchemy and pydantic made while
  importing: that walk costs each command 0.1-0.2 s, for memory the OS takes back anyway.
  The store is closed by then (every command closes it), and objects no cycle holds are
  still released and closed as usual.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from opsdesk import __version__

        sys.stdout.write(f"opsdesk {__version__}\n")
        return
    from opsdesk.cli.app import main as run

    try:
        run()
    finally:
        import gc

        gc.freeze()


if __name__ == "__main__":
    main()
