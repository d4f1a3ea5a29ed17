"""`opsdesk inspect ...`: monthly inspections (每月巡检), their checklists and risks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from opsdesk.cli.common import AtOpt, DefaultCommandGroup, JsonOpt, desk, read_period, sub_app
from opsdesk.cli.output import emit_json, fits, is_terminal, line, table
from opsdesk.errors import InvalidInput

inspect_app = sub_app("Monthly inspections (每月巡检): `opsdesk inspect SYSTEM` records one.", cls=DefaultCommandGroup)
template_app = sub_app("The per-system checklists.")
inspect_app.add_typer(template_app, name="template")
MonthOpt = Annotated[str | None, typer.Option(help="Month YYYY-MM (default: this month).")]


def _prompt(checklist: list[dict[str, str]]) -> list[dict[str, str]]:
    """Walk the checklist with prompts: the reading where the item takes one, result, verdict, note
    (Enter accepts the default). At the result prompt `ok-all` records every item left as normal, asking
    only the readings of those that take one (a reading outside its threshold makes the item a warning),
    and `back` returns to the item before; a review of every answer comes before anything is saved."""
    from rich.console import Console

    console = Console()
    results: list[dict[str, str] | None] = [None] * len(checklist)
    earlier: dict[int, dict[str, str]] = {}  # an item answered again offers its earlier answers
    number = 0
    while True:
        while number < len(checklist):
            if results[number] is not None:  # answered already (a review sends back one item only)
                number += 1
                continue
            answer = _ask_item(console, checklist, number, earlier.pop(number, None))
            if answer == "back":
                number = max(number - 1, 0)
                _answer_again(results, earlier, number)
                continue
            if answer == "ok-all" or (isinstance(answer, tuple) and answer[0] == "ok-all"):
                typed = answer[1] if isinstance(answer, tuple) else None  # the reading given before ok-all
                for rest in range(number, len(checklist)):
                    if results[rest] is None:
                        results[rest] = _reading_only(console, checklist[rest], typed if rest == number else None)
                break
            results[number] = answer
            number += 1
        choice = _review(console, checklist, results)
        if isinstance(choice, str):  # "save"
            return [r for r in results if r is not None]
        number = choice  # an item to answer again; the others keep their answers
        _answer_again(results, earlier, number)


def _answer_again(results: list[dict[str, str] | None], earlier: dict[int, dict[str, str]], number: int) -> None:
    """Clear item ``number``'s answers, keeping them in ``earlier`` to be offered again."""
    previous = results[number]
    if previous is not None:
        earlier[number] = previous
    results[number] = None


def _normal(item: dict[str, str]) -> dict[str, str]:
    return {"item": item["item"], "result": "正常", "verdict": "ok", "note": "", "reading": ""}


def _reading_only(console, item: dict[str, str], reading: str | None) -> dict[str, str]:
    """An item left to `ok-all`: normal; one that takes a reading is asked it (Enter: none), and a reading
    outside its threshold makes it 超出阈值 / warn."""
    from rich.prompt import Prompt

    from opsdesk.contract.inspections import outside_threshold

    if not item.get("unit"):
        return _normal(item)
    if reading is None:
        threshold = f", threshold {item['threshold']}" if item.get("threshold") else ""
        reading = Prompt.ask(f"  {item['item']}: reading ({item['unit']}{threshold})", default="", console=console)
    if outside_threshold(reading, item.get("threshold")):
        console.print(f"  [yellow]{reading} {item['unit']} is outside the threshold {item['threshold']}[/]")
        return {"item": item["item"], "result": "超出阈值", "verdict": "warn", "note": "", "reading": reading}
    return {**_normal(item), "reading": reading}


