"""One alert run: what is due, sent once to each channel, each delivery on record.

Exactly once per (alert key, channel), with the network never inside a transaction:

1. read what is due and what each channel has had (a read-only snapshot: no lock);
2. per message, *claim* its alerts in a short write transaction (a row ``sending`` per key; a key
   another run holds, or one already sent, is left out);
3. send, with short timeouts, holding no transaction;
4. in another short write transaction mark the claimed rows ``sent`` (the service accepted the
   message) or ``failed`` (refused, unreachable, timed out, HTTP 5xx, a robot's ``errcode`` not 0).

A failed alert is claimed again by the next run and retried. A run killed between 2 and 4 leaves
its rows ``sending``: they are never sent again (the service may have them), and `alert log`
shows them as interrupted. The only writes are to the alert tables; the contract's records are
only read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, func, select

from opsdesk.alerts.channels import Channel, channels, thresholds
from opsdesk.alerts.due import Alert, digest_alert, due_alerts
from opsdesk.alerts.messages import MESSAGES_PER_RUN, Message, compose, pack
from opsdesk.alerts.transport import DeliveryFailed, deliver
from opsdesk.desk import Desk
from opsdesk.errors import Refused
from opsdesk.store.models import AlertChannel, AlertDelivery

INTERRUPTED_AFTER = timedelta(minutes=2)  # a row still `sending` this long after: its run was stopped


@dataclass(frozen=True)
class ChannelOutcome:
    """What one run did for one channel."""

    channel: str
    kind: str
    sent: int  # alerts the service accepted
    messages: int  # in this many messages
    failed: int  # alerts not accepted: retried by the next run
    waiting: int  # alerts beyond this run's messages: sent by the next run
    error: str | None  # the service's answer when it failed


@dataclass(frozen=True)
class RunOutcome:
    now: datetime  # in the contract's zone
    due: list[Alert]
    channels: list[ChannelOutcome]

    @property
    def failed(self) -> bool:
        return any(c.error for c in self.channels)


def run_pass(store, *, now: datetime, actor: str, digest: bool = False, dry_run: bool = False) -> RunOutcome:
    """Send what is due now (or, with ``digest``, the morning digest) to every channel, once each.

    ``store`` is an open :class:`~opsdesk.store.engine.Store`: the run takes its own short transactions.
    With ``dry_run`` nothing is sent or written: the outcome says what would be.
    """
    with store.transaction(write=False) as session:
        desk = Desk(session, actor, now)
        now = desk.local_now  # kept in the contract's zone, as every moment is
        targets = channels(desk)
        if not targets and (digest or not channels(desk, "witness")):  # a witness alone: `alert run` sends it
            raise Refused(
                "no alert channel yet; add one with `opsdesk alert add wecom URL` (see `opsdesk alert add -h`)"
            )
        alerts = [digest_alert(desk)] if digest else due_alerts(desk, thresholds(desk))
        had = _delivered(session, [c.id for c in targets], [a.key for a in alerts])
    outcomes = []
    for channel in targets:
        pending = [a for a in alerts if had.get((channel.id, a.key)) in (None, "failed")]
        messages = pack(channel.kind, pending)
        now_sending, later = messages[:MESSAGES_PER_RUN], messages[MESSAGES_PER_RUN:]
        waiting = sum(len(m.alerts) for m in later)
        if dry_run:
            outcomes.append(ChannelOutcome(channel.name, channel.kind, 0, len(now_sending), 0, waiting, None))
            continue
        outcomes.append(_send_all(store, channel, now_sending, waiting, now))
    return RunOutcome(now, alerts, outcomes)


def _send_all(store, channel: Channel, messages: list[Message], waiting: int, now: datetime) -> ChannelOutcome:
    sent = count = 0
    for n, message in enumerate(messages):
        claimed = _claim(store, channel, message.alerts, now)
        if not claimed:
            continue
        if len(claimed) < len(message.alerts):  # another run holds some of them
            message = compose(channel.kind, claimed)
        try:
            deliver(channel, message, timestamp_ms=int(time.time() * 1000))
        except DeliveryFailed as exc:
            _record(store, channel, claimed, now, str(exc))
            left = sum(len(m.alerts) for m in messages[n + 1 :])
            return ChannelOutcome(channel.name, channel.kind, sent, count, len(claimed), waiting + left, str(exc))
        _record(store, channel, claimed, now, None)
        sent, count = sent + len(claimed), count + 1
    return ChannelOutcome(channel.name, channel.kind, sent, count, 0, waiting, None)


def _delivered(session, channel_ids: list[int], keys: list[str]) -> dict[tuple[int, str], str]:
    if not keys:
        return {}
    query = select(AlertDelivery.channel_id, AlertDelivery.key, AlertDelivery.state).where(
        col(AlertDelivery.channel_id).in_(channel_ids), col(AlertDelivery.key).in_(keys)
    )
    return {(cid, key): state for cid, key, state in session.exec(query)}


def _claim(store, channel: Channel, alerts: tuple[Alert, ...], now: datetime) -> list[Alert]:
    """Take the alerts no other run holds and none has sent (one short write transaction)."""
    claimed = []
    with store.transaction() as session:
        rows = {
            row.key: row
            for row in session.exec(
                select(AlertDelivery).where(
                    col(AlertDelivery.channel_id) == channel.id, col(AlertDelivery.key).in_([a.key for a in alerts])
                )
            )
        }
        for alert in alerts:
            row = rows.get(alert.key)
            if row is None:
                row = AlertDelivery(
                    channel_id=channel.id,
                    key=alert.key,
                    subject=alert.subject,
                    state="sending",
                    attempts=1,
                    first_tried=now,
                    last_tried=now,
                    anchor=alert.anchor,
                )
            elif row.state == "failed":
                row.state, row.attempts, row.last_tried, row.subject = "sending", row.attempts + 1, now, alert.subject
                row.anchor = alert.anchor
            else:
                continue
            session.add(row)
            claimed.append(alert)
    return claimed


def _record(store, channel: Channel, alerts: list[Alert], now: datetime, error: str | None) -> None:
    """Mark claimed alerts sent (``error`` None) or failed (one short write transaction)."""
    with store.transaction() as session:
        query = select(AlertDelivery).where(
            AlertDelivery.channel_id == channel.id,
            col(AlertDelivery.key).in_([a.key for a in alerts]),
            AlertDelivery.state == "sending",
        )
        for row in session.exec(query):
            row.state = "failed" if error else "sent"
            row.sent_at = None if error else now
            row.error = error[:500] if error else None
            session.add(row)


def send_test(desk: Desk, name: str, purpose: str = "alerts") -> Channel:
    """Send a test message to one channel now (nothing recorded); refused if the service does not take it."""
    from opsdesk.alerts.channels import get_channel

    channel = get_channel(desk, name, purpose)
    now = desk.local_now
    text = f"【测试】opsdesk {'历史锚点见证' if purpose == 'witness' else '提醒'}通道 {channel.name}"
    alert = Alert("test", "test", text, f"{text} 可用（{desk.contract.name}，{now:%Y-%m-%d %H:%M}）")
    try:
        deliver(channel, compose(channel.kind, [alert]), timestamp_ms=int(time.time() * 1000))
    except DeliveryFailed as exc:
        raise DeliveryFailed(f"{channel.name} did not take the test message: {exc}") from None
    return channel


# -- the log --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One alert to one channel: sent, failing (retried by the next run), being sent,
    interrupted (its run was stopped while sending: not sent again), or dropped (it failed and its
    channel was removed since: never retried)."""

    channel: str
    kind: str
    key: str
    subject: str
    state: str  # sent | failed | sending | interrupted | dropped
    attempts: int
    first_tried: datetime
    last_tried: datetime
    sent_at: datetime | None
    error: str | None
    anchor: str | None = None  # a witness message's N:HASH


