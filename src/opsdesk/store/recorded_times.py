"""The order of recorded times, as :func:`opsdesk.store.history.verify` checks it while it reads the chain."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from opsdesk.store.stored_values import date_text

# Entries are recorded up to this long after the service's last day: the final acceptance starts within
# 30 working days of the end (SPEC), six weeks or more with the holidays, and its records follow it.
AFTER_END = timedelta(days=90)
CLOCK_SLACK = timedelta(minutes=5)  # a machine's clock put back this much (NTP) is not a backdated entry


def _described(row) -> str:
    return f"event {row[0]} ({row[3]} {row[4]} {row[5]})"


class RecordedTimes:
    """Recorded times in history order: none after the contract's end and the :data:`AFTER_END` days that
    follow it, none more than :data:`CLOCK_SLACK` before an earlier one. When an event comes earlier than
    the latest so far, either it was backdated or the ones before it ran ahead (a fast clock): the entries
    that stand later than their neighbours on both sides are the jump, so the next event decides. If it
    is back up at the latest time, the event alone went back; if it stays below, the run of events at
    the latest time ran ahead. At the end of the history, an event recorded before the moment it gives
    went back; otherwise the run before it ran ahead. The first problem found is kept in ``problem``."""

    def __init__(self, latest_day: date | None):
        self.latest_day = latest_day  # no event is recorded after this day
        self.problem: tuple[int, str] | None = None
        self.top: datetime | None = None  # the latest recorded time so far
        self.top_id = 0
        self.run: tuple[Any, datetime | None] = (None, None)  # the run's first event, and the latest time before it
        self.pending: tuple[tuple[int, str], tuple[int, str], datetime, bool] | None = None

    def see(self, row) -> None:
        try:
            recorded = datetime.fromisoformat(row[1])
        except (TypeError, ValueError):
            self.problem = (row[0], f"event {row[0]} has no valid recorded time ({row[1]!r})")
            return
        if self.pending is not None:  # the event after one that came earlier than the latest
            jump, backdated, latest, went_back = self.pending
            self.problem = backdated if went_back or recorded >= latest - CLOCK_SLACK else jump
            return
        if self.latest_day is not None and recorded.date() > self.latest_day:
            self.problem = (
                row[0],
                f"{_described(row)} was recorded at {_shown(recorded)}, after the contract's "
                f"end and the {AFTER_END.days} days that follow it (until {self.latest_day}): a clock ran ahead",
            )
            return
        top = self.top
        if top is None or recorded > top + CLOCK_SLACK:  # a step up: a new run at the top
            self.run = (row, top)
        if top is None or recorded >= top:
            self.top, self.top_id = recorded, row[0]
            return
        if top - recorded <= CLOCK_SLACK:  # a clock put back a little
            return
        backdated = (
            row[0],
            f"{_described(row)} was recorded at {_shown(recorded)}, "
            f"before event {self.top_id} ({_shown(top)}): recorded times go backwards",
        )
        first, before = self.run
        if before is not None and recorded < before - CLOCK_SLACK:  # earlier than the run's neighbour too
            self.problem = backdated
            return
        jump = (
            first[0],
            f"{_described(first)} was recorded at {_shown(datetime.fromisoformat(first[1]))}, later than the "
            f"events on both sides of it (event {row[0]} after it: {_shown(recorded)}): recorded times jump ahead",
        )
        went_back = _before_it_happened(recorded, row[6])
        self.pending = (jump, backdated, top, went_back)

    def finish(self) -> None:
        if self.pending is not None and self.problem is None:
            jump, backdated, _top, went_back = self.pending
            self.problem = backdated if went_back else jump


def _shown(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _before_it_happened(recorded: datetime, happened: Any) -> bool:
    """An entry recorded before the moment it gives: its own recorded time is the wrong one."""
    try:
        return happened is not None and recorded < datetime.fromisoformat(happened) - CLOCK_SLACK
    except (TypeError, ValueError):
        return False


def latest_day(conn) -> date | None:
    """The last day an event may be recorded on: the service's last day and :data:`AFTER_END` after it
    (None when the contract's row cannot say; the replay names that row)."""
    from dateutil.relativedelta import relativedelta

    found = conn.execute(text("SELECT start_date, months FROM contract WHERE id = 1")).first()
    if found is None:
        return None
    start, months = date_text(found[0]), found[1]
    if type(start) is not str or type(months) is not int:
        return None
    return date.fromisoformat(start) + relativedelta(months=months) - timedelta(days=1) + AFTER_END
