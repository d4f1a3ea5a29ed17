"""The services: a WeCom or DingTalk group robot, a plain JSON webhook (HTTP through the standard
library's urllib, with short timeouts and a deadline for the whole request), and e-mail (smtplib).

:func:`deliver` returns when the service accepted the message and raises :class:`DeliveryFailed`
otherwise: the connection refused or timed out, an HTTP error status, a redirect (never followed: a
redirected POST would be re-sent as a body-less GET and the alert lost), no whole answer within
:data:`HTTP_DEADLINE` (a reply trickled a line at a time cannot hold a run, nor the channels after it),
a robot's ``errcode`` not 0.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from opsdesk.alerts.channels import Channel
from opsdesk.alerts.messages import Message
from opsdesk.errors import OpsdeskError

HTTP_TIMEOUT = 5.0  # seconds, to connect and again for each read of the answer
HTTP_DEADLINE = 10.0  # seconds for the whole request, however the answer trickles in
SMTP_TIMEOUT = 10.0
ANSWER_LIMIT = 64 * 1024  # bytes of a service's answer read


class DeliveryFailed(OpsdeskError):
    """The service did not accept the message (the text says what it answered, secrets left out)."""


def deliver(channel: Channel, message: Message, *, timestamp_ms: int) -> None:
    """Send ``message`` to ``channel``; return only once the service accepted it."""
    if channel.kind == "email":
        send_email(channel, message)
        return
    url, payload = channel.target, webhook_payload(message)
    if channel.kind == "wecom":
        payload = {"msgtype": "text", "text": {"content": message.text, "mentioned_mobile_list": list(message.mobiles)}}
    elif channel.kind == "dingtalk":
        payload = {
            "msgtype": "text",
            "text": {"content": message.text},
            "at": {"atMobiles": list(message.mobiles), "isAtAll": False},
        }
        if channel.secret:
            url = dingtalk_signed_url(url, channel.secret, timestamp_ms)
    answer = post_json(url, payload)
    if channel.kind in ("wecom", "dingtalk"):
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code != 0:
            detail = answer.get("errmsg", "") if isinstance(answer, dict) else "no JSON answer"
            raise DeliveryFailed(f"the robot answered errcode {code}: {detail}".rstrip(": "))


def webhook_payload(message: Message) -> dict:
    """A plain webhook's JSON: the text, and each alert with its key and, for a program to read, what it
    is about: the fault's id, the system's code, the clock, its deadline (ISO 8601, with the offset) and
    the owner (None where an alert has none, e.g. a digest)."""
    return {
        "source": "opsdesk",
        "subject": message.subject,
        "text": message.text,
        "alerts": [
            {
                "key": a.key,
                "kind": a.kind,
                "subject": a.subject,
                "body": a.body,
                "fault_id": a.fault_id,
                "system": a.system,
                "clock": a.clock,
                "deadline": a.deadline.isoformat(timespec="minutes") if a.deadline else None,
                "owner": a.owner,
            }
            for a in message.alerts
        ],
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature (加签): HMAC-SHA256 over ``timestamp + "\\n" + secret`` keyed with the
    secret, in base64, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The robot's URL with ``&timestamp=...&sign=...`` (DingTalk refuses a timestamp an hour off)."""
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def split_login(url: str) -> tuple[str, str | None]:
    """A URL with a login (``https://user:password@host/...``) -> the URL without it, and the HTTP
    basic ``Authorization`` value it stands for (percent-escapes in the login decoded); a URL
    without a login -> itself, None. urllib would take ``user:password@host`` for the host name."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    login, _, host = parts.netloc.rpartition("@")
    user, _, password = login.partition(":")
    pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
    return parts._replace(netloc=host).geturl(), "Basic " + base64.b64encode(pair.encode()).decode()


class _Deadline:
    """The end of a whole request: when it passes, every socket the request opened is shut, so that a
    read blocked on a trickling answer returns at once."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.001)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


