"""Database URLs as people may see them: never with a password."""

from __future__ import annotations

import re


def hide_password(url: str) -> str:
    """``url`` with its password, in the user part or the query (``?password=``), shown as ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.split("://", 1)[0] + "://..."
    return re.sub(r"([?&]password=)[^&]*", r"\1***", shown)