def delivery_log(
    desk: Desk, *, failing: bool = False, limit: int | None = 50, purpose: str = "alerts"
) -> list[LogEntry]:
    """The latest deliveries first; ``failing``: only those not (known to be) sent to a channel still
    in use (a removed channel's are dropped: no run retries them). ``purpose`` ``witness``: the
    witness messages (each entry's ``anchor`` the one it carried)."""
    desk.contract  # noqa: B018
    query = select(AlertDelivery, AlertChannel).join(
        AlertChannel, col(AlertDelivery.channel_id) == col(AlertChannel.id)
    )
    query = query.where(AlertChannel.purpose == purpose)
    if failing:
        query = query.where(AlertDelivery.state != "sent", col(AlertChannel.removed_at).is_(None))
    query = query.order_by(col(AlertDelivery.last_tried).desc(), col(AlertDelivery.id).desc())
    if limit:
        query = query.limit(limit)
    out = []
    for row, channel in desk.session.exec(query):
        state = row.state
        if state == "sending" and desk.local_now - row.last_tried > INTERRUPTED_AFTER:
            state = "interrupted"
        if state == "failed" and channel.removed_at:
            state = "dropped"
        name = channel.name + (" (removed)" if channel.removed_at else "")
        out.append(
            LogEntry(
                name,
                channel.kind,
                row.key,
                row.subject,
                state,
                row.attempts,
                row.first_tried,
                row.last_tried,
                row.sent_at,
                row.error,
                row.anchor,
            )
        )
    return out


def dropped_count(desk: Desk, channel_id: int | None = None, purpose: str = "alerts") -> int:
    """How many alerts failed to a channel since removed (or to ``channel_id``): never retried."""
    query = select(func.count(col(AlertDelivery.id))).join(
        AlertChannel, col(AlertDelivery.channel_id) == col(AlertChannel.id)
    )
    query = query.where(
        AlertDelivery.state == "failed", col(AlertChannel.removed_at).is_not(None), AlertChannel.purpose == purpose
    )
    if channel_id is not None:
        query = query.where(AlertDelivery.channel_id == channel_id)
    return desk.session.exec(query).one()