def _ask_item(console, checklist: list[dict[str, str]], number: int, before: dict[str, str] | None):
    """One item's answers (``before``: its earlier ones, offered as defaults), or "back" / "ok-all"
    typed at the result prompt. A reading outside the threshold makes warn the default verdict."""
    from rich.prompt import Prompt

    from opsdesk.contract.inspections import VERDICTS, outside_threshold

    item, before = checklist[number], before or {}
    section = "数据库环境" if item["section"] == "db" else "应用"
    console.print(f"[bold]{number + 1}/{len(checklist)} [{section}] {item['item']}[/] — {item['standard']}")
    reading, outside = "", None
    if item.get("unit"):
        threshold = f", threshold {item['threshold']}" if item.get("threshold") else ""
        reading = Prompt.ask(
            f"  reading ({item['unit']}{threshold})", default=before.get("reading", ""), console=console
        )
        if reading.strip().lower() in ("back", "ok-all"):  # typed a prompt early: it means the same here
            return reading.strip().lower()
        outside = outside_threshold(reading, item.get("threshold"))
        if outside:
            console.print(f"  [yellow]{reading} {item['unit']} is outside the threshold {item['threshold']}[/]")
    normal = "超出阈值" if outside else "正常"
    result = Prompt.ask(
        "  result (or ok-all: the rest are normal; back: the item before)",
        default=before.get("result", normal),
        console=console,
    )
    if result.strip().lower() == "ok-all":
        return ("ok-all", reading)  # the reading typed for this item is kept
    if result.strip().lower() == "back":
        return "back"
    verdict = ""
    while verdict not in VERDICTS:
        default = "ok" if result.strip() in ("正常", "ok", "OK", "通过") and not outside else "warn"
        verdict = (
            Prompt.ask("  verdict (ok / warn / fail)", default=before.get("verdict", default), console=console)
            .strip()
            .lower()
        )
        if verdict not in VERDICTS:
            console.print("  [red]answer ok, warn or fail (o / w / f, 正常 / 警告 / 异常)[/]")
    note = Prompt.ask("  note", default=before.get("note", ""), console=console)
    return {"item": item["item"], "result": result, "verdict": VERDICTS[verdict], "note": note, "reading": reading}


def _reading_shown(item: dict[str, str], result: dict[str, str] | None) -> str:
    if result and result["reading"]:
        return f"{result['reading']} {item.get('unit') or ''}".strip()
    return "(none given)" if item.get("unit") else ""


def _review(console, checklist: list[dict[str, str]], results: list[dict[str, str] | None]) -> Literal["save"] | int:
    """Show every answer; "save", or the index of an item to answer again. "no" aborts: nothing is recorded."""
    from rich.prompt import Prompt

    from opsdesk.errors import OpsdeskError

    table(
        "Review before saving",
        ["#", "item", "reading", "result", "verdict", "note"],
        [
            [
                n,
                c["item"],
                _reading_shown(c, r),
                r["result"] if r else "",
                r["verdict"] if r else "",
                r["note"] if r else "",
            ]
            for n, (c, r) in enumerate(zip(checklist, results, strict=True), start=1)
        ],
        flex="note",
    )
    while True:
        answer = (
            Prompt.ask("  save? (yes / no / the number of an item to answer again)", default="yes", console=console)
            .strip()
            .lower()
        )
        if answer in ("yes", "y", "是"):
            return "save"
        if answer in ("no", "n", "否"):
            raise OpsdeskError("aborted: nothing was recorded")
        if answer.isdigit() and 1 <= int(answer) <= len(checklist):
            return int(answer) - 1
        console.print(f"  [red]answer yes, no, or an item's number from 1 to {len(checklist)}[/]")


