"""A synthetic store at any size, for benchmarks: ``opsdesk demo --scale N``.

N faults over ten years on fifty systems, with change requests (one per 50 faults) and a monthly
inspection of every system; written in batches through :class:`BulkWriter`, so
the history chain verifies like any other store's.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import col, func, select

from opsdesk.contract.inspections import DEFAULT_TEMPLATE
from opsdesk.contract.settings import init_contract
from opsdesk.contract.systems import SYSTEMS as SEEDED
from opsdesk.contract.systems import add_system
from opsdesk.desk import Desk
from opsdesk.store.bulk import BulkWriter
from opsdesk.store.bulk import row as _row
from opsdesk.store.models import ChangeRequest, Event, Inspection, InspectionItem, System, Ticket

YEARS = 10
SYSTEMS = 50
BATCH = 20_000


SCALE_NAME_PREFIX = "规模测试合同"  # `demo --replace` rebuilds only stores named so, or the demo


def build_scale(desk: Desk, *, tickets: int, seed: int = 1) -> dict[str, int]:
    """Every record is recorded in time order (``verify`` checks that recorded times never go
    backwards): the contract at its start, then faults, changes and inspections as they happen."""
    rng = random.Random(seed)
    now = desk.local_now.replace(second=0, microsecond=0)
    start = now.date() - relativedelta(years=YEARS)
    desk.now = datetime.combine(start.replace(day=1), time(0), tzinfo=now.tzinfo)  # before the first inspection
    init_contract(
        desk,
        name=f"{SCALE_NAME_PREFIX}（{tickets} 条工单）",
        hospital="某医院集团",
        vendor="示例信息技术有限公司",
        start=start,
        months=12 * YEARS,
    )
    for n in range(len(SEEDED) + 1, SYSTEMS + 1):
        add_system(desk, f"sys{n:02d}", f"信息系统{n:02d}")
    desk.now = now
    system_ids = [s.id for s in desk.session.exec(select(System).order_by(col(System.id)))]
    codes = {s.id: s.code for s in desk.session.exec(select(System))}
    cal, tz = desk.calendar, desk.tz
    writer = BulkWriter(desk.session, desk.actor)
    span = (now - timedelta(hours=2) - datetime.combine(start, time(8), tzinfo=tz)).total_seconds()
    base = datetime.combine(start, time(8), tzinfo=tz)
    next_ticket = (desk.session.exec(select(func.max(Ticket.id))).one() or 0) + 1
    next_change = (desk.session.exec(select(func.max(ChangeRequest.id))).one() or 0) + 1
    inspections = _Inspections(desk, writer, system_ids, start.replace(day=1), tz)
    moments = sorted(
        (base + timedelta(seconds=rng.random() * span)).replace(second=0, microsecond=0) for _ in range(tickets)
    )
    for n, reported in enumerate(moments):
        inspections.write_until(reported)
        kind = rng.choice(("fault", "fault", "defect", "data"))
        responded = reported + timedelta(minutes=rng.randint(3, 70))
        arrived = responded + timedelta(minutes=rng.randint(5, 60)) if rng.random() < 0.6 else None
        resolved = cal.add_working_time(reported, timedelta(minutes=rng.randint(30, 1500)))
        resolved = max(resolved, (arrived or responded) + timedelta(minutes=5))
        open_now = resolved > now
        confirmed = resolved + timedelta(days=2) if not open_now and resolved + timedelta(days=2) < now else None
        row = _row(
            Ticket,
            id=next_ticket + n,
            system_id=rng.choice(system_ids),
            kind=kind,
            symptom=f"{codes[system_ids[n % SYSTEMS]]} 故障 {n}",
            reporter="值班护士",
            channel="phone",
            reported_at=reported,
            reported_rec=reported + timedelta(minutes=2),
            responded_at=responded,
            responded_rec=responded + timedelta(minutes=1),
            arrived_at=arrived,
            arrived_rec=arrived and arrived + timedelta(minutes=1),
            resolved_at=None if open_now else resolved,
            resolved_rec=None if open_now else resolved + timedelta(minutes=3),
            cause=None if open_now else "服务异常",
            action=None if open_now else "重启并观察",
            confirmed_at=confirmed,
            confirmed_by=confirmed and "信息科",
            confirm_comment=None,
        )
        writer.add(
            "ticket", row, action="fault.open", recorded_at=reported + timedelta(minutes=2), happened_at=reported
        )
        if n % 50 == 0:
            submitted = reported
            implemented = submitted + timedelta(days=rng.randint(5, 35))
            writer.add(
                "change_request",
                _row(
                    ChangeRequest,
                    id=next_change,
                    system_id=row["system_id"],
                    type="perfective",
                    title=f"需求 {n}",
                    schema_change=False,
                    submitted_at=submitted,
                    submitted_rec=submitted,
                    implemented_at=implemented if implemented < now else None,
                    implemented_rec=implemented if implemented < now else None,
                ),
                action="change.open",
                recorded_at=submitted + timedelta(minutes=2),
            )
            next_change += 1
        if len(writer.events) >= BATCH:
            writer.flush()
    inspections.write_until(datetime.combine(now.date().replace(day=1), time(0), tzinfo=tz))
    writer.flush()
    session = desk.session
    return {
        "tickets": session.exec(select(func.count()).select_from(Ticket)).one(),
        "open": session.exec(select(func.count()).select_from(Ticket).where(col(Ticket.resolved_at).is_(None))).one(),
        "events": session.exec(select(func.count()).select_from(Event)).one(),
    }


class _Inspections:
    """Every system's monthly inspection (on the 20th, 10:00), written as the faults reach its time."""

    def __init__(self, desk: Desk, writer: BulkWriter, system_ids: list[int], month, tz):
        self.writer, self.system_ids, self.month, self.tz = writer, system_ids, month, tz
        self.inspection_id = (desk.session.exec(select(func.max(Inspection.id))).one() or 0) + 1
        self.item_id = (desk.session.exec(select(func.max(InspectionItem.id))).one() or 0) + 1

    def write_until(self, moment: datetime) -> None:
        """The inspections of every month whose inspection day comes before ``moment``."""
        while (at := datetime.combine(self.month.replace(day=20), time(10), tzinfo=self.tz)) < moment:
            for system_id in self.system_ids:
                self.writer.add(
                    "inspection",
                    _row(
                        Inspection,
                        id=self.inspection_id,
                        system_id=system_id,
                        month=f"{self.month:%Y-%m}",
                        at=at,
                        recorded_at=at,
                        inspector="张伟",
                    ),
                    action="inspection.record",
                    recorded_at=at,
                    happened_at=at,
                )
                for item in DEFAULT_TEMPLATE:
                    self.writer.add(
                        "inspection_item",
                        _row(
                            InspectionItem,
                            id=self.item_id,
                            inspection_id=self.inspection_id,
                            section=item["section"],
                            item=item["item"],
                            standard=item["standard"],
                            result="正常",
                            verdict="ok",
                        ),
                        action="inspection.item",
                        recorded_at=at,
                    )
                    self.item_id += 1
                self.inspection_id += 1
            self.month = (self.month + timedelta(days=32)).replace(day=1)
