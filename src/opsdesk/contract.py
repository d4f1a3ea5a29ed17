"""The contract: its creation, its SLA terms over time, and the payment milestones.

SPEC: payment 30% after service start; 30% at half the service period with the maintenance
records; 40% at the end after acceptance with the complete records. The hospital starts the
final acceptance within 30 working days after the contract ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from opsdesk.agreed import agreed_exceptions
from opsdesk.confirmations import pending
from opsdesk.errors import InvalidInput, Refused
from opsdesk.models import ChangeRequest, Contract, Inspection, System, TermsChange, Ticket
from opsdesk.records import Desk, contract_end, fmt, text_value
from opsdesk.systems import SYSTEMS, systems

# -- the contract -----------------------------------------------------------------------


def init_contract(desk: Desk, *, name: str, hospital: str, vendor: str, start: date, months: int = 12) -> Contract:
    """Create the contract with SPEC's SLA terms and seed the five contracted systems."""
    from opsdesk.terms import SlaTerms

    if desk.session.get(Contract, 1) is not None:
        existing = desk.session.get(Contract, 1)
        raise Refused(
            f"this database already holds the contract {existing.name!r}; use another --db for another contract"
        )
    if not 1 <= months <= 120:
        raise InvalidInput(f"--months {months} is out of range; a contract runs 1 to 120 months (12 by default)")
    contract = Contract(
        id=1,
        name=text_value(name, "--name", required=True),
        hospital=text_value(hospital, "--hospital", required=True),
        vendor=text_value(vendor, "--vendor", required=True),
        start_date=start,
        months=months,
        terms=json.dumps(SlaTerms().to_dict(), ensure_ascii=False, sort_keys=True),
        created_at=desk.now.astimezone(ZoneInfo(SlaTerms().timezone)),
    )
    desk.create(contract, "contract.init")
    for code, label in SYSTEMS:
        desk.create(System(code=code, name=label), "system.add")
    return contract


# -- terms --------------------------------------------------------------------------------


def set_term(
    desk: Desk,
    key: str,
    value: str,
    *,
    effective: datetime | str | None = None,
    note: str | None = None,
    retroactive: bool = False,
) -> TermsChange:
    """Change one SLA term from ``effective`` on; tickets reported before keep the old terms.

    A change that takes effect in the past would re-judge tickets already on record: it is
    refused, with how many, unless ``retroactive``. The time zone cannot change once records exist.
    """
    from opsdesk.terms import SlaTerms
    from opsdesk.timeparse import parse_moment

    desk.contract  # noqa: B018
    names = {f.name: f for f in fields(SlaTerms)}
    if key not in names:
        raise InvalidInput(f"unknown term {key!r}; terms: {', '.join(names)}")
    current = desk.latest_terms.to_dict()
    kind = {"int": int, "float": float}.get(str(names[key].type), str)
    try:
        parsed: Any = kind(value)
    except ValueError:
        raise InvalidInput(f"{key} takes a {kind.__name__}, got {value!r}") from None
    if isinstance(parsed, float) and parsed.is_integer():
        parsed = int(parsed)
    if parsed == current[key]:
        raise Refused(f"{key} is already {value}")
    terms = SlaTerms.from_dict({**current, key: parsed})  # refuses a value that is not valid
    if key == "timezone" and desk.session.exec(select(Ticket.id).limit(1)).first() is not None:
        raise Refused("the contract's time zone cannot change once records exist; every time on record is in it")
    if effective is None:
        moment = desk.local_now.replace(second=0, microsecond=0)
    elif isinstance(effective, str) and len(effective.strip()) == 10:
        moment = parse_moment(f"{effective.strip()} 00:00", desk.local_now, desk.tz, allow_future=True)
    else:
        moment = parse_moment(effective, desk.local_now, desk.tz, allow_future=True) if isinstance(
            effective, str) else desk.moment(effective)  # fmt: skip
    latest = desk.terms_history[-1][0]
    if latest is not None and moment < latest:
        raise Refused(f"the last change of terms took effect at {fmt(latest)}; a new one cannot take effect before")
    affected = desk.session.exec(select(func.count()).select_from(Ticket).where(Ticket.reported_at >= moment)).one()
    if affected and not retroactive:
        raise Refused(
            f"from {fmt(moment)} the new {key} would re-judge {affected} fault(s) already on record; "
            "add --retroactive to apply it to them (the change stays visible in the history)"
        )
    summary = f"{key}: {current[key]} -> {parsed}"
    change = TermsChange(
        effective_from=moment,
        terms=json.dumps(terms.to_dict(), ensure_ascii=False, sort_keys=True),
        note=f"{summary} ({text_value(note, '--note')})" if text_value(note, "--note") else summary,
    )
    return desk.create(change, "contract.terms", happened_at=moment)


