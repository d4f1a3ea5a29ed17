"""`opsdesk alert ...`: alerts to the team's group chat and e-mail before and when a clock runs out."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.cli.common import JsonOpt, collect_from_here, command_actor, command_now, db_path, desk, sub_app
from opsdesk.cli.output import emit_json, error, line, table
from opsdesk.errors import InvalidInput, OpsdeskError

if TYPE_CHECKING:
    from opsdesk.alerts.channels import Channel, Thresholds
    from opsdesk.alerts.runs import RunOutcome

alert_app = sub_app("Alerts to the team's WeCom or DingTalk group, a webhook or e-mail, before a clock runs out.")
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The channel's name (see `opsdesk alert list`).")]
PASSWORD_ENV = "OPSDESK_SMTP_PASSWORD"


@contextmanager
def _store() -> Iterator:
    """The open store, for commands that take several short transactions of their own."""
    from opsdesk.store.engine import open_store

    collect_from_here()
    store = open_store(db_path())
    try:
        yield store
    finally:
        store.close()


KindArg = Annotated[str, typer.Argument(help="wecom, dingtalk, webhook or email.")]
TargetArg = Annotated[str, typer.Argument(metavar="URL|ADDRESS", help="A robot's webhook URL, or an e-mail address.")]
ChannelNameOpt = Annotated[str | None, typer.Option("--name", help="A short name for it (default: the kind).")]
SecretOpt = Annotated[str | None, typer.Option(help="DingTalk: the robot's signing secret (加签, SEC...).")]
SmtpOpt = Annotated[str | None, typer.Option(help="E-mail: the SMTP server, HOST:PORT (465: TLS).")]
UserOpt = Annotated[str | None, typer.Option(help="E-mail: the SMTP login (the password is asked for).")]
StartTlsOpt = Annotated[bool, typer.Option("--starttls", help="E-mail: STARTTLS after connecting.")]
PasswordEnvOpt = Annotated[
    str | None, typer.Option(help="E-mail: keep only this variable's name; `alert run` reads the password from it.")
]
SenderOpt = Annotated[str | None, typer.Option("--from", help="E-mail: the From address.")]


@alert_app.command("add")
def alert_add(
    kind: KindArg,
    target: TargetArg,
    name: ChannelNameOpt = None,
    secret: SecretOpt = None,
    smtp: SmtpOpt = None,
    user: UserOpt = None,
    starttls: StartTlsOpt = False,
    password_env: PasswordEnvOpt = None,
    sender: SenderOpt = None,
) -> None:
    """Add a channel alerts go to: a group robot's webhook, a plain webhook, or an e-mail address.

    The SMTP password comes from $OPSDESK_SMTP_PASSWORD or a prompt (never the command line), or is
    not kept at all with --password-env NAME.

    Example: opsdesk alert add wecom "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..." --name ops
    """
    channel = add_from_options("alerts", kind, target, name, secret, smtp, user, starttls, password_env, sender)
    line(f"Added alert channel {channel.name} ({channel.kind}): {channel.shown}")
    line(f"  try it: opsdesk alert test {channel.name}")


def add_from_options(purpose: str, kind: str, target: str, *options) -> Channel:
    """`alert add` and `witness add`: the SMTP password asked for if needed, then the channel kept."""
    from opsdesk.alerts.channels import add_channel

    name, secret, smtp, user, starttls, password_env, sender = options
    password = None
    if kind.strip().lower() == "email" and user and not password_env:
        password = os.environ.get(PASSWORD_ENV) or typer.prompt(f"SMTP password for {user}", hide_input=True)
    with desk() as d:
        return add_channel(
            d,
            kind,
            target,
            name=name,
            secret=secret,
            smtp=smtp,
            user=user,
            starttls=starttls,
            password=password,
            password_env=password_env,
            sender=sender,
            purpose=purpose,
        )


def _channel_dict(c: Channel) -> dict:
    return {
        "name": c.name,
        "kind": c.kind,
        "target": c.shown,
        "details": c.describe(),
        "added_at": c.added_at,
        "added_by": c.added_by,
    }


def _thresholds_dict(t: Thresholds) -> dict:
    minute = timedelta(minutes=1)
    return {
        "response_minutes": t.response // minute,
        "arrival_minutes": t.arrival // minute,
        "resolution_working_minutes": t.resolution // minute,
        "inspection_days": t.inspection_days,
    }


@alert_app.command("list")
def alert_list(as_json: JsonOpt = False) -> None:
    """The channels alerts go to (URLs masked past the first path segment, secrets cut short) and the thresholds.

    Example: opsdesk alert list
    """
    from opsdesk.alerts.channels import channels, thresholds

    with desk(write=False) as d:
        found, limits = channels(d), thresholds(d)
    if as_json:
        emit_json({"channels": [_channel_dict(c) for c in found], "thresholds": _thresholds_dict(limits)})
        return
    rows = [[c.name, c.kind, c.shown, c.describe(), c.added_at, c.added_by] for c in found]
    table(f"{len(found)} alert channel(s)", ["name", "kind", "to", "details", "added", "by"], rows)
    t = _thresholds_dict(limits)
    line(
        f"Warnings: response {t['response_minutes']}m and arrival {t['arrival_minutes']}m before the deadline, "
        f"resolution {t['resolution_working_minutes'] // 60}h{t['resolution_working_minutes'] % 60:02d}m of working "
        f"time before; owed inspections in the last {t['inspection_days']} working days of a month "
        "(change with `opsdesk alert set`)"
    )


@alert_app.command("remove")
def alert_remove(name: NameArg) -> None:
    """Stop sending alerts to a channel (what it was sent stays in the log).

    Example: opsdesk alert remove ops
    """
    from opsdesk.alerts.channels import remove_channel
    from opsdesk.alerts.runs import dropped_count

    with desk() as d:
        channel = remove_channel(d, name)
        dropped = dropped_count(d, channel.id)
    note = f"; {dropped} alert(s) it had not taken are dropped (not retried)" if dropped else ""
    line(f"Removed alert channel {channel.name} ({channel.kind}){note}")


@alert_app.command("test")
def alert_test(name: NameArg) -> None:
    """Send a test message to a channel now, and say whether the service took it.

    Example: opsdesk alert test ops
    """
    from opsdesk.alerts.runs import send_test

    with desk(write=False) as d:
        channel = send_test(d, name)
    line(f"{channel.name} ({channel.kind}) took the test message")


@alert_app.command("set")
def alert_set(
    key: Annotated[str, typer.Argument(help="response, arrival, resolution or inspection-days.")],
    value: Annotated[str, typer.Argument(help="10m, 2h (resolution: working time), or a number of working days.")],
) -> None:
    """Change a warning threshold (defaults: response 10m, arrival 20m, resolution 2h of working time,
    inspections owed in the last 5 working days of a month).

    Example: opsdesk alert set resolution 3h
    """
    from opsdesk.alerts.channels import set_threshold

    with desk() as d:
        set_threshold(d, key, value)
    line(f"Alert {key.strip().lower()} set to {value.strip().lower()}")


def _show_run(outcome: RunOutcome, as_json: bool, prefix: str = "") -> None:
    if as_json:
        emit_json(
            {
                "due": [{"key": a.key, "kind": a.kind, "subject": a.subject} for a in outcome.due],
                "channels": outcome.channels,
            }
        )
        return
    line(f"{prefix}{len(outcome.due)} alert(s) due")
    for c in outcome.channels:
        if c.error:
            text = f"{c.channel}: FAILED ({c.error}); {c.failed} alert(s) will be retried by the next run"
        elif c.sent:
            text = f"{c.channel}: sent {c.sent} alert(s) in {c.messages} message(s)"
        else:
            text = f"{c.channel}: {'nothing new' if not c.messages else f'{c.messages} message(s) to send'}"
        if c.waiting:
            text += f"; {c.waiting} more wait for the next run"
        line(f"{prefix}  {text}", style="red" if c.error else None)


def _run(digest: bool, dry_run: bool, as_json: bool) -> None:
    with _store() as store:
        outcome, witnessed = _pass(store, digest=digest, dry_run=dry_run)
    if as_json and witnessed is not None:
        emit_json(
            {
                "due": [{"key": a.key, "kind": a.kind, "subject": a.subject} for a in outcome.due],
                "channels": outcome.channels,
                "witness": witness_json(witnessed),
            }
        )
    else:
        _show_run(outcome, as_json)
        if witnessed is not None:
            show_witness(witnessed)
    if outcome.failed:
        error("a channel did not take its alerts; they are retried by the next run (`opsdesk alert log --failing`)")
    if witnessed is not None and witnessed.failed:
        error("a witness channel did not take the anchor; it is retried by the next run (`opsdesk witness log`)")
    if outcome.failed or (witnessed is not None and witnessed.failed):
        raise typer.Exit(1)


def _pass(store, *, digest: bool = False, dry_run: bool = False) -> tuple[RunOutcome, RunOutcome | None]:
    """One pass: the alerts that are due, then (not with the digest) the witness's anchor that is due."""
    from opsdesk.alerts.runs import run_pass
    from opsdesk.alerts.witness import witness_pass

    now, actor = command_now(), command_actor()
    outcome = run_pass(store, now=now, actor=actor, digest=digest, dry_run=dry_run)
    return outcome, None if digest else witness_pass(store, now=now, actor=actor, dry_run=dry_run)


