"""The tables, as SQLModel classes.

The schema itself is created by the ordered migrations in :mod:`opsdesk.store.migrations`;
``tests/store/test_migrations.py`` checks that a migrated database matches these classes.
Every moment is a timezone-aware datetime stored as ISO 8601 text with its offset.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict
from sqlalchemy import Column, String, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class Moment(TypeDecorator):
    """A timezone-aware datetime kept as ISO 8601 text (``2026-12-04T17:30:00+08:00``)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value} cannot be stored")
        return value.isoformat(timespec="seconds")

    def process_result_value(self, value: str | None, dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


def moment(nullable: bool = True) -> Column:
    return Column(Moment(), nullable=nullable)


class Table(SQLModel):
    """The base of every table. Pydantic builds a model's validation schema when it is first used
    (``defer_build``), not when the class is defined: table models are not validated when they are
    constructed, so most commands never build one, and start faster.

    A table's ``id`` is typed ``int`` though it is None from construction until the row is flushed:
    SQLModel has no type for "assigned by the database", and every row the code reads has one."""

    # SQLModel types model_config as its own SQLModelConfig (a TypedDict it does not export); the keys are pydantic's.
    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


class Contract(Table, table=True):
    id: int = Field(default=None, primary_key=True)
    name: str
    hospital: str
    vendor: str
    start_date: date
    months: int = 12
    terms: str  # SlaTerms as JSON
    created_at: datetime = Field(sa_column=moment(False))
    report_prefix: str | None = None  # the monthly report's number: PREFIX-YYYY-MM (YW-2026-10)
    preparer: str | None = None  # 编制人 of the reports (else the one who writes them)
    reviewer: str | None = None  # 审核人


class System(Table, table=True):
    id: int = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    active: bool = True


class Ticket(Table, table=True):
    id: int = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    kind: str
    symptom: str
    reporter: str | None = None
    dept: str | None = None
    phone: str | None = None
    channel: str | None = None
    ref: str | None = Field(default=None, index=True)
    impact: str | None = None
    reported_at: datetime = Field(sa_column=moment(False))
    reported_rec: datetime = Field(sa_column=moment(False))
    responded_at: datetime | None = Field(default=None, sa_column=moment())
    responded_rec: datetime | None = Field(default=None, sa_column=moment())
    arrived_at: datetime | None = Field(default=None, sa_column=moment())
    arrived_rec: datetime | None = Field(default=None, sa_column=moment())
    remote_at: datetime | None = Field(default=None, sa_column=moment())
    remote_rec: datetime | None = Field(default=None, sa_column=moment())
    resolved_at: datetime | None = Field(default=None, sa_column=moment())
    resolved_rec: datetime | None = Field(default=None, sa_column=moment())
    cause: str | None = None
    action: str | None = None
    result: str | None = None
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())
    confirmed_by: str | None = None
    confirm_comment: str | None = None
    source: str | None = None  # "zentao" when imported from the hospital's platform
    time_unknown: bool = False  # imported with a report date but no time of day
    platform_data: str | None = None  # JSON: the values last imported from the platform
    owner: str | None = Field(default=None, index=True)  # a name on the staff roster (`fault assign`)


class Note(Table, table=True):
    id: int = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_column=moment(False))
    recorded_at: datetime = Field(sa_column=moment(False))
    by: str
    text: str


class Correction(Table, table=True):
    """A visible correction of a confirmed record: what changed, why, by whom."""

    id: int = Field(default=None, primary_key=True)
    entity: str
    entity_id: int
    reason: str
    changes: str  # JSON {field: [before, after]}
    by: str
    recorded_at: datetime = Field(sa_column=moment(False))


class CalendarOverride(Table, table=True):
    __tablename__ = "calendar_override"

    id: int = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    working: bool
    note: str


