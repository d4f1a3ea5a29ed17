"""What is due now: each an :class:`Alert` with a key that names it once and for all.

* a running clock at its warning threshold (``fault:12:response:warning``), and again when it
  breaches (``fault:12:response:breach``); the resolution threshold is working time, counted on the
  working calendar, so a resolution due Monday 09:00 warns Friday 17:00, and one whose warning
  falls outside working hours warns at the next working minute, never over the weekend;
* a risk past its due date and not carried out (``risk:4:overdue``);
* an inspection still owed in the last working days of a month (``inspection:2026-12:queue``);
* an exception request awaiting the hospital (:func:`exception_request_alerts`, a hook);
* the morning digest (``digest:2026-12-07``), only when asked for (:func:`digest_alert`).

Pure reading: nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import select

from opsdesk.alerts.channels import Thresholds
from opsdesk.desk import Desk, contract_end
from opsdesk.store.models import Staff

CLOCK_NAMES = {"response": "响应", "arrival": "到场", "resolution": "修复"}
LEVEL_NAMES = {"high": "高", "medium": "中", "low": "低"}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Alert:
    """One thing to tell the team: ``subject`` is one line (an e-mail's subject, the log's entry),
    ``body`` the text for the group; ``mobiles`` the roster's mobile numbers to mention."""

    key: str
    kind: str  # warning | breach | risk | inspection | exception | digest | test
    subject: str
    body: str
    mobiles: tuple[str, ...] = ()
    anchor: str | None = None  # a witness message: the anchor it carries, N:HASH (opsdesk.alerts.witness)
    # what it is about, for a program reading a webhook (None where it has none)
    fault_id: int | None = None
    system: str | None = None  # the system's code
    clock: str | None = None  # response | arrival | resolution
    deadline: datetime | None = None  # the clock's deadline, in the contract's zone
    owner: str | None = None


def due_alerts(desk: Desk, limits: Thresholds) -> list[Alert]:
    """Everything due now, most pressing first: breaches, warnings, then risks and inspections."""
    mobiles = _mobiles(desk)
    found = fault_alerts(desk, limits, mobiles) + risk_alerts(desk, mobiles) + inspection_alerts(desk, limits)
    found += exception_request_alerts(desk)
    order = {"breach": 0, "warning": 1, "exception": 2, "risk": 3, "inspection": 4}
    return sorted(found, key=lambda a: order.get(a.kind, 9))


def _mobiles(desk: Desk) -> dict[str, str]:
    """Each roster name's mobile number (11 digits from 1, +86 dropped), where the phone is one."""
    out = {}
    for staff in desk.session.exec(select(Staff)):
        digits = re.sub(r"\D", "", staff.phone or "")
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if re.fullmatch(r"1[3-9]\d{9}", digits):
            out[staff.name] = digits
    return out


def zh_span(delta: timedelta, *, late: bool = False, working_day: timedelta | None = None) -> str:
    """``1小时5分钟`` (time left in whole minutes; late by part of a minute counts as a minute); working
    time (``working_day`` given) in working days of that length, ``18个工作日``, marked under one day
    (``2小时（工作时间）``): the format of the screens and workbooks (:mod:`opsdesk.sla.durations`)."""
    from opsdesk.sla.durations import wall_span, working_span

    delta = abs(delta)  # late or left, the words say which
    if working_day is None:
        return wall_span(delta, "zh", late=late)
    return working_span(delta, working_day, "zh", late=late, mark=True)


def warning_at(desk: Desk, view, clock, limits: Thresholds) -> datetime:
    """When a running clock's warning is due. A wall clock: the threshold before its deadline. The
    resolution clock: when the working time left reaches the threshold, counted on the calendar
    that judges the ticket and without the working time of agreed pauses (a pause still running
    ends now, so a paused clock does not warn); a moment outside working hours, or inside a pause,
    moves to the next working minute outside them."""
    if clock.basis == "wall":
        return clock.deadline - (limits.response if clock.name == "response" else limits.arrival)
    calendar = desk.calendar_for(desk.terms_at(view.ticket.reported_at))
    before = max(clock.target - limits.resolution, timedelta(0))
    moment = calendar.add_working_time_outside(view.ticket.reported_at, before, clock.pauses)
    return calendar.next_working_moment_outside(moment, clock.pauses)


def fault_alerts(desk: Desk, limits: Thresholds, mobiles: dict[str, str]) -> list[Alert]:
    """A warning for each running clock past its threshold, a breach alert for each overdue one; none
    for a fault the hospital agreed to void."""
    from opsdesk.faults.views import each_fault

    now = desk.local_now
    found = []
    for view in each_fault(desk, open_only=True):
        if view.voided:  # void by agreement: it leaves every figure, and nobody need act on it
            continue
        for clock in view.clocks:
            if clock.state == "overdue":
                found.append(_fault_alert(view, clock, "breach", mobiles))
            elif clock.state == "running" and now >= warning_at(desk, view, clock, limits):
                found.append(_fault_alert(view, clock, "warning", mobiles))
    return found