@inspect_app.command("run")
def inspect_run(
    system: Annotated[str, typer.Argument(help="System code.")],
    month: MonthOpt = None,
    at: AtOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="The inspector (default: you).")] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", help="CSV: item, result, verdict, note[, reading, unit, threshold]; a row per item."
        ),
    ] = None,
    again: Annotated[bool, typer.Option("--again", help="A re-inspection in a month already inspected.")] = False,
) -> None:
    """Record a system's monthly inspection: walk the checklist, or read results from a CSV.

    Example: opsdesk inspect queue --month 2026-12 --from-file results.csv
    """
    from opsdesk.contract.inspections import list_inspections, read_results, record, refuse_repeat, template
    from opsdesk.timeparse import parse_month

    if from_file is not None:
        results = read_results(from_file)
    else:
        if not is_terminal():
            raise InvalidInput("no terminal to ask on; give the results with --from-file results.csv")
        with desk(write=False) as d:
            if not again:  # before the walk: a repeat is refused before anything is typed
                moment = d.moment(at)
                refuse_repeat(d, system, parse_month(month) if month else (moment.year, moment.month))
            results = _prompt(template(d, system))
    with desk() as d:
        inspection = record(
            d, system, results, month=parse_month(month) if month else None, at=at, inspector=by, again=again
        )
        view = list_inspections(d, month=parse_month(inspection.month), system=system)[-1]
    counts = view.counts
    line(
        f"Inspection {inspection.id}: {view.system.code} {inspection.month} by {inspection.inspector} — "
        f"{counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail; database: {view.db_conclusion}"
    )
    for flagged in view.unrisked:  # what the monthly report will flag until a risk is recorded
        line(
            f'  {flagged.item}: {flagged.verdict}; record its risk: opsdesk inspect risk {inspection.id} "..." '
            f'--item {flagged.item} --remedy "..."',
            style="yellow",
        )


@inspect_app.command("risk")
def inspect_risk(
    inspection_id: Annotated[int, typer.Argument(metavar="INSPECTION-ID")],
    text: Annotated[str, typer.Argument(help="The risk found.")],
    remedy: Annotated[str, typer.Option(help="The remedy (解决方案).")],
    level: Annotated[
        str | None,
        typer.Option(help="high, medium or low (高/中/低); default with --item: 异常 high, 警告 medium."),
    ] = None,
    item: Annotated[str | None, typer.Option(help="The check item it was found on (e.g. 表空间使用率).")] = None,
    owner: Annotated[str | None, typer.Option(help="Who carries it out.")] = None,
    due: Annotated[str | None, typer.Option(help="By when, YYYY-MM-DD.")] = None,
) -> None:
    """Record a risk an inspection found, with its remedy; --item ties it to its check item.

    Example: opsdesk inspect risk 4 "表空间使用率88%" --item 表空间使用率 --remedy "扩容数据文件" --due 2026-12-20
    """
    from opsdesk.contract.inspections import add_risk
    from opsdesk.timeparse import parse_date

    with desk() as d:
        risk = add_risk(
            d,
            inspection_id,
            text,
            level=level,
            remedy=remedy,
            owner=owner,
            due=parse_date(due) if due else None,
            item=item,
        )
    line(f"Risk {risk.id} on inspection {inspection_id}: {risk.level}, remedy: {risk.remedy}")


@inspect_app.command("risk-done")
def inspect_risk_done(
    risk_id: Annotated[int, typer.Argument(metavar="RISK-ID")],
    at: AtOpt = None,
    note: Annotated[str | None, typer.Option(help="What was done.")] = None,
) -> None:
    """Record that a risk's remedy was carried out.

    Example: opsdesk inspect risk-done 2 --note "已扩容"
    """
    from opsdesk.contract.inspections import risk_done

    with desk() as d:
        risk = risk_done(d, risk_id, at=at, note=note)
    line(f"Risk {risk.id}: remedy done at {risk.done_at:%Y-%m-%d %H:%M}")