class CalendarYear(Table, table=True):
    """A year whose working calendar the user confirmed (the package had no official schedule)."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True)
    confirmed_by: str
    confirmed_at: datetime = Field(sa_column=moment(False))


class OfficialYearRecord(Table, table=True):
    """A year of the official schedule as recorded when the contract first used it: verdicts read
    this, never the ``holidays`` package again (a later package that disagrees is reported by
    `calendar check` and adopted only as overrides). Days are JSON text: ``days_off`` maps each day off
    to its name, the other two are lists of days."""

    __tablename__ = "official_year"

    year: int = Field(primary_key=True)
    days_off: str  # {"2026-01-01": "元旦", ...}: every day off the package lists, weekends included
    weekend_workdays: str  # ["2026-02-14", ...]: 调休上班
    swapped_off: str  # ["2026-02-23", ...]: 调休, weekdays off in exchange
    published: bool  # the package had the year's official schedule; False: its plain rules
    source: str  # "holidays 0.109"


class Event(Table, table=True):
    """One entry of the append-only, hash-chained history."""

    id: int = Field(default=None, primary_key=True)
    recorded_at: datetime = Field(sa_column=moment(False))
    actor: str
    action: str
    entity: str
    entity_id: int
    happened_at: datetime | None = Field(default=None, sa_column=moment())
    before: str | None = None
    after: str | None = None
    prev_hash: str
    hash: str = Field(unique=True)


class ChangeRequest(Table, table=True):
    """A change request (修改调整): perfective, adaptive or interface work the hospital asks for."""

    __tablename__ = "change_request"

    id: int = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    type: str
    title: str
    schema_change: bool = False
    ref: str | None = None
    requested_by: str | None = None
    submitted_at: datetime = Field(sa_column=moment(False))
    submitted_rec: datetime = Field(sa_column=moment(False))
    review: str = "none"  # none | approved | rejected
    reviewed_by: str | None = None
    reviewed_at: datetime | None = Field(default=None, sa_column=moment())
    review_comment: str | None = None
    implemented_at: datetime | None = Field(default=None, sa_column=moment())
    implemented_rec: datetime | None = Field(default=None, sa_column=moment())
    implement_note: str | None = None
    acceptance: str = "none"  # none | applied | accepted | rejected
    acceptance_applied_at: datetime | None = Field(default=None, sa_column=moment())
    accepted_at: datetime | None = Field(default=None, sa_column=moment())
    accepted_by: str | None = None
    acceptance_note: str | None = None
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())
    confirmed_by: str | None = None
    confirm_comment: str | None = None
    source: str | None = None
    platform_data: str | None = None


class InspectionTemplate(Table, table=True):
    """A system's monthly checklist: JSON list of {section, item, standard}."""

    __tablename__ = "inspection_template"

    id: int = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    items: str


class Inspection(Table, table=True):
    """One system's monthly inspection (每月巡检)."""

    id: int = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    month: str  # YYYY-MM
    at: datetime = Field(sa_column=moment(False))
    recorded_at: datetime = Field(sa_column=moment(False))
    inspector: str
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())
    confirmed_by: str | None = None
    confirm_comment: str | None = None


class InspectionItem(Table, table=True):
    __tablename__ = "inspection_item"

    id: int = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    section: str  # app | db
    item: str
    standard: str
    result: str
    verdict: str  # ok | warn | fail
    note: str | None = None
    reading: str | None = None  # the measured value (88, 30/30, 312)
    unit: str | None = None  # %, 次, 个
    threshold: str | None = None  # ≤85


class Risk(Table, table=True):
    """A risk found by an inspection, with its remedy (解决方案) and whether it was carried out."""

    id: int = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    text: str
    level: str  # high | medium | low
    remedy: str
    owner: str | None = None
    due: date | None = None
    done_at: datetime | None = Field(default=None, sa_column=moment())
    done_note: str | None = None
    item: str | None = None  # the check item it was found on
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())
    confirmed_by: str | None = None
    confirm_comment: str | None = None


class Staff(Table, table=True):
    """The maintenance staff roster (维护人员清单)."""

    id: int = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str
    phone: str
    email: str
    onsite: bool = False
    from_date: date
    to_date: date | None = None


class Training(Table, table=True):
    """A training session (实施培训)."""

    id: int = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    at: datetime = Field(sa_column=moment(False))
    topic: str
    trainer: str
    attendees: int
    hours: float
    note: str | None = None
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())
    confirmed_by: str | None = None
    confirm_comment: str | None = None


class WorkLog(Table, table=True):
    """System-integration work (系统集成服务): OS/database upkeep, security, backups, drills."""

    __tablename__ = "work_log"

    id: int = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    type: str
    text: str
    at: datetime = Field(sa_column=moment(False))
    recorded_at: datetime = Field(sa_column=moment(False))
    by: str
    minutes: int | None = None
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())
    confirmed_by: str | None = None
    confirm_comment: str | None = None


class PlatformMap(Table, table=True):
    """How the hospital platform's names map to opsdesk: product or product/module -> system,
    severity -> ticket kind."""

    __tablename__ = "platform_map"

    id: int = Field(default=None, primary_key=True)
    kind: str  # product | severity
    key: str
    value: str


class TermsChange(Table, table=True):
    """The SLA terms in force from a moment on (the first one is the contract's start)."""

    __tablename__ = "terms_change"

    id: int = Field(default=None, primary_key=True)
    effective_from: datetime = Field(sa_column=moment(False))
    terms: str
    note: str | None = None


