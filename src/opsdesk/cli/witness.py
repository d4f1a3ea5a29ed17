"""`opsdesk witness ...`: the history's anchor sent every working day, and after each monthly report,
to places the vendor does not control (see docs/witness.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from opsdesk.cli.alerts import (
    ChannelNameOpt,
    DryRunOpt,
    KindArg,
    PasswordEnvOpt,
    SecretOpt,
    SenderOpt,
    SmtpOpt,
    StartTlsOpt,
    TargetArg,
    UserOpt,
    _channel_dict,
    _store,
    add_from_options,
    show_witness,
    witness_json,
)
from opsdesk.cli.common import JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, error, line, table
from opsdesk.errors import InvalidInput, Refused

witness_app = sub_app(
    "The history's anchor, every working day and after each monthly report, to a group or mailbox the vendor "
    "does not control."
)
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The witness channel's name (`opsdesk witness list`).")]


@witness_app.command("add")
def witness_add(
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
    """Add a place the history's anchor goes to: a WeCom or DingTalk group the hospital's IT staff are
    in, the hospital's mailbox, or a webhook it runs. `alert run` (cron, every minute) sends it.

    Example: opsdesk witness add email xxk@hospital.example.cn --smtp smtp.example.com:465 --user ops@example.com
    """
    channel = add_from_options("witness", kind, target, name, secret, smtp, user, starttls, password_env, sender)
    line(f"Added witness channel {channel.name} ({channel.kind}): {channel.shown}")
    line(f"  try it: opsdesk witness test {channel.name}; `opsdesk alert run` sends the anchor each working day")


@witness_app.command("list")
def witness_list(as_json: JsonOpt = False) -> None:
    """The channels the history's anchor goes to (URLs masked past the first path segment).

    Example: opsdesk witness list
    """
    from opsdesk.alerts.channels import channels
    from opsdesk.alerts.witness import WITNESS

    with desk(write=False) as d:
        found = channels(d, WITNESS)
    if as_json:
        emit_json([_channel_dict(c) for c in found])
        return
    rows = [[c.name, c.kind, c.shown, c.describe(), c.added_at, c.added_by] for c in found]
    table(f"{len(found)} witness channel(s)", ["name", "kind", "to", "details", "added", "by"], rows)


@witness_app.command("remove")
def witness_remove(name: NameArg) -> None:
    """Stop sending the anchor to a channel (what it was sent stays in the log).

    Example: opsdesk witness remove hospital-it
    """
    from opsdesk.alerts.channels import remove_channel
    from opsdesk.alerts.witness import WITNESS

    with desk() as d:
        channel = remove_channel(d, name, WITNESS)
    line(f"Removed witness channel {channel.name} ({channel.kind})")


@witness_app.command("test")
def witness_test(name: NameArg) -> None:
    """Send a test message to a witness channel now, and say whether the service took it.

    Example: opsdesk witness test hospital-it
    """
    from opsdesk.alerts.runs import send_test
    from opsdesk.alerts.witness import WITNESS

    with desk(write=False) as d:
        channel = send_test(d, name, WITNESS)
    line(f"{channel.name} ({channel.kind}) took the test message")


@witness_app.command("run")
def witness_run(dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Send the anchor that is due now to every witness channel, once each (`alert run` does this too;
    this is for a store that keeps no alerts). Exit 1 if a channel did not take it: the next run retries.

    Example: opsdesk witness run
    """
    from opsdesk.alerts.witness import witness_pass
    from opsdesk.cli.common import command_actor, command_now

    with _store() as store:
        outcome = witness_pass(store, now=command_now(), actor=command_actor(), dry_run=dry_run)
    if outcome is None:
        raise Refused("no witness channel yet; add one with `opsdesk witness add wecom URL`")
    if as_json:
        emit_json(witness_json(outcome))
    else:
        line(f"{len(outcome.due)} anchor message(s) due")
        show_witness(outcome, prefix="  ")
    if outcome.failed:
        error("a witness channel did not take the anchor; it is retried by the next run (`opsdesk witness log`)")
        raise typer.Exit(1)


@witness_app.command("log")
def witness_log(
    limit: Annotated[int, typer.Option(help="At most this many, newest first (0: all).")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Each anchor sent (or failing, retried by the next run), where and when; `verify --against` reads it back.

    Example: opsdesk witness log --json > witness-log.json
    """
    from opsdesk.alerts.witness import witness_log as read_log

    if limit < 0:
        raise InvalidInput(f"--limit {limit}: give 0 (all) or more")
    with desk(write=False) as d:
        entries = read_log(d, limit=limit)
    if as_json:
        emit_json(
            [
                {
                    "sent_at": e.sent_at,
                    "channel": e.channel,
                    "key": e.key,
                    "state": e.state,
                    "attempts": e.attempts,
                    "last_tried": e.last_tried,
                    "anchor": e.anchor,
                    "error": e.error,
                }
                for e in entries
            ]
        )
        return
    styles = {"failed": "red", "interrupted": "yellow", "sending": "yellow", "missed": "red", "dropped": "dim"}
    rows = [[e.sent_at or e.last_tried, e.channel, e.key, e.state, e.attempts, e.anchor, e.error] for e in entries]
    table(
        f"{len(entries)} witness message(s)",
        ["sent (or tried)", "channel", "for", "state", "tries", "anchor", "error"],
        rows,
        [styles.get(e.state) for e in entries],
    )
