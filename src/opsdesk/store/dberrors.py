"""What a database's refusals mean for the person at the terminal, in one line.

The drivers' own words ("consuming input failed", "permission denied for table ticket" then an
aborted transaction) say what broke, not what to do. These functions read a driver error
(wrapped by SQLAlchemy or not) and say it for a team on a shared PostgreSQL database: which table
a login may not read or write, and the grant that is missing; that the connection to the server
was lost and nothing was recorded. No store and no command line here.
"""

from __future__ import annotations

import re

from opsdesk.errors import StoreError

CONNECTION_LOST = "the connection to the server was lost; nothing was recorded"
# What psycopg and libpq say when the server goes away mid-command (killed, restarted, network cut)
_LOST = (
    "consuming input failed",
    "server closed the connection",
    "connection already closed",
    "terminating connection",
    "the connection is closed",
    "connection is lost",
    "ssl syscall error",
    "could not receive data from server",
    "eof detected",
    "connection reset by peer",
    "server conn crashed",
    "connection not open",
)
_PERMISSION = re.compile(r"permission denied for (table|relation|sequence|schema) \"?([\w.]+)\"?")
_OWNER = re.compile(r"must be owner of (?:table|relation) \"?([\w.]+)\"?")
_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
_MAKES = ("CREATE", "ALTER", "DROP")  # what needs the CREATE right on the schema (or its tables' ownership)


def _driver_error(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def _first_line(exc: BaseException) -> str:
    return next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection to the server went away."""
    orig = _driver_error(exc)
    if getattr(exc, "connection_invalidated", False):
        return True
    text = str(orig).lower()
    return any(words in text for words in _LOST)


def login_of(url: str | None) -> tuple[str, str]:
    """(login, schema) a PostgreSQL URL names, for the GRANT a message suggests."""
    login, schema = "LOGIN", "SCHEMA"
    if url and "://" in url:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url.replace("postgres://", "postgresql://", 1))
        except (ArgumentError, ValueError):
            return login, schema
        login = parsed.username or login
        options = str(parsed.query.get("options", ""))
        schema = options.split("search_path=", 1)[1].split()[0].split(",")[0] if "search_path=" in options else "public"
    return login, schema


def permission_denied(exc: BaseException, url: str | None) -> str | None:
    """One line for a refused read or write (SQLSTATE 42501), naming the table and the missing grant;
    None for any other error."""
    orig = _driver_error(exc)
    if getattr(orig, "sqlstate", None) != "42501" and "permission denied" not in str(orig):
        return None
    first = _first_line(orig)
    login, schema = login_of(url)
    owner = _OWNER.search(first)
    if owner:
        return (
            f"{first}: upgrading the schema {schema} needs the login that owns its tables; run this opsdesk "
            "once as the owner (see README, 'Upgrading opsdesk on a shared database')"
        )
    found = _PERMISSION.search(first)
    if found is None:
        return f"{first}: the login {login} lacks a grant; see README, 'A shared PostgreSQL database for a team'"
    kind, name = found[1], found[2]
    statement = (getattr(exc, "statement", None) or "").lstrip().upper()
    if kind == "schema" and statement.startswith(_MAKES):
        return (
            f"{first}: the login {login} may use the schema {name} but not create tables in it, which setting "
            f"opsdesk up (`opsdesk init`) and upgrading it need; run that once as the schema's owner, or the owner "
            f"grants: GRANT CREATE ON SCHEMA {name} TO {login}"
        )
    if kind == "schema":
        return f"{first}: the login {login} may not use it; the owner grants: GRANT USAGE ON SCHEMA {name} TO {login}"
    if statement.startswith(_WRITES):
        return (
            f"{first}: the login {login} may read but not record (a read-only login, as a lead's is); record "
            f"with an engineer's login, or the owner grants it: GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN "
            f"SCHEMA {schema} TO {login}"
        )
    return (
        f"{first}: the login {login} may not read opsdesk's tables; the owner grants it: "
        f"GRANT USAGE ON SCHEMA {schema} TO {login}; GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {login}"
    )


def no_schema(url: str | None) -> str:
    """Why a login has no current schema: the one its URL names is missing, or it may not use it."""
    login, schema = login_of(url)
    return (
        f"the schema {schema} does not exist, or the login {login} may not use it; as the database's owner, "
        f"CREATE SCHEMA {schema} first, or GRANT USAGE ON SCHEMA {schema} TO {login}"
    )


def pg_error(name: str, exc: BaseException) -> StoreError:
    """Opening a PostgreSQL store failed: one line from the driver's error (psycopg's messages run over
    several lines, with hints), or what :func:`no_schema` and :func:`permission_denied` say instead."""
    first = _first_line(_driver_error(exc))
    if "no schema has been selected" in first:
        first = no_schema(name)
    return StoreError(f"cannot use PostgreSQL database {name}: {permission_denied(exc, name) or first}")
