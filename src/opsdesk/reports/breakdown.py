"""The SLA of a period and its breakdowns, from one pass over its faults: the one source every figure
of every workbook and of `report sla` is read from.

:class:`SlaFigures` tallies each fault once, after the exceptions the hospital agreed to (a void
ticket leaves every figure, a waived arrival is not due, a pause moves the deadline) and as recorded:
the period's compliance per clock, each system's, each month × system's. The rows the sheets show
(故障统计: :class:`SystemStats`; 月度SLA: :class:`MonthSla`) and the covers are made from it, never
counted again on their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from opsdesk.faults.views import FaultView
from opsdesk.reports.figures import ClockSummary, SlaTally, compliance_of

CLOCKS = ("response", "arrival", "resolution")


class SlaFigures:
    """The period's SLA per clock, per system and per month × system, and the agreed requests of each
    system's faults, gathered one fault at a time (a report streams its faults past :meth:`add`)."""

    def __init__(self) -> None:
        self.period = SlaTally()
        self.systems = SlaTally(by_system=True)
        self.months = SlaTally(by_month=True)
        self.agreed: dict[str, set[int]] = {}  # system -> the agreed requests of its faults
        self.names: dict[str, str] = {}  # system code -> name, of the systems with a fault

    def add(self, v: FaultView) -> FaultView:
        self.period.add(v)
        self.systems.add(v)
        self.months.add(v)
        code = v.system.code
        self.names.setdefault(code, v.system.name)
        self.agreed.setdefault(code, set()).update(v.agreed.ids if v.agreed else ())
        return v

    @property
    def summary(self) -> list[ClockSummary]:
        return self.period.summary()

    @property
    def by_system(self) -> list[ClockSummary]:
        return self.systems.summary()

    @property
    def years(self) -> set[int]:
        """Calendar years not yet officially published that the clocks touched."""
        return self.period.years

    def tickets(self, system: str | None = None) -> dict[str, int]:
        """Tickets counted (not void) per kind, of the period or of one system."""
        rows = self.summary if system is None else [r for r in self.by_system if r.system == system]
        return {r.kind: r.tickets for r in rows if r.clock == "resolution" and r.kind is not None}


def figures_of(views: Iterable[FaultView]) -> SlaFigures:
    figures = SlaFigures()
    for v in views:
        figures.add(v)
    return figures


def combined(rows: Iterable[ClockSummary], clock: str, recorded: bool = False) -> Counter[str]:
    """One clock's counts summed over ``rows`` (resolution: over the three kinds)."""
    total: Counter[str] = Counter()
    for r in rows:
        if r.clock == clock:
            total.update(r.recorded if recorded else r.counts)
    return total


def rate(counts: Counter[str]) -> float | None:
    """The compliance as the sheets show it: percent, to one decimal (None: nothing judged)."""
    value = compliance_of(counts)
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class SystemStats:
    """A system's tickets by kind and its compliance per clock (a row of 故障统计; ``system`` total: the
    period's); ``exceptions``: the agreed exception requests of its faults."""

    system: str
    system_name: str
    fault: int
    defect: int
    data: int
    total: int
    exceptions: int
    response: float | None
    response_recorded: float | None
    arrival: float | None
    arrival_recorded: float | None
    resolution: float | None
    resolution_recorded: float | None


def _stats(code: str, name: str, rows: list[ClockSummary], tickets: dict[str, int], agreed: int) -> SystemStats:
    return SystemStats(
        system=code,
        system_name=name,
        fault=tickets.get("fault", 0),
        defect=tickets.get("defect", 0),
        data=tickets.get("data", 0),
        total=sum(tickets.values()),
        exceptions=agreed,
        response=rate(combined(rows, "response")),
        response_recorded=rate(combined(rows, "response", recorded=True)),
        arrival=rate(combined(rows, "arrival")),
        arrival_recorded=rate(combined(rows, "arrival", recorded=True)),
        resolution=rate(combined(rows, "resolution")),
        resolution_recorded=rate(combined(rows, "resolution", recorded=True)),
    )


def system_stats(figures: SlaFigures, systems: dict[str, str]) -> list[SystemStats]:
    """故障统计: ``systems`` (code -> name, the active ones) first, then any other with a fault, then the
    period's total."""
    names = {**systems, **{c: n for c, n in figures.names.items() if c not in systems}}
    out = [
        _stats(
            code,
            name,
            [r for r in figures.by_system if r.system == code],
            figures.tickets(code),
            len(figures.agreed.get(code, ())),
        )
        for code, name in names.items()
    ]
    agreed = len(set().union(*figures.agreed.values())) if figures.agreed else 0
    out.append(_stats("total", "total", figures.summary, figures.tickets(), agreed))
    return out


@dataclass(frozen=True)
class MonthSla:
    """A month's compliance for one system (a row of 月度SLA): the clocks' breaches counted as the SLA
    summaries count them (超时: breached or overdue), the clocks whose time is unknown beside them."""

    month: str
    system: str
    system_name: str
    tickets: int
    not_applicable: int  # no visit due, or waived by agreement
    response: float | None
    response_breached: int
    response_unknown: int
    arrival: float | None
    arrival_breached: int
    arrival_unknown: int
    resolution: float | None
    resolution_breached: int
    resolution_unknown: int

    @property
    def bad(self) -> bool:
        """A clock breached in the month (the row is flagged)."""
        return bool(self.response_breached or self.arrival_breached or self.resolution_breached)


def _breaches(counts: Counter[str]) -> int:
    """超时, as every sheet counts it: breached, or still running past the deadline."""
    return counts["breached"] + counts["overdue"]


def month_rows(figures: SlaFigures, names: dict[str, str]) -> list[MonthSla]:
    """月度SLA: a row per month and system with a ticket counted (a month of void tickets only: none)."""
    blocks: dict[tuple[str, str], list[ClockSummary]] = {}
    for r in figures.months.summary():
        assert r.month is not None and r.system is not None, "a breakdown by month is by system too"
        blocks.setdefault((r.month, r.system), []).append(r)
    out = []
    for (month, code), rows in sorted(blocks.items()):
        counts = {clock: combined(rows, clock) for clock in CLOCKS}
        tickets = sum(counts["response"].values())
        if not tickets:
            continue
        out.append(
            MonthSla(
                month=month,
                system=code,
                system_name=names.get(code) or figures.names.get(code, code),
                tickets=tickets,
                not_applicable=counts["arrival"]["not_applicable"] + counts["arrival"]["waived"],
                response=rate(counts["response"]),
                response_breached=_breaches(counts["response"]),
                response_unknown=counts["response"]["time_unknown"],
                arrival=rate(counts["arrival"]),
                arrival_breached=_breaches(counts["arrival"]),
                arrival_unknown=counts["arrival"]["time_unknown"],
                resolution=rate(counts["resolution"]),
                resolution_breached=_breaches(counts["resolution"]),
                resolution_unknown=counts["resolution"]["time_unknown"],
            )
        )
    return out