# The report settings: kept on the contract, not among the SLA terms (they judge no ticket).
REPORT_SETTINGS = {
    "report_prefix": "the monthly report's number prefix (YW gives YW-2026-10)",
    "preparer": "编制人, who prepares the reports (default: whoever writes them)",
    "reviewer": "审核人, who reviews them before they go to the hospital",
}


def set_report_setting(desk: Desk, key: str, value: str) -> Contract:
    """Set one of :data:`REPORT_SETTINGS` (an empty value clears it)."""
    import re

    contract = desk.contract
    if key not in REPORT_SETTINGS:
        raise InvalidInput(f"unknown report setting {key!r}; settings: {', '.join(REPORT_SETTINGS)}")
    text = text_value(value, key)
    if key == "report_prefix" and text is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}", text):
        raise InvalidInput(f"report_prefix {text!r} is not a number prefix: up to 20 letters, digits, - or _, e.g. YW")
    if getattr(contract, key) == text:
        raise Refused(f"{key} is already {text or 'unset'}")
    desk.update(contract, {key: text}, "contract.settings")
    return contract


@dataclass(frozen=True)
class TermsChangeView:
    """A change of the SLA terms (a supplementary agreement): from when, and the terms it sets."""

    effective_from: datetime
    in_force: bool  # already in force now
    note: str
    terms: dict[str, Any]


def terms_changes(desk: Desk) -> list[TermsChangeView]:
    """Every change of the terms, in the order they take effect."""
    query = select(TermsChange).order_by(TermsChange.effective_from, TermsChange.id)
    return [
        TermsChangeView(c.effective_from, c.effective_from <= desk.local_now, c.note, json.loads(c.terms))
        for c in desk.session.exec(query)
    ]


# -- milestones ---------------------------------------------------------------------------