def witness_json(outcome: RunOutcome) -> dict:
    """A witness pass for scripts: each anchor message due (its key and anchor), and each channel's outcome."""
    return {"due": [{"key": a.key, "anchor": a.anchor} for a in outcome.due], "channels": outcome.channels}


def show_witness(outcome: RunOutcome, prefix: str = "") -> None:
    """What a pass sent the witness channels (`alert run`, `witness run`)."""
    for c in outcome.channels:
        if c.error:
            text = f"{c.channel}: FAILED ({c.error}); retried by the next run"
        elif c.sent:
            text = f"{c.channel}: sent {c.sent} anchor message(s)"
        else:
            text = f"{c.channel}: {'nothing new' if not c.messages else f'{c.messages} message(s) to send'}"
        line(f"{prefix}witness {text}", style="red" if c.error else None)


DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Say what would be sent; send and record nothing.")]


@alert_app.command("run")
def alert_run(dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """One pass, for cron every minute: send what is due to every channel, once each, and exit
    (exit 1 if a channel did not take its alerts: they are retried by the next run).

    Example: opsdesk alert run
    """
    _run(False, dry_run, as_json)


@alert_app.command("digest")
def alert_digest(dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Post the morning digest (open clocks, breaches this month, owed inspections, headcount) to
    every channel, once a day.

    Example: opsdesk alert digest
    """
    _run(True, dry_run, as_json)


def _seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([smh]?)", text.strip().lower())
    if not match or int(match[1]) == 0:
        raise typer.BadParameter(f"--every {text!r}: give a time such as 60s, 5m or 1h")
    return int(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


@alert_app.command("watch")
def alert_watch(
    every: Annotated[str, typer.Option(help="Time between passes: 60s, 5m...")] = "60s",
) -> None:
    """`alert run` again and again, until Ctrl-C (which lets the pass under way finish, then stops).

    Example: opsdesk alert watch --every 60s
    """
    import signal
    import sys
    import time

    interval = _seconds(every)
    stop: list[bool] = []

    def on_interrupt(_signum, _frame) -> None:
        if stop:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        stop.append(True)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    passes = 0
    try:
        with _store() as store:
            while not stop:
                try:
                    outcome, witnessed = _pass(store)
                except OpsdeskError as exc:
                    if not passes:
                        raise
                    error(str(exc))
                else:
                    _show_run(outcome, False, prefix=f"{outcome.now:%H:%M:%S} ")
                    if witnessed is not None:
                        show_witness(witnessed, prefix=f"{outcome.now:%H:%M:%S} ")
                sys.stdout.flush()  # each pass shows when it ran, even into a log file
                passes += 1
                deadline = time.monotonic() + interval
                while not stop and time.monotonic() < deadline:
                    time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
    line(f"Stopped after {passes} pass(es).")


@alert_app.command("log")
def alert_log(
    failing: Annotated[bool, typer.Option("--failing", help="Only alerts not sent (yet) to a channel in use.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first (0: all).")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """What was sent where and when, and what is still failing (retried by the next run).

    Example: opsdesk alert log --failing
    """
    from opsdesk.alerts.runs import delivery_log, dropped_count

    if limit < 0:
        raise InvalidInput(f"--limit {limit}: give 0 (all) or more")
    with desk(write=False) as d:
        entries = delivery_log(d, failing=failing, limit=limit)
        dropped = dropped_count(d) if failing else 0
    if as_json:
        emit_json(entries)
        return
    styles = {"failed": "red", "interrupted": "yellow", "sending": "yellow", "dropped": "dim"}
    rows = [[e.last_tried, e.channel, e.state, e.attempts, e.sent_at, e.subject, e.error] for e in entries]
    table(
        f"{len(entries)} alert(s)",
        ["tried", "channel", "state", "tries", "sent", "alert", "error"],
        rows,
        [styles.get(e.state) for e in entries],
        flex="alert",  # a subject is shortened on a narrow screen (--json has it whole); the error wraps
        flex_min=24,  # a dozen Chinese characters: enough to tell the alerts apart
        optional=("sent", "tries"),
    )
    if any(e.state == "interrupted" for e in entries):
        line(
            "interrupted: the run was stopped while sending; not sent again, as the service may have it", style="yellow"
        )
    if any(e.state == "dropped" for e in entries):
        line("dropped: not taken by a channel since removed; no run retries it")
    if dropped:
        line(f"Not shown: {dropped} alert(s) dropped with a removed channel, never retried (`opsdesk alert log`)")
