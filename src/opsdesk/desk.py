"""What every record shares: the command's working context (:class:`Desk`) and the rules
every record's text, times and confirmation keep.

Every operation of the domain modules (faults, changes, inspections, people, contract...)
takes a :class:`Desk` (an open transaction, who is acting, and ``now``) and either succeeds
completely, appending its events to the history, or raises an
:class:`~opsdesk.errors.OpsdeskError` and writes nothing (the caller's transaction is rolled back).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload
from zoneinfo import ZoneInfo

from sqlmodel import Session, SQLModel, col, select

from opsdesk.chars import deceiving
from opsdesk.errors import BadOption, InvalidInput, NotFound, Refused
from opsdesk.store import history
from opsdesk.store.models import CalendarOverride, CalendarYear, Contract, Event, TermsChange
from opsdesk.timeparse import parse_date, parse_moment, parse_month

if TYPE_CHECKING:  # imported where used: the calendar's modules are not loaded by every command
    from opsdesk.sla.terms import SlaTerms
    from opsdesk.sla.workcalendar import OfficialYear, Override, WorkCalendar

Row = TypeVar("Row", bound=SQLModel)


@dataclass
class Desk:
    """One command's working context: the open transaction, the actor, and now."""

    session: Session
    actor: str
    now: datetime
    write: bool = False  # a write transaction: a year of the official schedule first used is recorded

    @cached_property
    def contract(self) -> Contract:
        contract = self.session.get(Contract, 1)
        if contract is None:
            raise NotFound(
                "this database has no contract yet; create it with `opsdesk init` (see `opsdesk init --help`)"
            )
        return contract

    def check_in_service(self, first: date, last: date, what: str) -> None:
        """Refuse a period (``first`` to ``last``, inclusive) that lies wholly outside the contract's
        service period: a report of it would be empty, or worse, a list of 'gaps' nobody owed."""
        start = self.contract.start_date
        last_day = contract_end(self.contract) - timedelta(days=1)
        if last < start or first > last_day:
            raise InvalidInput(f"{what} is outside the contract's service period, {start} to {last_day}")

    def check_month_in_service(self, year: int, month: int) -> None:
        since, until = month_bounds(year, month, self.tz)
        self.check_in_service(since.date(), (until - timedelta(days=1)).date(), f"month {year}-{month:02d}")

    def period(self, asked: PeriodAsked, *, check_default_month: bool = False) -> Period:
        """The period a report covers: the days asked for, or the month asked for (this month by
        default), within the service. A period wholly outside the service is refused (the default
        month only with ``check_default_month``)."""
        if asked.first is not None and asked.last is not None:
            first, last = asked.first, asked.last
            self.check_in_service(first, last, f"{first} to {last}")
            since = datetime(first.year, first.month, first.day, tzinfo=self.tz)
            return self._served(since, datetime(last.year, last.month, last.day, tzinfo=self.tz) + timedelta(days=1))
        ym = asked.month or (self.local_now.year, self.local_now.month)
        if asked.month or check_default_month:
            self.check_month_in_service(*ym)
        return self._served(*month_bounds(*ym, self.tz), month=ym)

    def _served(self, since: datetime, until: datetime, month: tuple[int, int] | None = None) -> Period:
        """The part of [since, until) within the service (the month in which it starts or ends is
        clipped to it); a period wholly outside it (a default month) as it is."""
        start, end = self.contract.start_date, contract_end(self.contract)
        first = max(since, datetime(start.year, start.month, start.day, tzinfo=self.tz))
        last = min(until, datetime(end.year, end.month, end.day, tzinfo=self.tz))
        return Period(first, last, month) if first < last else Period(since, until, month)

    @cached_property
    def terms_history(self) -> list[tuple[datetime | None, SlaTerms]]:
        """The SLA terms in force over time: the contract's own, then each `contract set`."""
        from opsdesk.sla.terms import SlaTerms

        contract = self.session.get(Contract, 1)
        first = SlaTerms.from_dict(json.loads(contract.terms)) if contract else SlaTerms()
        changes = self.session.exec(select(TermsChange).order_by(col(TermsChange.effective_from), col(TermsChange.id)))
        return [(None, first)] + [(c.effective_from, SlaTerms.from_dict(json.loads(c.terms))) for c in changes]

    @property
    def terms(self) -> SlaTerms:
        """The SLA terms in force now (SPEC's defaults while the contract is being created); a
        change set for a later moment is not in force yet."""
        return self.terms_at(self.local_now)

    @property
    def latest_terms(self) -> SlaTerms:
        """The terms as the last change leaves them, in force now or from a later moment: what the
        next change builds on."""
        return self.terms_history[-1][1]

    def terms_at(self, moment: datetime) -> SlaTerms:
        """The SLA terms in force at ``moment`` (a ticket is judged by the terms of its report time)."""
        chosen = self.terms_history[0][1]
        for effective, terms in self.terms_history[1:]:
            if effective is not None and effective <= moment:
                chosen = terms
        return chosen

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.latest_terms.timezone)  # fixed once records exist

    @cached_property
    def _calendar_inputs(self) -> tuple[list[Override], list[int]]:
        from opsdesk.sla.workcalendar import Override

        overrides = [Override(o.day, o.working, o.note) for o in self.session.exec(select(CalendarOverride))]
        return overrides, [y.year for y in self.session.exec(select(CalendarYear))]

    @cached_property
    def official_years(self) -> dict[int, OfficialYear]:
        """The years of the official schedule the store records (the calendar of record)."""
        from opsdesk.store.calendar_record import recorded_years

        return recorded_years(self.session)

    @cached_property
    def unrecorded_years(self) -> set[int]:
        """Years this (read-only) command took from the installed package because the store holds no
        record of them: the command line says so."""
        return set()

    def official_year(self, year: int) -> OfficialYear:
        """``year`` of the official schedule: the store's record of it. A year not recorded yet is
        taken from the installed ``holidays`` package (never from a cache) and, in a write
        transaction, recorded there and then, with an event; a read-only command only notes it."""
        found = self.official_years.get(year)
        if found is not None:
            return found
        from opsdesk.sla import workcalendar

        found = workcalendar.package_year(year)
        if self.write and self.session.get(Contract, 1) is not None:
            from opsdesk.store.calendar_record import record_year

            record_year(self.session, found, actor=self.actor, recorded_at=self.local_now)
            self.official_years[year] = found
        else:
            self.unrecorded_years.add(year)
        return found

    def calendar_with(self, terms: SlaTerms, overrides: list[Override]) -> WorkCalendar:
        """A working calendar under ``terms`` with these ``overrides`` instead of the store's (to see
        what an override would change), on the official years of record."""
        from opsdesk.sla.workcalendar import WorkCalendar

        return WorkCalendar(terms, overrides, self._calendar_inputs[1], self.official_year)

    def calendar_for(self, terms: SlaTerms) -> WorkCalendar:
        """The working calendar under ``terms`` (working hours and zone), overrides included."""
        cache = self.__dict__.setdefault("_calendars", {})
        hit = cache.get(id(terms))  # by identity: hashing the terms for every ticket of a report costs more
        if hit is None or hit[0] is not terms:
            hit = cache[id(terms)] = (terms, self.calendar_with(terms, self._calendar_inputs[0]))
        return hit[1]

    @property
    def calendar(self) -> WorkCalendar:
        return self.calendar_for(self.terms)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    def moment(self, at: datetime | str | None) -> datetime:
        """A user's ``--at`` (text or datetime) as an aware moment in the contract's zone."""
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise InvalidInput(f"naive datetime {at}: opsdesk needs a timezone-aware time")
            return at.astimezone(self.tz).replace(second=0, microsecond=0)
        moment = parse_moment(at, self.local_now, self.tz)
        contract = self.session.get(Contract, 1)
        if contract is not None and moment.date() < contract.start_date:
            raise Refused(
                f"{fmt(moment)} is before the contract's service starts ({contract.start_date}); "
                "opsdesk records the contract's service only"
            )
        return moment

    def check_recorded_time(self) -> None:
        """Refuse to record anything at ``now`` if it cannot be the real time: after the contract's end
        and the :data:`~opsdesk.store.AFTER_END` days that follow it (the final acceptance), or
        more than :data:`IDLE_LIMIT` after the last entry once the service has begun. A clock set fast
        would otherwise date an entry in the future, and every honest entry after it would look
        backdated. Checked once per command, before its first write."""
        from opsdesk.clock import recorded_clock
        from opsdesk.store.recorded_times import AFTER_END

        contract = self.session.get(Contract, 1)
        last = history.head(self.session)
        if contract is None or last is None:  # `init`: nothing recorded yet to measure against
            return
        now = self.local_now
        last_day = contract_end(contract) - timedelta(days=1)
        clock = recorded_clock(self.session.connection())
        last_at = fmt(last.recorded_at.astimezone(self.tz))
        past_end = now.date() > last_day + AFTER_END
        idle = now - last.recorded_at
        idle_long = last.recorded_at.astimezone(self.tz).date() >= contract.start_date and idle > IDLE_LIMIT
        too_long = idle_long and now.date() <= last_day  # the idle rule holds during the service only
        if not (past_end or too_long):
            return
        since_last = f"{idle.days} days after the last entry ({last_at})"
        if past_end and idle_long:
            why = f"{since_last} and after the contract's end ({last_day})"
        elif past_end:
            why = f"after the contract's end ({last_day}) and the {AFTER_END.days} days after it"
        else:
            why = f"{since_last}, more than {IDLE_LIMIT.days} days during the service"
        raise Refused(f"{clock} reads {fmt(now)}, {why}: set the clock right and try again; nothing was recorded")

    def create(self, obj: Row, action: str, happened_at: datetime | None = None) -> Row:
        history.create(
            self.session, obj, actor=self.actor, action=action, recorded_at=self.local_now, happened_at=happened_at
        )
        return obj

    def update(
        self, obj: SQLModel, edits: dict[str, Any], action: str, happened_at: datetime | None = None
    ) -> Event | None:
        return history.update(
            self.session,
            obj,
            edits,
            actor=self.actor,
            action=action,
            recorded_at=self.local_now,
            happened_at=happened_at,
        )