class ExceptionRequest(Table, table=True):
    """An exception to a ticket's SLA figures the vendor asks for and the hospital agrees to or refuses
    (无推诿): void the ticket, waive its arrival, or pause its resolution clock; or a correction, an
    edit that would improve a verdict the hospital has already seen (``edit_values``: JSON
    ``{column: [value when asked, value asked for]}``, applied to the ticket when the hospital agrees).
    Nothing changes in any figure until ``confirmed_at`` is set. A pause's span is read from ``paused_at`` and
    ``resumed_at`` (the moments given at `fault pause` / `fault resume`), never a stored counter."""

    __tablename__ = "exception_request"

    id: int = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    type: str  # void | waive_arrival | pause | correction
    reason: str
    duplicate_of: int | None = None  # void: the ticket this one duplicates
    paused_at: datetime | None = Field(default=None, sa_column=moment())
    resumed_at: datetime | None = Field(default=None, sa_column=moment())
    requested_by: str
    requested_at: datetime = Field(sa_column=moment(False))  # recorded: the real clock's
    confirmed_at: datetime | None = Field(default=None, sa_column=moment())  # the hospital agreed
    confirmed_by: str | None = None
    confirm_comment: str | None = None
    refused_at: datetime | None = Field(default=None, sa_column=moment())  # the hospital refused
    refused_by: str | None = None
    refuse_reason: str | None = None
    edit_values: str | None = None  # correction: JSON {column: [before, after]}


class AlertChannel(Table, table=True):
    """Where alerts go: a WeCom or DingTalk group robot, a plain webhook, or an e-mail address.
    Alert bookkeeping, not a contract record: no history events (see :mod:`opsdesk.alerts`)."""

    __tablename__ = "alert_channel"

    id: int = Field(default=None, primary_key=True)
    name: str  # unique among the channels not removed
    kind: str  # wecom | dingtalk | webhook | email
    target: str  # the robot's URL, or the e-mail address
    secret: str | None = None  # DingTalk's signing secret, an SMTP password given at a prompt
    settings: str  # JSON: SMTP host, port, user, starttls, password_env, sender
    added_at: datetime = Field(sa_column=moment(False))
    added_by: str
    removed_at: datetime | None = Field(default=None, sa_column=moment())
    purpose: str = "alerts"  # alerts | witness (the history's anchor, opsdesk.alerts.witness)


class AlertSetting(Table, table=True):
    """An alert threshold changed from its default (`opsdesk alert set`)."""

    __tablename__ = "alert_setting"

    key: str = Field(primary_key=True)
    value: str
    set_at: datetime = Field(sa_column=moment(False))
    set_by: str


class AlertDelivery(Table, table=True):
    """One alert (``key``) to one channel: claimed before it is sent, marked sent when the service
    accepts it, failed (and retried by the next run) when it does not."""

    __tablename__ = "alert_delivery"
    __table_args__ = (UniqueConstraint("channel_id", "key"),)

    id: int = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="alert_channel.id")
    key: str
    subject: str
    state: str  # sending | sent | failed
    attempts: int
    first_tried: datetime = Field(sa_column=moment(False))
    last_tried: datetime = Field(sa_column=moment(False))
    sent_at: datetime | None = Field(default=None, sa_column=moment())
    error: str | None = None
    anchor: str | None = None  # a witness message's anchor, N:HASH (the last one tried)


class Objection(Table, table=True):
    """The hospital's disagreement with a record, read back from an exported workbook (``confirm
    import``): its 不确认 with the comment beside it, or a comment it wrote without an answer;
    ``confirm pending`` lists it beside the record. It confirms nothing."""

    id: int = Field(default=None, primary_key=True)
    kind: str  # fault | change | inspection | training | work | risk | exception (a confirmable record)
    record_id: int
    comment: str
    objected_by: str | None = None  # the name beside it, when one was written
    workbook: str  # the file's name and the sheet and row the comment was in
    recorded_at: datetime = Field(sa_column=moment(False))


class Delivery(Table, table=True):
    """A monthly report written for the hospital, with the history anchor it carries (the number of
    events and the head hash at export) and the SHA-256 of the file as written."""

    id: int = Field(default=None, primary_key=True)
    report: str  # monthly
    month: str  # YYYY-MM
    written_at: datetime = Field(sa_column=moment(False))
    events: int
    head_hash: str
    sha256: str
    file: str  # its name


ENTITIES: dict[str, type[SQLModel]] = {
    "contract": Contract,
    "system": System,
    "ticket": Ticket,
    "note": Note,
    "correction": Correction,
    "calendar_override": CalendarOverride,
    "calendar_year": CalendarYear,
    "official_year": OfficialYearRecord,
    "change_request": ChangeRequest,
    "inspection_template": InspectionTemplate,
    "inspection": Inspection,
    "inspection_item": InspectionItem,
    "risk": Risk,
    "staff": Staff,
    "training": Training,
    "work_log": WorkLog,
    "terms_change": TermsChange,
    "platform_map": PlatformMap,
    "exception_request": ExceptionRequest,
    "objection": Objection,
    "delivery": Delivery,
}
