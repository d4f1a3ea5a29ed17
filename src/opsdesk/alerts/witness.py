"""The witness: the history's anchor, sent where the vendor cannot reach it.

The hash chain proves only that the history agrees with itself; whoever can write the store can
rewrite an old event and recompute every later hash. An anchor (the event count and the head hash,
``N:HASH``) held by someone else stops that: the first N events can never again hash to it. Workbooks
the hospital signs carry anchors, but only monthly. The witness sends one:

* every working day of the contract's working calendar (none on a day off, one on a swapped
  working weekend day), due from the end of that day's working hours (its entries are in) until the
  next working day's end: key ``witness:day:YYYY-MM-DD``; the anchor is the head when it is sent;
* after each monthly report written (``report monthly``): the anchor the workbook carries, and the
  file's SHA-256: key ``witness:report:ID``;

to channels kept for it (``alert_channel.purpose`` ``witness``: a WeCom or DingTalk group the
hospital's IT staff are in, the hospital's mailbox, a webhook it runs), by the alerts' own run:
claimed, sent holding no transaction, marked sent or failed, a failed one retried by the next run,
so each goes exactly once per channel (see :mod:`opsdesk.alerts.runs`). The copy that proves is the
one the recipients keep; ``opsdesk verify --against`` reads it back (a saved message, a mailbox or
chat export, or ``witness log --json``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import col, select

from opsdesk.alerts.channels import Channel, add_channel, channels
from opsdesk.alerts.due import WEEKDAYS, Alert
from opsdesk.alerts.messages import compose
from opsdesk.alerts.runs import ChannelOutcome, LogEntry, RunOutcome, _delivered, _send_all, delivery_log
from opsdesk.desk import Desk, contract_end
from opsdesk.store.anchors import Anchor
from opsdesk.store.models import Delivery

WITNESS = "witness"  # alert_channel.purpose
LOOK_BACK = 40  # days searched back for the last working day (the longest run of days off is 9)
CHECK = "核对：保存本消息，在服务商的 opsdesk 上运行 opsdesk verify --against 本消息.txt（或 --anchor 上一行）"


def add_witness(desk: Desk, kind: str, target: str, **options) -> Channel:
    """Keep a channel the history's anchor goes to (the options of :func:`add_channel`)."""
    return add_channel(desk, kind, target, purpose=WITNESS, **options)


