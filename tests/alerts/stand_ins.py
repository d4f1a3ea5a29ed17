"""Stand-ins for the services alerts go to, on 127.0.0.1 only: a group robot (WeCom, DingTalk or a
plain webhook: an HTTP server recording each POST) and an SMTP server (recording each mail)."""

from __future__ import annotations

import base64
import json
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Post:
    path: str
    raw_query: str  # as sent, still URL-encoded
    query: dict[str, str]
    body: dict
    authorization: str | None = None  # the Authorization header, as sent


@dataclass
class Robot:
    """An HTTP server answering every POST with ``status`` and ``answer`` (WeCom's and DingTalk's
    answer by default), keeping what it was sent."""

    status: int = 200
    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    posts: list[Post] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    arrived: threading.Event = field(default_factory=threading.Event)  # set when a POST came in
    gate: threading.Event | None = None  # when given, each answer waits until it is set
    redirect: str | None = None  # when given, every POST is answered 302 to this URL (and a GET there 200)
    trickle: float | None = None  # when given, the answer's headers and body come a line every this many s
    gets: list[str] = field(default_factory=list)  # paths of the GETs it had (a followed redirect)

    def url(self, path: str = "/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    @property
    def texts(self) -> list[str]:
        return [p.body.get("text", {}).get("content", "") for p in self.posts]


def start_robot() -> Robot:
    robot = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            robot.posts.append(Post(parts.path, parts.query, query, body, self.headers.get("Authorization")))
            robot.arrived.set()
            if robot.gate is not None:
                robot.gate.wait(60)
            if robot.redirect is not None:
                self.send_response(302)
                self.send_header("Location", robot.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if robot.trickle is not None:
                self._trickle(robot.trickle)
                return
            data = json.dumps(robot.answer).encode()
            self.send_response(robot.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _trickle(self, pause: float) -> None:
            """A 200 whose lines come one at a time, each well within a read timeout, for ever (until the
            client hangs up): only a deadline on the whole request ends it."""
            import time

            lines = [b"HTTP/1.1 200 OK\r\n", b"Content-Type: application/json\r\n", b"X-Slow: 1\r\n"]
            try:
                for chunk in lines:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(pause)
                while True:
                    self.wfile.write(b"X-Still-Coming: 1\r\n")
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:  # the client gave up
                self.close_connection = True

        def do_GET(self) -> None:
            robot.gets.append(self.path)
            data = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    robot.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=robot.server.serve_forever, daemon=True).start()
    return robot


@dataclass
class Mailbox:
    """What the SMTP stand-in received: each mail, and each login (user, password)."""

    mails: list = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    server: socketserver.ThreadingTCPServer | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]


def start_smtp() -> Mailbox:
    """A small SMTP server (RFC 5321's commands that smtplib uses, AUTH PLAIN), on 127.0.0.1."""
    box = Mailbox()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, text: str) -> None:
            self.wfile.write(f"{text}\r\n".encode())

        def handle(self) -> None:
            self.reply("220 127.0.0.1 ESMTP stand-in")
            while line := self.rfile.readline():
                command = line.decode().strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.reply("250-127.0.0.1")
                    self.reply("250 AUTH PLAIN")
                elif verb == "AUTH":
                    _, user, password = base64.b64decode(command.split()[2]).decode().split("\0")
                    box.logins.append((user, password))
                    self.reply("235 2.7.0 Authentication successful")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    box.mails.append(message_from_bytes(data, policy=policy.default))
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    self.reply("250 OK")

    box.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    box.server.daemon_threads = True
    threading.Thread(target=box.server.serve_forever, daemon=True).start()
    return box
