"""Where alerts go (a WeCom or DingTalk group robot, a plain webhook, an e-mail address) and when
they are due (the warning thresholds). Both are kept in the store, outside the contract's records.

Secrets: a robot's URL carries its key, a DingTalk robot may have a signing secret, an SMTP server
a password. They are kept in the store as given, so anyone who can read the database (or a backup of
it) can read them; every listing shows them cut short. An SMTP password need not be kept at all:
with ``--password-env NAME`` only the variable's name is stored, and `alert run` reads it then.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import col, select

from opsdesk.desk import Desk, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.store.models import AlertChannel, AlertSetting

KINDS = ("wecom", "dingtalk", "webhook", "email")
MASK = "***"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Smtp:
    """How an e-mail channel reaches its server."""

    host: str
    port: int
    user: str | None = None
    starttls: bool = False
    password_env: str | None = None  # the variable holding the password, read at send time
    sender: str | None = None  # From: (default: the user, else opsdesk@host)


@dataclass(frozen=True)
class Channel:
    """A channel as the senders use it (no database object crosses into the network code)."""

    id: int
    name: str
    kind: str
    target: str  # the URL, or the e-mail address
    secret: str | None
    smtp: Smtp | None
    added_at: datetime
    added_by: str
    purpose: str = "alerts"  # alerts | witness (the history's anchor: opsdesk.alerts.witness)

    @property
    def shown(self) -> str:
        """The target with everything past its first path segment masked: never printed in full."""
        return self.target if self.kind == "email" else hide_url(self.target)

    def describe(self) -> str:
        """What else there is to know, secrets hidden."""
        if self.kind == "dingtalk":
            return f"signed (secret {hide(self.secret)})" if self.secret else "unsigned"
        if self.smtp is None:
            return ""
        s = self.smtp
        parts = [f"via {s.host}:{s.port}", "STARTTLS" if s.starttls else ("TLS" if s.port == 465 else "plain")]
        if s.user:
            parts.append(f"user {s.user}")
            parts.append(f"password from ${s.password_env}" if s.password_env else f"password {hide(self.secret)}")
        return ", ".join(parts)


def hide(secret: str | None) -> str:
    """A secret as listings show it: its first 3 characters at most, then ***."""
    if not secret:
        return "-"
    return (secret[:3] if len(secret) >= 12 else "") + "***"


def hide_url(url: str) -> str:
    """A webhook URL as listings show it: the scheme, the host (and port) and the first path
    segment, which tell channels apart; every later path segment, every query value, a fragment and
    a login's password masked (``https://hooks.slack.com/services/***/***/***``,
    ``.../cgi-bin/***/***?key=***``). A login's user is kept beside a password, masked alone (it is
    then often the token). Keys and tokens hide in the path as often as in the query, in any shape,
    so nothing past the first segment is guessed safe; a first segment that looks like a token
    (16+ characters with a digit) is masked too."""
    parts = urlsplit(url)
    login, at, host = parts.netloc.rpartition("@")
    if at:
        user, colon, _ = login.partition(":")
        host = (f"{user}:***@" if colon else "***@") + host
    first, *rest = parts.path.lstrip("/").split("/")
    if len(first) >= 16 and any(c.isdigit() for c in first):
        first = MASK
    path = "/".join([first, *(MASK if seg else "" for seg in rest)])
    path = ("/" + path) if parts.path.startswith("/") else path
    query = "&".join(
        f"{p.partition('=')[0]}={MASK}" if "=" in p else (MASK if p else "") for p in parts.query.split("&")
    )
    return (
        f"{parts.scheme}://{host}{path}" + (f"?{query}" if parts.query else "") + (f"#{MASK}" if parts.fragment else "")
    )


def as_channel(row: AlertChannel) -> Channel:
    settings = json.loads(row.settings or "{}")
    smtp = Smtp(**settings["smtp"]) if settings.get("smtp") else None
    return Channel(row.id, row.name, row.kind, row.target, row.secret, smtp, row.added_at, row.added_by, row.purpose)


def _check_url(url: str, kind: str) -> str:
    url = text_value(url, "the URL", required=True)
    robot = {"wecom": "the WeCom group robot's", "dingtalk": "the DingTalk group robot's"}.get(kind, "the")
    odd = next((c for c in url if c.isspace() or not c.isprintable()), None)
    if odd is not None:  # a line break inside would be dropped on the way: it would post to another address
        raise InvalidInput(
            f"the URL contains U+{ord(odd):04X} ({odd.encode('unicode_escape').decode()}); a web address holds no "
            f"spaces, line breaks or control characters: give {robot} webhook URL on one line"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{url!r} is not a web address; give {robot} webhook URL, https://...")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidInput(f"{hide_url(url)!r} has no valid port (1 to 65535); give {robot} webhook URL, https://...")
    return url


def _smtp(address: str | None) -> tuple[str, int]:
    host, sep, port = (address or "").strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput(f"--smtp {address!r} is not HOST:PORT; e.g. smtp.example.com:587")
    return host, int(port)


def add_channel(
    desk: Desk,
    kind: str,
    target: str,
    *,
    name: str | None = None,
    secret: str | None = None,
    smtp: str | None = None,
    user: str | None = None,
    starttls: bool = False,
    password: str | None = None,
    password_env: str | None = None,
    sender: str | None = None,
    purpose: str = "alerts",
) -> Channel:
    """Keep a channel alerts go to (``purpose`` ``witness``: one the history's anchor goes to). An
    e-mail channel with ``user`` needs ``password`` (kept in the store) or ``password_env`` (only the
    variable's name kept)."""
    desk.contract  # noqa: B018
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise InvalidInput(f"unknown channel kind {kind!r}; use one of {', '.join(KINDS)}")
    settings: dict = {}
    if kind == "email":
        target = text_value(target, "the address", required=True)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", target):
            raise InvalidInput(f"{target!r} is not an e-mail address (name@example.com)")
        if smtp is None:
            raise InvalidInput("an e-mail channel needs --smtp HOST:PORT (the server that sends it)")
        host, port = _smtp(smtp)
        if password_env is not None and not ENV_NAME.fullmatch(password_env):
            raise InvalidInput(
                f"--password-env {password_env!r} is not an environment variable's name, e.g. SMTP_PASSWORD"
            )
        if user and not (password or password_env):
            raise InvalidInput("--user needs a password: --password-env NAME, or OPSDESK_SMTP_PASSWORD, or the prompt")
        settings["smtp"] = Smtp(
            host,
            port,
            text_value(user, "--user"),
            starttls,
            password_env if user else None,
            text_value(sender, "--from"),
        ).__dict__
        secret = password if user and not password_env else None
    else:
        target = _check_url(target, kind)
        if smtp or user or starttls or password_env or sender:
            raise InvalidInput("--smtp, --user, --starttls, --password-env and --from are for an e-mail channel")
        if secret is not None and kind != "dingtalk":
            raise InvalidInput("--secret is for a DingTalk robot (加签); a WeCom or webhook URL carries its own key")
        secret = text_value(secret, "--secret")
    name = text_value(name, "--name") or _free_name(desk, kind)
    if len(name) > 40 or any(c.isspace() for c in name):
        raise InvalidInput(f"--name {name!r}: a short name without spaces, e.g. ops-group")
    if (same := _active(desk, name)) is not None:
        listing = "witness list" if same.purpose == "witness" else "alert list"
        raise Refused(f"there is already {_what(same.purpose)} {name}; choose another --name (`opsdesk {listing}`)")
    row = AlertChannel(
        name=name,
        kind=kind,
        target=target,
        secret=secret,
        settings=json.dumps(settings),
        added_at=desk.local_now,
        added_by=desk.actor,
        purpose=purpose,
    )
    desk.session.add(row)
    desk.session.flush()
    return as_channel(row)


def _active(desk: Desk, name: str, purpose: str | None = None) -> AlertChannel | None:
    """The channel of that name in use (names are unique among alert and witness channels alike)."""
    query = select(AlertChannel).where(AlertChannel.name == name, col(AlertChannel.removed_at).is_(None))
    if purpose is not None:
        query = query.where(AlertChannel.purpose == purpose)
    return desk.session.exec(query).first()


def _what(purpose: str) -> str:
    return "a witness channel" if purpose == "witness" else "an alert channel"


def _missing(name: str, purpose: str) -> NotFound:
    kind, listing = ("witness", "witness list") if purpose == "witness" else ("alert", "alert list")
    return NotFound(f"no {kind} channel {name}; `opsdesk {listing}` shows them")


def _free_name(desk: Desk, kind: str) -> str:
    n = 1
    while _active(desk, kind if n == 1 else f"{kind}-{n}") is not None:
        n += 1
    return kind if n == 1 else f"{kind}-{n}"


def channels(desk: Desk, purpose: str = "alerts") -> list[Channel]:
    """The channels alerts (or, ``purpose`` ``witness``, the history's anchor) go to, in the order
    they were added."""
    desk.contract  # noqa: B018
    query = select(AlertChannel).where(col(AlertChannel.removed_at).is_(None), AlertChannel.purpose == purpose)
    return [as_channel(row) for row in desk.session.exec(query.order_by(col(AlertChannel.id)))]


def get_channel(desk: Desk, name: str, purpose: str = "alerts") -> Channel:
    row = _active(desk, name.strip(), purpose)
    if row is None:
        raise _missing(name, purpose)
    return as_channel(row)


def remove_channel(desk: Desk, name: str, purpose: str = "alerts") -> Channel:
    """Stop sending to a channel. Its deliveries stay in the log (under its name)."""
    row = _active(desk, name.strip(), purpose)
    if row is None:
        raise _missing(name, purpose)
    row.removed_at = desk.local_now
    desk.session.add(row)
    return as_channel(row)


# -- thresholds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """How long before a deadline a warning is due; ``resolution`` is working time (counted on the
    working calendar). ``inspection_days``: an inspection still owed in the last N working days of a
    month is due."""

    response: timedelta = timedelta(minutes=10)
    arrival: timedelta = timedelta(minutes=20)
    resolution: timedelta = timedelta(hours=2)
    inspection_days: int = 5


SETTINGS = {
    "response": "minutes before the response deadline (10m)",
    "arrival": "minutes before the arrival deadline (20m)",
    "resolution": "working time before the resolution deadline (2h)",
    "inspection-days": "the last N working days of a month in which an owed inspection is due (5)",
}


def _duration(key: str, value: str) -> timedelta:
    match = re.fullmatch(r"(\d+)\s*([mh])", value.strip().lower())
    if not match or int(match[1]) == 0:
        raise InvalidInput(f"alert {key} {value!r}: give minutes or hours above 0, e.g. 10m or 2h")
    amount = timedelta(minutes=int(match[1])) * (60 if match[2] == "h" else 1)
    if amount > timedelta(days=7):
        raise InvalidInput(f"alert {key} {value!r}: at most 7 days (168h)")
    return amount


def _read(key: str, value: str) -> timedelta | int:
    if key == "inspection-days":
        if not value.strip().isdigit() or not 1 <= int(value) <= 23:
            raise InvalidInput(f"alert inspection-days {value!r}: give a number of working days, 1 to 23")
        return int(value)
    return _duration(key, value)


def thresholds(desk: Desk) -> Thresholds:
    """The thresholds in force: the defaults, with what `alert set` changed."""
    values: dict[str, Any] = {  # each field's own type, as _read gives it
        row.key.replace("-", "_"): _read(row.key, row.value) for row in desk.session.exec(select(AlertSetting))
    }
    return Thresholds(**values)


def set_threshold(desk: Desk, key: str, value: str) -> Thresholds:
    """Change one threshold (see :data:`SETTINGS`)."""
    desk.contract  # noqa: B018
    key = key.strip().lower()
    if key not in SETTINGS:
        raise InvalidInput(f"unknown alert setting {key!r}; use one of {', '.join(SETTINGS)}")
    _read(key, value)
    row = desk.session.get(AlertSetting, key) or AlertSetting(key=key, value="", set_at=desk.local_now, set_by="")
    row.value, row.set_at, row.set_by = value.strip().lower(), desk.local_now, desk.actor
    desk.session.add(row)
    desk.session.flush()
    return thresholds(desk)
