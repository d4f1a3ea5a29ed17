"""The payment milestones (30/30/40) and the evidence each still lacks.

SPEC: payment 30% after service start; 30% at half the service period with the maintenance
records; 40% at the end after acceptance with the complete records. The hospital starts the
final acceptance within 30 working days after the contract ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from opsdesk.contract.systems import systems
from opsdesk.desk import Desk, contract_end
from opsdesk.faults.agreed import agreed_exceptions
from opsdesk.reports.service import awaiting
from opsdesk.store.models import ChangeRequest, Inspection, Ticket

# -- milestones ---------------------------------------------------------------------------


def midpoint(start: date, end: date) -> date:
    return start + timedelta(days=(end - start).days // 2)


def _inspection_gaps(desk: Desk, first: date, until: date) -> list[str]:
    """'YYYY-MM system' for each whole contract month before ``until`` with a system uninspected."""
    done = {(m, s) for m, s in desk.session.exec(select(Inspection.month, Inspection.system_id))}
    active = systems(desk, include_inactive=False)
    out: list[str] = []
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
    from opsdesk.contract.people import staffing_gaps

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
        unconfirmed = awaiting(desk, before(until))
        if unconfirmed:
            n = len(unconfirmed)
            missing.append((f"{n} record(s) not confirmed by the hospital", f"{n} 条记录尚未经院方确认"))
        voided = {i for i, agreed in agreed_exceptions(desk.session).items() if agreed.void is not None}
        open_faults = [
            i
            for i in desk.session.exec(
                select(Ticket.id).where(col(Ticket.resolved_at).is_(None), col(Ticket.reported_at) < before(until))
            ).all()
            if i not in voided
        ]  # a fault void by agreement is owed nothing
        if open_faults:
            missing.append((f"{len(open_faults)} fault(s) still open", f"{len(open_faults)} 个故障尚未修复"))
        gaps = _inspection_gaps(desk, start, min(until, today + timedelta(days=1)))
        if gaps:
            shown = ", ".join(gaps[:5]) + (", ..." if len(gaps) > 5 else "")
            missing.append(
                (f"{len(gaps)} monthly inspection(s) missing ({shown})", f"缺少 {len(gaps)} 次月度巡检（{shown}）")
            )
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
        final.append(
            (
                f"{len(not_accepted)} change request(s) not accepted (ids {ids})",
                f"{len(not_accepted)} 项修改调整尚未验收（编号 {ids}）",
            )
        )
    if today < end:
        final.insert(0, (f"the service period runs until {last_day}", f"服务期至 {last_day} 结束"))
    first = [] if today >= start else [(f"the service starts on {start}", f"服务期自 {start} 开始")]
    second = (
        [(f"half the service period is reached on {half}", f"服务时间于 {half} 达到50%")] if today < half else []
    ) + record_gaps(half)
    acceptance_by = desk.calendar.working_day_after(last_day, 30)
    items = [
        _milestone(1, 30, "服务期开始后", "after the service starts", start, first),
        _milestone(
            2,
            30,
            "服务时间达到50%，提供维护服务记录",
            "half the service period, with the maintenance records",
            half,
            second,
        ),
        _milestone(
            3,
            40,
            "合同期满且通过维护验收，提供完整维护服务记录",
            "the contract's end and its acceptance, with the complete records",
            end,
            final,
        ),
    ]
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