def _fault_alert(view, clock, kind: str, mobiles: dict[str, str]) -> Alert:
    t, s = view.ticket, view.system
    name = CLOCK_NAMES[clock.name]
    tag = f"{name}{'超时' if kind == 'breach' else '预警'}"
    working_day = view.working_day if clock.basis == "working" else None
    if kind == "breach":
        state = f"已超时 {zh_span(clock.margin, late=True, working_day=working_day)}"
    else:
        state = f"还剩 {zh_span(clock.margin, working_day=working_day)}"
    symptom = t.symptom if len(t.symptom) <= 80 else t.symptom[:79] + "…"
    owner = f"负责人：{t.owner}" if t.owner else "负责人：未指派（opsdesk fault assign）"
    body = "\n".join(
        [
            f"【{tag}】故障 {t.id} · {s.code} {s.name}",
            f"症状：{symptom}",
            f"{name}时限 {clock.deadline:%Y-%m-%d %H:%M}，{state}",
            owner,
        ]
    )
    subject = f"【{tag}】故障 {t.id} {s.code} {symptom[:30]} · {name}时限 {clock.deadline:%m-%d %H:%M}"
    mobile = mobiles.get(t.owner or "")
    return Alert(
        f"fault:{t.id}:{clock.name}:{kind}",
        kind,
        subject,
        body,
        (mobile,) if mobile else (),
        fault_id=t.id,
        system=s.code,
        clock=clock.name,
        deadline=clock.deadline,
        owner=t.owner,
    )


def risk_alerts(desk: Desk, mobiles: dict[str, str]) -> list[Alert]:
    """Each risk past its due date whose remedy is not carried out."""
    from opsdesk.contract.inspections import overdue_risks

    today = desk.local_now.date()
    found = []
    for risk, inspection, s in overdue_risks(desk):
        assert risk.due is not None  # overdue_risks: past its due date
        days = (today - risk.due).days
        body = "\n".join(
            [
                f"【风险逾期】巡检 {inspection.id}（{inspection.month}）· {s.code} {s.name}",
                f"风险：{risk.text}（{LEVEL_NAMES.get(risk.level, risk.level)}）",
                f"解决方案：{risk.remedy}",
                f"整改期限 {risk.due}，已逾期 {days} 天，尚未落实（opsdesk inspect risk-done {risk.id}）",
                f"负责人：{risk.owner or '未指定'}",
            ]
        )
        subject = f"【风险逾期】风险 {risk.id} {s.code} {risk.text[:30]} · 期限 {risk.due}"
        mobile = mobiles.get(risk.owner or "")
        found.append(
            Alert(
                f"risk:{risk.id}:overdue",
                "risk",
                subject,
                body,
                (mobile,) if mobile else (),
                system=s.code,
                owner=risk.owner,
            )
        )
    return found


def inspection_alerts(desk: Desk, limits: Thresholds) -> list[Alert]:
    """Each system not yet inspected this month, once the month's last working days have come."""
    from opsdesk.contract.inspections import gaps

    today = desk.local_now.date()
    contract = desk.contract
    if today < contract.start_date or today >= contract_end(contract):
        return []
    left = _working_days_left(desk, today)
    if left > limits.inspection_days:
        return []
    month = f"{today:%Y-%m}"
    found = []
    for s in gaps(desk, (today.year, today.month)):
        body = (
            f"【巡检待做】{s.code} {s.name} 本月（{month}）尚未巡检；本月还剩 {left} 个工作日"
            f"（opsdesk inspect {s.code}）"
        )
        subject = f"【巡检待做】{s.code} {month} 尚未巡检"
        found.append(Alert(f"inspection:{month}:{s.code}", "inspection", subject, body, system=s.code))
    return found


def _working_days_left(desk: Desk, today: date) -> int:
    """Working days from today (inclusive) to the month's end."""
    return sum(1 for day in desk.calendar.month_days(today.year, today.month) if day.day >= today and day.working)


def exception_request_alerts(desk: Desk) -> list[Alert]:
    """One alert per exception request (void / waive an arrival / pause) still awaiting the hospital's
    answer, keyed ``exception:{id}:awaiting``: until it answers, no figure changes."""
    from opsdesk.faults.requests import list_exceptions
    from opsdesk.labels import value

    found = []
    for x in list_exceptions(desk, pending_only=True):
        r, s = x.request, x.system
        asked = value("zh", r.type)
        body = "\n".join(
            [
                f"【待院方确认】豁免与作废申请 {r.id}：{asked} · 故障 {r.ticket_id} · {s.code} {s.name}",
                f"理由：{r.reason}",
                f"申请人：{r.requested_by}，{r.requested_at:%Y-%m-%d %H:%M}",
                f"院方同意前不改变任何统计（opsdesk confirm exception {r.id} --by 姓名，或 --refuse）",
            ]
        )
        subject = f"【待院方确认】申请 {r.id} {asked} · 故障 {r.ticket_id}"
        found.append(
            Alert(f"exception:{r.id}:awaiting", "exception", subject, body, fault_id=r.ticket_id, system=s.code)
        )
    return found


def digest_alert(desk: Desk) -> Alert:
    """The morning digest: `status`'s headline (open clocks, breaches this month, owed inspections,
    on-site headcount), once a day (``digest:YYYY-MM-DD``)."""
    from opsdesk.reports.figures import status

    s = status(desk)
    now = s.now
    overdue = sum(1 for v in s.open if v.breached)
    uninspected = ", ".join(x.code for x in s.uninspected) or "无"
    lines = [
        f"【每日概况】{now:%Y-%m-%d} 周{WEEKDAYS[now.weekday()]} · {s.contract.name}",
        f"未关闭故障 {len(s.open)}（其中已超时 {overdue}）",
        f"本月（{s.month}）违约工单 {len(s.breaches)}",
        f"本月未巡检：{uninspected}",
    ]
    if s.staff_recorded:
        lines.append(f"今日驻场 {s.onsite_today} 人" + ("（少于 2 人）" if s.onsite_today < 2 else ""))
    if s.changes_due:
        lines.append(f"7 天内到期或逾期的修改调整 {len(s.changes_due)}")
    subject = f"【每日概况】{now:%Y-%m-%d} 未关闭故障 {len(s.open)} · 本月违约 {len(s.breaches)}"
    return Alert(f"digest:{now:%Y-%m-%d}", "digest", subject, "\n".join(lines))
