"""The program itself: ``opsdesk`` and ``python -m opsdesk``.

Three things the command line cannot do cheaply from inside Typer:

- ``opsdesk --version`` is answered before the CLI is imported: importing Typer alone takes
  longer than starting Python.
- While it starts, the program runs without the garbage collector (``gc.disable``): importing
  Typer, SQLModel and the command's modules makes some 200 collections that walk ever more
  long-lived objects and free almost nothing (0.06-0.1 s of `fault open`). Once the command
  has what it needs and turns to the store, the collector runs again over what it makes from
  then on: the objects made so far are frozen first (:func:`opsdesk.cli.common.collect_from_here`).
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
    import gc

    gc.disable()
    from opsdesk.cli.app import main as run

    try:
        run()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
