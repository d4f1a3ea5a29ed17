"""Alerts packed into messages within each service's limits.

A WeCom group robot takes a text of at most 2,048 bytes and 20 messages a minute; a DingTalk robot
20 a minute too (more and it is silenced for 10 minutes). So several alerts go into one message
rather than any being dropped, and a run sends at most :data:`MESSAGES_PER_RUN` messages to one
channel: what does not fit waits for the next run.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.alerts.due import Alert

LIMITS = {"wecom": 2048, "dingtalk": 4000, "webhook": 16_000, "email": 64_000}  # bytes of text per message
MESSAGES_PER_RUN = 10  # per channel: half of what a robot takes in a minute, for a run every minute
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Message:
    """Alerts sent together: ``text`` for the group (mentions included on DingTalk), ``subject``
    for an e-mail, ``mobiles`` to mention."""

    alerts: tuple[Alert, ...]
    text: str
    subject: str
    mobiles: tuple[str, ...]


def _size(text: str) -> int:
    return len(text.encode())


def _mentions(kind: str, mobiles: tuple[str, ...]) -> str:
    """DingTalk highlights a mention only when the text itself carries ``@mobile``."""
    return ("\n" + " ".join(f"@{m}" for m in mobiles)) if kind == "dingtalk" and mobiles else ""


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` bytes, cut at a character and marked."""
    if _size(text) <= limit:
        return text
    data = text.encode()[: max(limit - 3, 0)]
    return data.decode(errors="ignore") + "…"


def compose(kind: str, alerts: list[Alert] | tuple[Alert, ...]) -> Message:
    """One message holding ``alerts`` (which :func:`pack` chose to fit)."""
    mobiles = tuple(dict.fromkeys(m for a in alerts for m in a.mobiles))
    text = SEPARATOR.join(a.body for a in alerts) + _mentions(kind, mobiles)
    subject = alerts[0].subject if len(alerts) == 1 else f"opsdesk：{len(alerts)} 条提醒 · {alerts[0].subject}"
    return Message(tuple(alerts), _cut(text, LIMITS[kind]), subject, mobiles)


def pack(kind: str, alerts: list[Alert]) -> list[Message]:
    """Alerts in order, as few messages as the service's text limit allows (an alert too long for
    one message alone is cut short, never dropped)."""
    messages: list[Message] = []
    batch: list[Alert] = []
    for alert in alerts:
        if batch and _overflows(kind, [*batch, alert]):
            messages.append(compose(kind, batch))
            batch = []
        batch.append(alert)
    if batch:
        messages.append(compose(kind, batch))
    return messages


def _overflows(kind: str, alerts: list[Alert]) -> bool:
    """Whether these alerts need more than the limit together (the text is cut only for one alone)."""
    mobiles = tuple(dict.fromkeys(m for a in alerts for m in a.mobiles))
    return _size(SEPARATOR.join(a.body for a in alerts) + _mentions(kind, mobiles)) > LIMITS[kind]
