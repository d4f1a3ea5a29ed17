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


# libpq's connection keywords (https://www.postgresql.org/docs/current/libpq-connect.html), the common ones
_KEYWORDS = (
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "sslmode",
    "options",
    "service",
    "connect_timeout",
    "application_name",
    "target_session_attrs",
)
_KEYWORD_STRING = re.compile(r"\s*(?:\w+\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S*)\s*)+")


def check_not_keywords(target: str) -> None:
    """Refuse a libpq keyword string (``host=db user=li password=... dbname=opsdesk``) given as ``--db``:
    taken as a path it would become a local SQLite file named after it, password and all. The message
    never repeats it."""
    from opsdesk.errors import InvalidInput

    if _KEYWORD_STRING.fullmatch(target) and any(re.search(rf"(?:^|\s){k}\s*=", target) for k in _KEYWORDS):
        raise InvalidInput(
            "--db (or OPSDESK_DB) is a libpq keyword string (host=... dbname=...); opsdesk takes a PostgreSQL "
            "database as a URL: postgresql+psycopg://USER@HOST:PORT/DBNAME (the password in ~/.pgpass, not in the URL)"
        )
