"""The program itself: ``opsdesk`` and ``python -m opsdesk``.

``opsdesk --version`` is answered before the CLI is imported: importing Typer alone takes
longer than starting Python.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from opsdesk import __version__

        sys.stdout.write(f"opsdesk {__version__}\n")
        return
    from opsdesk.cli import main as run

    run()


if __name__ == "__main__":
    main()
