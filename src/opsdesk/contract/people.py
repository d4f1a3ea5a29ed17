"""The staff roster (维护人员清单), training sessions (实施培训) and system-integration work (系统集成服务).

SPEC: at least two engineers on site on every day of the contract; a day with fewer is a gap.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from opsdesk.contract.systems import get_system
from opsdesk.desk import Desk, calendar_start, contract_end, name_value, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.store.models import Staff, System, Training, WorkLog

MIN_ONSITE = 2
WORK_TYPES = ("os", "database", "security", "backup", "restore-drill", "interface")


# -- staff --------------------------------------------------------------------------------


PHONE = re.compile(r"\+?[\d\s()（）-]+((转|分机|ext\.?|x)\s*\d+)?", re.IGNORECASE)  # and a digit: see add_staff


def add_staff(
    desk: Desk,
    name: str,
    *,
    role: str,
    phone: str,
    email: str,
    onsite: bool = False,
    from_date: date | None = None,
    to_date: date | None = None,
) -> Staff:
    """Put a person on the roster (from the contract's start unless --from says otherwise)."""
    name = name_value(name, "the name", required=True)
    if desk.session.exec(select(Staff).where(Staff.name == name)).first():
        raise Refused(f"{name} is already on the roster; `opsdesk staff list` shows it")
    start = from_date or desk.contract.start_date
    last = contract_end(desk.contract) - timedelta(days=1)
    if start < calendar_start(desk.contract):
        raise Refused(
            f"--from {start} is before the contract's calendar, which starts on {calendar_start(desk.contract)}; "
            f"give the first day this person works on the contract (the default: its start, {desk.contract.start_date})"
        )
    if start > last:
        raise Refused(f"--from {start} is after the contract's last day ({last})")
    if to_date is not None and to_date < start:
        raise Refused(f"--to {to_date} is before --from {start}")
    email = text_value(email, "--email", required=True)
    if "@" not in email:
        raise InvalidInput(f"--email {email!r} is not an e-mail address (name@example.com)")
    phone = text_value(phone, "--phone", required=True)
    if not PHONE.fullmatch(phone) or not any(ch.isdigit() for ch in phone):
        raise InvalidInput(
            f"--phone {phone!r} is not a phone number (digits, with + - ( ) spaces, e.g. 138 0013 8000 "
            "or 020-8888 6666 转 123)"
        )
    staff = Staff(
        name=name,
        role=text_value(role, "--role", required=True),
        phone=phone,
        email=email,
        onsite=onsite,
        from_date=start,
        to_date=to_date,
    )
    return desk.create(staff, "staff.add")


def end_staff(desk: Desk, name: str, *, last_day: date) -> Staff:
    """The person's last day on the contract."""
    staff = desk.session.exec(select(Staff).where(Staff.name == name.strip())).first()
    if staff is None:
        raise NotFound(f"{name!r} is not on the roster; `opsdesk staff list` shows who is")
    if staff.to_date is not None:
        raise Refused(f"{staff.name} already left on {staff.to_date}")
    if last_day < staff.from_date:
        raise Refused(f"{staff.name} started on {staff.from_date}; the last day cannot come before")
    desk.update(staff, {"to_date": last_day}, "staff.end")
    return staff


def on_duty(desk: Desk, name: str, day: date, what: str = "the owner") -> Staff:
    """The person named ``name`` on the roster, on duty on ``day`` (between their --from and --to);
    a one-line refusal naming the roster otherwise."""
    name = name_value(name, what, required=True)
    staff = desk.session.exec(select(Staff).where(Staff.name == name)).first()
    if staff is None:
        raise NotFound(
            f"{name} is not on the staff roster; {what} must be on it (`opsdesk staff list` shows "
            "who is, `opsdesk staff add` puts a person on it)"
        )
    if day < staff.from_date or (staff.to_date is not None and day > staff.to_date):
        until = f"to {staff.to_date}" if staff.to_date else "on"
        raise Refused(
            f"{name} is not on duty on {day} (on the staff roster from {staff.from_date} {until}); "
            "`opsdesk staff list` shows who is"
        )
    return staff


def roster_name(desk: Desk, name: str) -> str:
    """``name`` if it is on the staff roster (a filter such as ``fault list --owner``)."""
    name = name_value(name, "--owner", required=True)
    if desk.session.exec(select(Staff).where(Staff.name == name)).first() is None:
        raise NotFound(f"{name} is not on the staff roster; `opsdesk staff list` shows who is")
    return name


def actor_on_roster(desk: Desk) -> str:
    """The roster name of who is typing (``fault list --mine``): the actor (--by / OPSDESK_USER / OS user)."""
    if desk.session.exec(select(Staff).where(Staff.name == desk.actor)).first() is None:
        raise NotFound(
            f"--mine: you are recording as {desk.actor!r} (--by / OPSDESK_USER), who is not on the staff "
            "roster; set OPSDESK_USER to your roster name (`opsdesk staff list`)"
        )
    return desk.actor


def roster(desk: Desk) -> list[Staff]:
    desk.contract  # noqa: B018
    return list(desk.session.exec(select(Staff).order_by(col(Staff.from_date), col(Staff.id))))


def onsite_on(staff: list[Staff], day: date) -> int:
    return sum(1 for s in staff if s.onsite and s.from_date <= day and (s.to_date is None or day <= s.to_date))


def staffing_gaps(desk: Desk, until: date | None = None) -> list[tuple[date, date, int]]:
    """Runs of contract days (start .. until, at most the contract's end) with fewer than 2 on site.

    Each run is (first day, last day, how many were on site).
    """
    staff = roster(desk)
    first = desk.contract.start_date
    last = min(until or desk.local_now.date(), contract_end(desk.contract) - timedelta(days=1))
    runs: list[tuple[date, date, int]] = []
    day = first
    while day <= last:
        count = onsite_on(staff, day)
        if count < MIN_ONSITE:
            if runs and runs[-1][1] == day - timedelta(days=1) and runs[-1][2] == count:
                runs[-1] = (runs[-1][0], day, count)
            else:
                runs.append((day, day, count))
        day += timedelta(days=1)
    return runs


def staff_dict(s: Staff) -> dict[str, Any]:
    return {
        "name": s.name,
        "role": s.role,
        "phone": s.phone,
        "email": s.email,
        "onsite": s.onsite,
        "from": s.from_date,
        "to": s.to_date,
    }


# -- training -----------------------------------------------------------------------------


def add_training(
    desk: Desk,
    system: str,
    topic: str,
    *,
    at: datetime | str | None,
    trainer: str,
    attendees: int,
    hours: float,
    note: str | None = None,
) -> Training:
    """A training session given to hospital staff."""
    sys_row = get_system(desk, system)
    if attendees < 1:
        raise InvalidInput(f"--attendees {attendees}: give the number of people trained (1 or more)")
    if not 0 < hours <= 24:
        raise InvalidInput(f"--hours {hours}: give the session's length, more than 0 and at most 24")
    moment = desk.moment(at)
    training = Training(
        system_id=sys_row.id,
        at=moment,
        topic=text_value(topic, "the topic", required=True),
        trainer=name_value(trainer, "--trainer", required=True),
        attendees=attendees,
        hours=hours,
        note=text_value(note, "--note"),
    )
    return desk.create(training, "training.add", happened_at=moment)


def trainings(desk: Desk) -> list[tuple[Training, System]]:
    desk.contract  # noqa: B018
    query = select(Training, System).join(System, col(Training.system_id) == col(System.id)).order_by(col(Training.at))
    return list(desk.session.exec(query))


# -- system-integration work log ----------------------------------------------------------


WORK_TYPE_ALIASES = {
    "操作系统": "os",
    "数据库": "database",
    "安全": "security",
    "备份": "backup",
    "恢复演练": "restore-drill",
    "接口": "interface",
}


def work_type(text: str) -> str:
    kind = WORK_TYPE_ALIASES.get(text.strip(), text.strip().lower())
    if kind not in WORK_TYPES:
        raise InvalidInput(
            f"unknown work type {text!r}; use one of {', '.join(WORK_TYPES)} ({' / '.join(WORK_TYPE_ALIASES)})"
        )
    return kind


def log_work(
    desk: Desk, system: str, text: str, *, type: str, at: datetime | str | None = None, minutes: int | None = None
) -> WorkLog:
    """A dated entry of system-integration work (OS, database, security, backups, drills)."""
    sys_row = get_system(desk, system)
    kind = work_type(type)
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise InvalidInput(f"--minutes {minutes}: give the time spent, 1 to 1440")
    moment = desk.moment(at)
    entry = WorkLog(
        system_id=sys_row.id,
        type=kind,
        text=text_value(text, "what was done", required=True),
        at=moment,
        recorded_at=desk.local_now,
        by=desk.actor,
        minutes=minutes,
    )
    return desk.create(entry, "work.log", happened_at=moment)


def work_entries(desk: Desk, *, system: str | None = None, type: str | None = None) -> list[tuple[WorkLog, System]]:
    desk.contract  # noqa: B018
    query = select(WorkLog, System).join(System, col(WorkLog.system_id) == col(System.id))
    if system:
        query = query.where(WorkLog.system_id == get_system(desk, system).id)
    if type:
        query = query.where(WorkLog.type == work_type(type))
    return list(desk.session.exec(query.order_by(col(WorkLog.at), col(WorkLog.id))))
