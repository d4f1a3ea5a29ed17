"""The contract: its creation, its SLA terms over time, and the payment milestones.

SPEC: payment 30% after service start; 30% at half the service period with the maintenance
records; 40% at the end after acceptance with the complete records. The hospital starts the
final acceptance within 30 working days after the contract ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from opsdesk.contract.overrides import Guard, Rejudging, clock_states
from opsdesk.contract.systems import SYSTEMS
from opsdesk.desk import Desk, contract_end, fmt, text_value
from opsdesk.errors import InvalidInput, Refused
from opsdesk.store.models import Contract, System, TermsChange, Ticket

if TYPE_CHECKING:
    from opsdesk.sla.terms import SlaTerms

# -- the contract -----------------------------------------------------------------------


def init_contract(desk: Desk, *, name: str, hospital: str, vendor: str, start: date, months: int = 12) -> Contract:
    """Create the contract with SPEC's SLA terms and seed the five contracted systems."""
    from opsdesk.sla.terms import SlaTerms

    existing = desk.session.get(Contract, 1)
    if existing is not None:
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
    record_contract_years(desk)
    return contract


def record_contract_years(desk: Desk) -> None:
    """Record the official schedule of the years the contract uses (its service period and the final-
    acceptance window after it) as the installed ``holidays`` package has them now: the calendar of
    record every verdict reads. A year needed later is recorded by the first command that writes."""
    from opsdesk.sla import workcalendar
    from opsdesk.store.calendar_record import years_in_use

    for year in years_in_use(
        desk.session, desk.contract.start_date, contract_end(desk.contract), workcalendar.package_year
    ):
        desk.official_year(year)


# -- terms --------------------------------------------------------------------------------


def set_term(
    desk: Desk,
    key: str,
    value: str,
    *,
    effective: datetime | str | None = None,
    note: str | None = None,
    retroactive: bool = False,
    guard: Guard | None = None,
) -> TermsChange:
    """Change one SLA term from ``effective`` on; tickets reported before keep the old terms.

    A change that takes effect in the past would re-judge tickets already on record: it is
    refused, with how many, unless ``retroactive``. The time zone cannot change once records exist.
    """
    from opsdesk.sla.terms import SlaTerms
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
        moment = (
            parse_moment(effective, desk.local_now, desk.tz, allow_future=True)
            if isinstance(effective, str)
            else desk.moment(effective)
        )
    latest = desk.terms_history[-1][0]
    if latest is not None and moment < latest:
        raise Refused(f"the last change of terms took effect at {fmt(latest)}; a new one cannot take effect before")
    affected = desk.session.exec(select(func.count()).select_from(Ticket).where(Ticket.reported_at >= moment)).one()
    if affected and not retroactive:
        raise Refused(
            f"from {fmt(moment)} the new {key} would re-judge {affected} fault(s) already on record; "
            "add --retroactive to apply it to them (the change stays visible in the history)"
        )
    if affected and guard is not None:
        guard(_rejudged(desk, moment, terms))
    summary = f"{key}: {current[key]} -> {parsed}"
    change = TermsChange(
        effective_from=moment,
        terms=json.dumps(terms.to_dict(), ensure_ascii=False, sort_keys=True),
        note=f"{summary} ({text_value(note, '--note')})" if text_value(note, "--note") else summary,
    )
    return desk.create(change, "contract.terms", happened_at=moment)


def _rejudged(desk: Desk, moment: datetime, terms: SlaTerms) -> list[Rejudging]:
    """The faults reported from ``moment`` on whose verdicts ``terms`` would change, before and after."""
    tickets = list(desk.session.exec(select(Ticket).where(Ticket.reported_at >= moment)))
    before = clock_states(desk, tickets, desk.calendar_for)
    after = clock_states(desk, tickets, desk.calendar_for, terms_for=lambda _: terms)
    return [(t, before[t.id], after[t.id]) for t in tickets if before[t.id] != after[t.id]]


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
    note: str | None
    terms: dict[str, Any]


def terms_changes(desk: Desk) -> list[TermsChangeView]:
    """Every change of the terms, in the order they take effect."""
    query = select(TermsChange).order_by(col(TermsChange.effective_from), col(TermsChange.id))
    return [
        TermsChangeView(c.effective_from, c.effective_from <= desk.local_now, c.note, json.loads(c.terms))
        for c in desk.session.exec(query)
    ]