def _connection(base: type[http.client.HTTPConnection], deadline: _Deadline) -> type[http.client.HTTPConnection]:
    """``base`` connecting within what is left of ``deadline``, its socket watched by it."""

    class Connection(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            self.timeout: float = min(self.timeout or HTTP_TIMEOUT, deadline.left())
            super().connect()
            deadline.watch(self.sock)

    return Connection


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_connection(http.client.HTTPConnection, self.deadline), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        context = getattr(self, "_context", None)  # the handler's TLS context: None, the default
        return self.do_open(_connection(http.client.HTTPSConnection, self.deadline), req, context=context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a hop: urllib would re-send a POST redirected by 302 as a GET
    without its body, and the service's 200 to that GET would be taken for the alert's delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post_json(url: str, payload: dict) -> object:
    """POST ``payload`` as JSON; the answer's JSON (None if it is not JSON). A login in the URL is
    sent as HTTP basic auth, and only to that host. A redirect is not followed: it fails, naming where
    it pointed (its host only). The whole request, answer included, ends within :data:`HTTP_DEADLINE`."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    url, authorization = split_login(url)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "opsdesk-alerts"},
    )
    if authorization:
        request.add_unredirected_header("Authorization", authorization)
    deadline = _Deadline(HTTP_DEADLINE)
    opener = urllib.request.build_opener(_NoRedirect, _HTTP(deadline), _HTTPS(deadline))
    timer = threading.Timer(HTTP_DEADLINE, deadline.expire)
    timer.daemon = True
    timer.start()
    try:
        with opener.open(request, timeout=HTTP_TIMEOUT) as response:
            raw = response.read(ANSWER_LIMIT)
        if deadline.expired:  # the answer was cut off when the deadline shut the connection
            raise DeliveryFailed(f"{_host(url)} did not answer in full within {HTTP_DEADLINE:g} s")
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            where = exc.headers.get("Location") if exc.headers else None
            to = f" to {_host(urllib.parse.urljoin(url, where))}" if where else ""
            raise DeliveryFailed(
                f"HTTP {exc.code} {exc.reason}: the service redirected{to}, which opsdesk does not follow "
                "(the alert would be lost); give the channel the URL the service itself answers at"
            ) from None
        raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}".strip()) from None
    except DeliveryFailed:
        raise
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, http.client.HTTPException) as exc:
        if deadline.expired:
            raise DeliveryFailed(f"{_host(url)} did not answer in full within {HTTP_DEADLINE:g} s") from None
        if isinstance(exc, urllib.error.URLError):
            raise DeliveryFailed(f"cannot reach {_host(url)}: {_reason(exc.reason)}") from None
        if isinstance(exc, TimeoutError):
            raise DeliveryFailed(f"{_host(url)} did not answer within {HTTP_TIMEOUT:g} s") from None
        raise DeliveryFailed(f"{_host(url)}: {_reason(exc)}") from None  # a connection reset, a malformed answer
    finally:
        timer.cancel()
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {HTTP_TIMEOUT:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__


def smtp_password(channel: Channel) -> str | None:
    """The SMTP password: from the environment variable the channel names, else as kept."""
    smtp = channel.smtp
    if smtp is None or not smtp.user:
        return None
    if smtp.password_env:
        value = os.environ.get(smtp.password_env)
        if not value:
            raise DeliveryFailed(f"${smtp.password_env} (the SMTP password of {channel.name}) is not set")
        return value
    return channel.secret


def send_email(channel: Channel, message: Message) -> None:
    """One e-mail to the channel's address through its SMTP server."""
    import smtplib

    smtp = channel.smtp
    assert smtp is not None  # an e-mail channel is kept with its server (channels.add_channel)
    password = smtp_password(channel)
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender or (smtp.user if smtp.user and "@" in smtp.user else f"opsdesk@{smtp.host}")
    mail["To"] = channel.target
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="opsdesk")
    mail.set_content(message.text)
    opener = smtplib.SMTP_SSL if smtp.port == 465 else smtplib.SMTP
    try:
        with opener(smtp.host, smtp.port, timeout=SMTP_TIMEOUT) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.user:
                server.login(smtp.user, password or "")  # a user is kept with a password (add_channel)
            server.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(f"{smtp.host}:{smtp.port} refused the login of {smtp.user} ({exc.smtp_code})") from None
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"{smtp.host}:{smtp.port}: {_reason(exc)}") from None
    except TimeoutError:
        raise DeliveryFailed(f"{smtp.host}:{smtp.port} did not answer within {SMTP_TIMEOUT:g} s") from None
    except OSError as exc:
        raise DeliveryFailed(f"cannot reach {smtp.host}:{smtp.port}: {_reason(exc)}") from None