# Once the service has begun, the longest a desk goes without recording anything before its clock is
# doubted: two months. A holiday (the Spring Festival's nine days, a fortnight's leave) is far inside it, and
# a month of service always records something (the monthly inspection, the monthly report). A store made
# before the service starts may wait for its first entry as long as it likes.
IDLE_LIMIT = timedelta(days=60)


def fmt(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


TEXT_LIMIT = 5000
# What text may not hold: C0 controls but tab and newline, DEL and C1 controls (a terminal obeys them:
# ESC clears the screen or sets the window title), surrogates (bytes that were not UTF-8, or JSON's
# lone \ud800: no character at all) and U+FFFE/U+FFFF, which XML 1.0 forbids (no workbook holds them).
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@overload
def text_value(value: str | None, what: str, *, required: Literal[True]) -> str: ...
@overload
def text_value(value: str | None, what: str, *, required: bool = False) -> str | None: ...
def text_value(value: str | None, what: str, *, required: bool = False) -> str | None:
    """User text, trimmed; empty is None (or refused when required). The one place for the rules
    every text keeps: at most :data:`TEXT_LIMIT` characters; Windows line ends (CRLF) become newlines;
    control characters other than tab and newline, surrogates and the characters XML 1.0 forbids are
    refused, naming the field (see :func:`check_characters`)."""
    if value is None:
        if required:
            raise InvalidInput(f"{what} is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text, not {type(value).__name__} {_short(value)}")
    value = value.replace("\r\n", "\n").strip()
    if not value:
        if required:
            raise InvalidInput(f"{what} cannot be empty")
        return None
    if len(value) > TEXT_LIMIT:
        raise InvalidInput(f"{what} is {len(value)} characters long; at most {TEXT_LIMIT} are accepted")
    check_characters(value, what)
    return value


@overload
def name_value(value: str | None, what: str, *, required: Literal[True]) -> str: ...
@overload
def name_value(value: str | None, what: str, *, required: bool = False) -> str | None: ...
def name_value(value: str | None, what: str, *, required: bool = False) -> str | None:
    """A person's name (on the roster, a confirmer, an owner, whoever records): text as
    :func:`text_value` takes it, without the characters that make one name print as another
    (text-direction controls, zero-width characters: :mod:`opsdesk.chars`)."""
    value = text_value(value, what, required=required)
    why = deceiving(value) if value is not None else None
    if why is not None:
        raise InvalidInput(
            f"{what} contains {why}, which can make one name print as another; a name takes visible characters only"
        )
    return value


def check_characters(value: str, what: str) -> None:
    """Refuse text holding a character :func:`text_value` does not accept, naming it and the field."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return
    char = found[0]
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        why = "not a character: bytes that are not UTF-8, or a lone surrogate; give UTF-8 text"
    elif char in "\ufffe\uffff":
        why = "a character XML 1.0 forbids, which no workbook can hold; remove it"
    else:
        shown = char.encode("unicode_escape").decode()
        why = f"a control character ({shown}); only printable text, tabs and newlines are accepted"
    raise InvalidInput(f"{what} contains {code}, {why}")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def calendar_start(contract: Contract) -> date:
    """The first day of the contract's calendar: 1 January of the year its service starts. A day off, a
    working day or a person's first day before it is refused (no deadline of the contract reaches it)."""
    return date(contract.start_date.year, 1, 1)


def contract_end(contract: Contract) -> date:
    from dateutil.relativedelta import relativedelta

    return contract.start_date + relativedelta(months=contract.months)


def month_owed(contract: Contract, year: int, month: int) -> bool:
    """Whether a calendar month owes its inspections and its monthly report: it ends within the service
    (a 12-month service owes exactly 12; the part month in which it ends, before that month does, none)."""
    return date(year + month // 12, month % 12 + 1, 1) <= contract_end(contract)


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def check_confirmer(desk: Desk, by: str) -> None:
    """The hospital confirms: someone on the vendor's own roster cannot."""
    from opsdesk.store.models import Staff

    name = (by or "").strip()
    if name and desk.session.exec(select(Staff).where(Staff.name == name)).first():
        raise Refused(f"{name} is on the vendor's staff roster; a record is confirmed by a named hospital person")
    if name and name == desk.actor:
        raise Refused(
            f"{name} is recording this (--by / OPSDESK_USER); the confirmer must be the hospital person, "
            "not whoever types it in"
        )


@dataclass(frozen=True)
class PeriodAsked:
    """What a report's options asked for: a month, or a first and last day (inclusive), or neither."""

    month: tuple[int, int] | None = None
    first: date | None = None
    last: date | None = None


def ask_period(month: str | None, first: str | None = None, last: str | None = None) -> PeriodAsked:
    """Read ``--month`` or ``--from``/``--to`` (the rules every report shares)."""
    if month and (first or last):
        raise BadOption("give either --month or --from/--to, not both")
    if first or last:
        if not (first and last):
            raise BadOption("--from and --to go together")
        first_day, last_day = parse_date(first), parse_date(last)
        if last_day < first_day:
            raise BadOption(f"--to {last_day} is before --from {first_day}")
        return PeriodAsked(first=first_day, last=last_day)
    return PeriodAsked(month=parse_month(month) if month else None)


@dataclass(frozen=True)
class Period:
    """A report's period, [since, until) in the contract's zone; ``month`` when it is one calendar month."""

    since: datetime
    until: datetime
    month: tuple[int, int] | None = None