@inspect_app.command("list")
def inspect_list(
    month: Annotated[str | None, typer.Option(help="Only this month, YYYY-MM.")] = None,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List inspections with their verdict counts, database conclusion and risks.

    Example: opsdesk inspect list --month 2026-12
    """
    from opsdesk.contract.inspections import list_inspections
    from opsdesk.timeparse import parse_month

    with desk(write=False) as d:
        views = list_inspections(d, month=parse_month(month) if month else None, system=system)
    if as_json:
        emit_json([v.to_dict() for v in views])
        return
    table(
        f"{len(views)} inspection(s)",
        ["id", "system", "month", "at", "inspector", "ok", "warn", "fail", "database", "open risks"],
        [
            [
                v.inspection.id,
                v.system.code,
                v.inspection.month,
                v.inspection.at,
                v.inspection.inspector,
                v.counts["ok"],
                v.counts["warn"],
                v.counts["fail"],
                v.db_conclusion,
                sum(1 for r in v.risks if r.done_at is None),
            ]
            for v in views
        ],
        ["red" if v.counts["fail"] else ("yellow" if v.counts["warn"] else None) for v in views],
        short={"inspector": "by", "database": "db", "open risks": "risks"},
        optional=("at",),
    )


RISK_COLUMNS = ["risk", "system", "month", "level", "risk found", "remedy", "owner", "due", "done"]
NARROW_RISK_COLUMNS = ["risk", "system", "month", "level", "risk found → remedy", "owner", "due", "done"]


def _risk_table(title, views) -> None:
    """The risks of ``views``; on a narrow terminal the remedy goes under its risk and the done
    column keeps the day (`inspect show --json` has the note)."""
    rows, styles = [], []
    for v in views:
        for r in v.risks:
            done = f"{r.done_at:%Y-%m-%d %H:%M}" + (f" {r.done_note}" if r.done_note else "") if r.done_at else "open"
            rows.append([r.id, v.system.code, v.inspection.month, r.level, r.text, r.remedy, r.owner, r.due, done])
            styles.append(None if r.done_at else ("red" if r.level == "high" else "yellow"))
    if fits(RISK_COLUMNS, rows):
        table(title(len(rows)), RISK_COLUMNS, rows, styles)
        return
    narrow = [[*r[:4], f"{r[4]}\n→{r[5]}", r[6], r[7], r[8] if r[8] == "open" else r[8][:10]] for r in rows]
    table(title(len(rows)), NARROW_RISK_COLUMNS, narrow, styles, optional=("month",))


@inspect_app.command("show")
def inspect_show(inspection_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one inspection: every check item with its result, and the risks found.

    Example: opsdesk inspect show 12
    """
    from opsdesk.contract.inspections import list_inspections, reading_text

    with desk(write=False) as d:
        (v,) = list_inspections(d, inspection_id=inspection_id)
    if as_json:
        emit_json(v.to_dict())
        return
    i = v.inspection
    line(
        f"Inspection {i.id} · {v.system.code} {v.system.name} · {i.month} · {i.at:%Y-%m-%d %H:%M} by {i.inspector}",
        style="bold",
    )
    line(f"  {v.counts['ok']} ok, {v.counts['warn']} warn, {v.counts['fail']} fail; database: {v.db_conclusion}")
    if i.confirmed_at:
        line(f"  confirmed by {i.confirmed_by} at {i.confirmed_at:%Y-%m-%d %H:%M}")
    verdict_style = {"fail": "red", "warn": "yellow"}
    unrisked = {x.item for x in v.unrisked}
    table(
        "Check items",
        ["section", "item", "standard", "reading", "threshold", "result", "verdict", "note"],
        [
            [
                x.section,
                x.item,
                x.standard,
                reading_text(x.reading, x.unit),
                reading_text(x.threshold, x.unit),
                x.result,
                x.verdict + (" (no risk recorded)" if x.item in unrisked else ""),
                x.note,
            ]
            for x in v.items
        ],
        [verdict_style.get(x.verdict) for x in v.items],
    )
    _risk_table(lambda n: f"Risks: {n}", [v])


@inspect_app.command("risks")
def inspect_risks(
    open_only: Annotated[bool, typer.Option("--open", help="Only risks whose remedy is not yet carried out.")] = False,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the risks inspections found, with remedy, owner, due date and whether it was carried out.

    Example: opsdesk inspect risks --open
    """
    from opsdesk.contract.inspections import risk_views

    with desk(write=False) as d:
        views = risk_views(d, system=system, open_only=open_only)
    if as_json:
        emit_json(
            [
                dict(risk, system=v.system.code, month=v.inspection.month, inspection=v.inspection.id)
                for v in views
                for risk in v.to_dict()["risks"]
            ]
        )
        return
    _risk_table(lambda n: f"{n} {'open ' if open_only else ''}risk(s)", views)


@inspect_app.command("gaps")
def inspect_gaps(month: MonthOpt = None, as_json: JsonOpt = False) -> None:
    """List contracted systems not yet inspected in a month, and warned or failed check items with no
    risk recorded for them.

    Example: opsdesk inspect gaps --month 2026-12
    """
    from opsdesk.contract.inspections import month_gaps
    from opsdesk.desk import month_owed

    asked = read_period(month)
    with desk(write=False) as d:
        ym = d.period(asked, check_default_month=True).month
        assert ym is not None  # asked by month (this month by default)
        missing, unrisked = month_gaps(d, ym)
        owed = month_owed(d.contract, *ym)
    label = f"{ym[0]}-{ym[1]:02d}"
    if as_json:
        emit_json(
            {
                "month": label,
                "inspections_due": owed,
                "uninspected": [{"code": s.code, "name": s.name} for s in missing],
                "items_without_risk": unrisked,
            }
        )
        return
    if not owed:
        line(f"No inspection is due in {label}: the service ends before the month does.")
    elif not missing:
        line(f"Every system is inspected in {label}.")
    else:
        table(f"Not inspected in {label}: {len(missing)}", ["system", "name"], [[s.code, s.name] for s in missing])
    if unrisked:
        unrisked_table(f"Warned or failed items with no risk recorded in {label}: {len(unrisked)}", unrisked)


def unrisked_table(title: str, unrisked) -> None:
    """Check items found 警告/异常 with no risk recorded (`inspect risk ID "..." --item ITEM` records one)."""
    table(
        title,
        ["inspection", "system", "month", "item", "verdict"],
        [[u.inspection_id, u.system, u.month, u.item, u.verdict] for u in unrisked],
        ["red" if u.verdict == "fail" else "yellow" for u in unrisked],
    )


@template_app.command("show")
def template_show(system: Annotated[str, typer.Argument(help="System code.")], as_json: JsonOpt = False) -> None:
    """Show a system's checklist.

    Example: opsdesk inspect template show queue
    """
    from opsdesk.contract.inspections import SECTION_NAMES, template

    with desk(write=False) as d:
        items = template(d, system)
    if as_json:
        emit_json(items)
        return
    table(
        f"Checklist of {system}",
        ["section", "item", "standard", "reading", "threshold"],
        [[SECTION_NAMES[i["section"]], i["item"], i["standard"], i.get("unit"), i.get("threshold")] for i in items],
    )


@template_app.command("form")
def template_form(
    system: Annotated[str, typer.Argument(help="System code.")],
    output_path: Annotated[Path | None, typer.Option("-o", "--output", help="CSV file to write.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a results form for a system's inspection: a CSV with a row per checklist item (its unit and
    threshold given) to fill in and record with `opsdesk inspect SYSTEM --from-file`.

    Example: opsdesk inspect template form queue -o queue-results.csv
    """
    from opsdesk.contract.inspections import write_results_form

    target = output_path or Path(f"{system}-results.csv")
    with desk(write=False) as d:
        count = write_results_form(d, system, target, force=force)
    line(f"Wrote the results form of {system} ({count} items) to {target.resolve()}")
    line(
        f"  fill in result, verdict (ok / warn / fail), note and reading; then: "
        f"opsdesk inspect {system} --from-file {target}"
    )


@template_app.command("set")
def template_set(
    system: Annotated[str, typer.Argument(help="System code.")],
    file: Annotated[Path, typer.Argument(help="CSV: section (app|db), item, standard[, unit, threshold].")],
) -> None:
    """Replace a system's checklist from a CSV file (it must include database items).

    Example: opsdesk inspect template set queue queue-checklist.csv
    """
    from opsdesk.contract.inspections import set_template

    with desk() as d:
        items = set_template(d, system, file)
    db_items = sum(1 for i in items if i["section"] == "db")
    line(f"Checklist of {system}: {len(items)} items ({db_items} database-environment)")
