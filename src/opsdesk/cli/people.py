"""`opsdesk staff|training|work ...`: the roster, training sessions, system-integration work."""

from __future__ import annotations

from typing import Annotated

import typer

from opsdesk.cli.common import AtOpt, JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table

staff_app = sub_app("The maintenance staff roster (维护人员清单); at least 2 on site every day.")
training_app = sub_app("Training sessions (实施培训).")
work_app = sub_app("System-integration work (系统集成服务): OS, database, security, backups, drills.")


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="Full name.")],
    role: Annotated[str, typer.Option(help="e.g. 驻场工程师, 项目经理.")],
    phone: Annotated[str, typer.Option(help="Phone number.")],
    email: Annotated[str, typer.Option(help="E-mail address.")],
    onsite: Annotated[bool, typer.Option("--onsite", help="Works on site (驻场).")] = False,
    from_: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: contract start).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
) -> None:
    """Put a person on the roster.

    Example: opsdesk staff add 张伟 --role 驻场工程师 --phone 13800000001 --email zw@example.com --onsite
    """
    from opsdesk.contract.people import add_staff
    from opsdesk.timeparse import parse_date

    with desk() as d:
        staff = add_staff(
            d,
            name,
            role=role,
            phone=phone,
            email=email,
            onsite=onsite,
            from_date=parse_date(from_) if from_ else None,
            to_date=parse_date(to) if to else None,
        )
    line(f"Added {staff.name} ({staff.role}{', on site' if staff.onsite else ''}) from {staff.from_date}")


@staff_app.command("end")
def staff_end(
    name: Annotated[str, typer.Argument(help="Name on the roster.")],
    at: Annotated[str, typer.Option("--at", help="Last day, YYYY-MM-DD.")],
) -> None:
    """Record a person's last day on the contract.

    Example: opsdesk staff end 张伟 --at 2027-03-31
    """
    from opsdesk.contract.people import end_staff
    from opsdesk.timeparse import parse_date

    with desk() as d:
        staff = end_staff(d, name, last_day=parse_date(at))
    line(f"{staff.name}: last day {staff.to_date}")


@staff_app.command("list")
def staff_list(as_json: JsonOpt = False) -> None:
    """The roster, today's on-site headcount, and days with fewer than 2 on site.

    Example: opsdesk staff list
    """
    from opsdesk.contract.people import onsite_on, roster, staff_dict, staffing_gaps

    with desk(write=False) as d:
        people = roster(d)
        today = d.local_now.date()
        gaps = staffing_gaps(d)
    headcount = onsite_on(people, today)
    if as_json:
        emit_json(
            {
                "staff": [staff_dict(s) for s in people],
                "onsite_today": headcount,
                "gaps": [{"from": a, "to": b, "onsite": n} for a, b, n in gaps],
            }
        )
        return
    table(
        f"Roster: {len(people)}",
        ["name", "role", "phone", "email", "on site", "from", "to"],
        [[s.name, s.role, s.phone, s.email, s.onsite, s.from_date, s.to_date] for s in people],
    )
    line(f"On site today: {headcount}", style="red" if headcount < 2 else None)
    for first, last, count in gaps:
        line(f"Gap: {first} to {last}: {count} on site (at least 2 required)", style="red")


@training_app.command("add")
def training_add(
    system: Annotated[str, typer.Argument(help="System code.")],
    topic: Annotated[str, typer.Argument(help="What was taught.")],
    trainer: Annotated[str, typer.Option(help="Who taught it.")],
    attendees: Annotated[int, typer.Option(help="How many attended.")],
    hours: Annotated[float, typer.Option(help="Length in hours.")],
    at: AtOpt = None,
    note: Annotated[str | None, typer.Option(help="Remarks.")] = None,
) -> None:
    """Record a training session.

    Example: opsdesk training add queue "新版叫号操作培训" --trainer 张伟 --attendees 25 --hours 1.5
    """
    from opsdesk.contract.people import add_training

    with desk() as d:
        t = add_training(d, system, topic, at=at, trainer=trainer, attendees=attendees, hours=hours, note=note)
    line(f"Training {t.id}: {t.topic} ({t.attendees} people, {t.hours:g} h) at {t.at:%Y-%m-%d %H:%M}")


@training_app.command("list")
def training_list(as_json: JsonOpt = False) -> None:
    """List training sessions.

    Example: opsdesk training list
    """
    from opsdesk.contract.people import trainings

    with desk(write=False) as d:
        rows = trainings(d)
    data = [
        {
            "id": t.id,
            "system": s.code,
            "at": t.at,
            "topic": t.topic,
            "trainer": t.trainer,
            "attendees": t.attendees,
            "hours": t.hours,
            "note": t.note,
            "confirmed_by": t.confirmed_by,
        }
        for t, s in rows
    ]
    if as_json:
        emit_json(data)
        return
    table(
        f"{len(data)} training session(s)",
        ["id", "system", "at", "topic", "trainer", "attendees", "hours"],
        [[r["id"], r["system"], r["at"], r["topic"], r["trainer"], r["attendees"], f"{r['hours']:g}"] for r in data],
    )


@work_app.command("log")
def work_log(
    system: Annotated[str, typer.Argument(help="System code.")],
    text: Annotated[str, typer.Argument(help="What was done.")],
    type: Annotated[
        str,
        typer.Option(
            "--type",
            help="os, database, security, backup, restore-drill, interface (操作系统/数据库/安全/备份/恢复演练/接口).",
        ),
    ],
    at: AtOpt = None,
    minutes: Annotated[int | None, typer.Option(help="Time spent.")] = None,
) -> None:
    """Record system-integration work (real-time backup checks, restore drills, patches...).

    Example: opsdesk work log queue "检查实时备份同步状态" --type backup --minutes 30
    """
    from opsdesk.contract.people import log_work

    with desk() as d:
        entry = log_work(d, system, text, type=type, at=at, minutes=minutes)
    line(f"Work {entry.id}: {entry.type} on {system} at {entry.at:%Y-%m-%d %H:%M}")


@work_app.command("list")
def work_list(
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List system-integration work.

    Example: opsdesk work list --type restore-drill
    """
    from opsdesk.contract.people import work_entries

    with desk(write=False) as d:
        rows = work_entries(d, system=system, type=type)
    data = [
        {
            "id": w.id,
            "system": s.code,
            "type": w.type,
            "at": w.at,
            "text": w.text,
            "minutes": w.minutes,
            "by": w.by,
            "confirmed_by": w.confirmed_by,
        }
        for w, s in rows
    ]
    if as_json:
        emit_json(data)
        return
    table(
        f"{len(data)} work entr{'y' if len(data) == 1 else 'ies'}",
        ["id", "system", "type", "at", "by", "minutes", "what"],
        [[r["id"], r["system"], r["type"], r["at"], r["by"], r["minutes"], r["text"]] for r in data],
    )