def witness_day(desk: Desk) -> date | None:
    """The working day whose witness is due now: the latest working day whose working hours have
    ended, within the service and the final acceptance after it (None before the first)."""
    from opsdesk.sla.terms import minutes_of_day
    from opsdesk.store.recorded_times import AFTER_END

    now = desk.local_now
    contract = desk.contract
    first, last = contract.start_date, contract_end(contract) - timedelta(days=1) + AFTER_END
    end = minutes_of_day(desk.terms.workday_end, "workday_end")
    ends = time(end // 60, end % 60)
    calendar = desk.calendar
    day = min(now.date(), last)
    if day == now.date() and now.time() < ends:
        day -= timedelta(days=1)
    for _ in range(LOOK_BACK):
        if day < first:
            return None
        if calendar.is_working_day(day):
            return day
        day -= timedelta(days=1)
    return None


def daily_alert(desk: Desk, day: date, anchor: Anchor) -> Alert:
    """The working day's message: short, for people; the anchor in full on a line of its own."""
    now = desk.local_now
    lines = [
        f"【历史锚点】{day} 周{WEEKDAYS[day.weekday()]} · {desk.contract.name}",
        f"截至 {now:%Y-%m-%d %H:%M}，运维记录历史共 {anchor.events} 条事件，链头哈希：",
        str(anchor),
        CHECK,
    ]
    subject = f"【历史锚点】{day} · {anchor.events} 条事件 · {anchor.head[:16]}"
    return Alert(f"witness:day:{day}", WITNESS, subject, "\n".join(lines), anchor=str(anchor))


def report_alert(desk: Desk, delivery: Delivery) -> Alert:
    """A monthly report's message: the anchor its workbook carries, and the file's SHA-256."""
    anchor = Anchor(delivery.events, delivery.head_hash)
    lines = [
        f"【月报锚点】{delivery.month} 月度巡检报告 · {desk.contract.name}",
        f"{delivery.written_at:%Y-%m-%d %H:%M} 生成 {delivery.file}，报告所载历史共 {anchor.events} 条事件，链头哈希：",
        str(anchor),
        f"报告文件 SHA-256：{delivery.sha256}",
        CHECK,
    ]
    subject = f"【月报锚点】{delivery.month} · {anchor.events} 条事件 · {anchor.head[:16]}"
    return Alert(f"witness:report:{delivery.id}", WITNESS, subject, "\n".join(lines), anchor=str(anchor))


def _reports_since(desk: Desk, since: datetime) -> list[Delivery]:
    query = select(Delivery).where(col(Delivery.written_at) >= since).order_by(col(Delivery.id))
    return list(desk.session.exec(query))


def _head(desk: Desk) -> Anchor:
    from opsdesk.store.history import GENESIS, head

    last = head(desk.session)
    return Anchor(last.id, last.hash) if last else Anchor(0, GENESIS)


def due_witnesses(desk: Desk, targets: list[Channel]) -> dict[int, list[Alert]]:
    """What each witness channel is due now (sent or not): the monthly reports written since it was
    added, then the working day's anchor."""
    day = witness_day(desk)
    anchor = _head(desk)
    daily = daily_alert(desk, day, anchor) if day is not None else None
    since = min((c.added_at for c in targets), default=desk.local_now)
    reports = [(d.written_at, report_alert(desk, d)) for d in _reports_since(desk, since)]
    due: dict[int, list[Alert]] = {}
    for channel in targets:
        mine = [alert for written, alert in reports if written >= channel.added_at]
        if daily is not None and day is not None and day >= channel.added_at.date():
            mine.append(daily)
        due[channel.id] = mine
    return due


def witness_pass(store, *, now: datetime, actor: str, dry_run: bool = False) -> RunOutcome | None:
    """Send each witness channel what it is due and has not taken (a failed one again); None when
    no witness channel is kept. ``store``: an open Store (short transactions of its own, as
    :func:`opsdesk.alerts.runs.run_pass`)."""
    with store.transaction(write=False) as session:
        desk = Desk(session, actor, now)
        now = desk.local_now
        targets = channels(desk, WITNESS)
        if not targets:
            return None
        due = due_witnesses(desk, targets)
        keys = sorted({a.key for alerts in due.values() for a in alerts})
        had = _delivered(session, [c.id for c in targets], keys)
    outcomes = []
    shown: dict[str, Alert] = {}
    for channel in targets:
        pending = [a for a in due[channel.id] if had.get((channel.id, a.key)) in (None, "failed")]
        shown.update((a.key, a) for a in due[channel.id])
        messages = [compose(channel.kind, [a]) for a in pending]
        if dry_run:
            outcomes.append(ChannelOutcome(channel.name, channel.kind, 0, len(messages), 0, 0, None))
            continue
        outcomes.append(_send_all(store, channel, messages, 0, now))
    return RunOutcome(now, list(shown.values()), outcomes)


def witness_log(desk: Desk, *, limit: int | None = 50) -> list[LogEntry]:
    """The witness messages, latest first, each with the anchor it carried. A working day's message
    that failed and was not taken before the next working day's came due is *missed* (never sent:
    the next day's anchor holds everything it would have)."""
    from dataclasses import replace

    current = witness_day(desk)
    out = []
    for entry in delivery_log(desk, limit=limit, purpose=WITNESS):
        kind, _, day = entry.key.removeprefix("witness:").partition(":")
        if entry.state == "failed" and kind == "day" and current is not None and day < str(current):
            entry = replace(entry, state="missed")
        out.append(entry)
    return out
