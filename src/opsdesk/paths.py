"""opsdesk's own folder (the default database, PostgreSQL backups), found without a CLI framework.

The same folder as Click's ``get_app_dir("opsdesk")`` (a test keeps the two equal), so the store
need not import Typer to know where a PostgreSQL store's backups go.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "opsdesk"


def app_dir() -> Path:
    """``%APPDATA%\\opsdesk`` on Windows, ``~/Library/Application Support/opsdesk`` on macOS,
    ``$XDG_CONFIG_HOME/opsdesk`` (``~/.config/opsdesk``) elsewhere."""
    if sys.platform.startswith("win"):
        return Path(os.environ.get("APPDATA", os.path.expanduser("~")), APP_NAME)
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Application Support"), APP_NAME)
    return Path(os.environ.get("XDG_CONFIG_HOME", os.path.expanduser("~/.config")), APP_NAME)