def midpoint(start: date, end: date) -> date:
    return start + timedelta(days=(end - start).days // 2)


def _inspection_gaps(desk: Desk, first: date, until: date) -> list[str]:
    """'YYYY-MM system' for each whole contract month before ``until`` with a system uninspected."""
    done = {(m, s) for m, s in desk.session.exec(select(Inspection.month, Inspection.system_id))}
    active = systems(desk, include_inactive=False)
    out = []
    year, month = first.year, first.month
    while date(year, month, 1) < until:
        last_of_month = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        if last_of_month < until:
            label = f"{year}-{month:02d}"
            out.extend(f"{label} {s.code}" for s in active if (label, s.id) not in done)
        year, month = year + (month == 12), month % 12 + 1
    return out


def milestones(desk: Desk) -> Milestones:
    """The three payment milestones, their dates, and what evidence each still lacks.

    Each gap is given in English (``missing``, for the command line) and Chinese (``missing_zh``,
    for the workbooks handed to the hospital).
    """
    from opsdesk.people import staffing_gaps

    contract = desk.contract
    start, end = contract.start_date, contract_end(contract)
    last_day = end - timedelta(days=1)
    half = midpoint(start, end)
    today = desk.local_now.date()
    tz = desk.tz

    def before(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=tz)

    def record_gaps(until: date) -> list[tuple[str, str]]:
        missing = []
        unconfirmed = pending(desk, before(until))
        if unconfirmed:
            n = len(unconfirmed)
            missing.append((f"{n} record(s) not confirmed by the hospital", f"{n} 条记录尚未经院方确认"))
        voided = {i for i, agreed in agreed_exceptions(desk.session).items() if agreed.void is not None}
        open_faults = [
            i
            for i in desk.session.exec(
                select(Ticket.id).where(Ticket.resolved_at.is_(None), Ticket.reported_at < before(until))
            ).all()
            if i not in voided
        ]  # fmt: skip  (a fault void by agreement is owed nothing)
        if open_faults:
            missing.append((f"{len(open_faults)} fault(s) still open", f"{len(open_faults)} 个故障尚未修复"))
        gaps = _inspection_gaps(desk, start, min(until, today + timedelta(days=1)))
        if gaps:
            shown = ", ".join(gaps[:5]) + (", ..." if len(gaps) > 5 else "")
            missing.append((f"{len(gaps)} monthly inspection(s) missing ({shown})",
                            f"缺少 {len(gaps)} 次月度巡检（{shown}）"))  # fmt: skip
        staffing = staffing_gaps(desk, min(until - timedelta(days=1), today))
        if staffing:
            days = sum((b - a).days + 1 for a, b, _ in staffing)
            missing.append((f"{days} day(s) with fewer than 2 engineers on site", f"{days} 天驻场人员少于2人"))
        return missing

    changes = desk.session.exec(select(ChangeRequest)).all()
    not_accepted = [c.id for c in changes if c.acceptance != "accepted"]
    final = record_gaps(end)
    if not_accepted:
        ids = ", ".join(map(str, not_accepted[:10]))
        final.append((f"{len(not_accepted)} change request(s) not accepted (ids {ids})",
                      f"{len(not_accepted)} 项修改调整尚未验收（编号 {ids}）"))  # fmt: skip
    if today < end:
        final.insert(0, (f"the service period runs until {last_day}", f"服务期至 {last_day} 结束"))
    first = [] if today >= start else [(f"the service starts on {start}", f"服务期自 {start} 开始")]
    second = ([(f"half the service period is reached on {half}", f"服务时间于 {half} 达到50%")] if today < half
              else []) + record_gaps(half)  # fmt: skip
    acceptance_by = desk.calendar.working_day_after(last_day, 30)
    items = [
        _milestone(1, 30, "服务期开始后", "after the service starts", start, first),
        _milestone(2, 30, "服务时间达到50%，提供维护服务记录", "half the service period, with the maintenance records",
                  half, second),
        _milestone(3, 40, "合同期满且通过维护验收，提供完整维护服务记录",
                  "the contract's end and its acceptance, with the complete records", end, final),
    ]  # fmt: skip
    unconfirmed = list(desk.calendar.unconfirmed_years(last_day, acceptance_by))
    return Milestones(start, end, last_day, half, acceptance_by, unconfirmed, items)


@dataclass(frozen=True)
class Milestone:
    """One payment milestone and the evidence it still lacks (in English and in Chinese)."""

    n: int
    percent: int
    name: str
    name_en: str
    date: date
    missing: list[str]
    missing_zh: list[str]
    ready: bool


def _milestone(n: int, percent: int, name: str, name_en: str, day: date, gaps: list[tuple[str, str]]) -> Milestone:
    return Milestone(n, percent, name, name_en, day, [en for en, _ in gaps], [zh for _, zh in gaps], not gaps)


@dataclass(frozen=True)
class Milestones:
    """The service period's dates and the three payment milestones (see :func:`milestones`)."""

    start: date
    end: date  # the day after the service's last day
    last_day: date
    half: date
    acceptance_start_by: date
    unconfirmed_years: list[int]
    milestones: list[Milestone]
