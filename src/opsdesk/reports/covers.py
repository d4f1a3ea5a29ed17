"""What every workbook shares: the printed page, the cover, and the SLA in words."""

from __future__ import annotations

from collections.abc import Sequence

from opsdesk.labels import label
from opsdesk.reports.figures import ClockSummary
from opsdesk.reports.sheets import clock_label, target_text
from opsdesk.reports.workbook import Cover, Page
from opsdesk.sla.terms import SlaTerms
from opsdesk.store.models import Contract


def page(lang: str, contract: Contract, period: str) -> Page:
    """Every printed page: project and hospital, the period; the fonts and words of ``lang``."""
    zh = lang == "zh"
    return Page(
        f"{contract.name} · {contract.hospital}",
        period,
        font="等线" if zh else "Calibri",
        empty="本期无" if zh else "None in this period",
        footer="第 &P 页，共 &N 页" if zh else "Page &P of &N",
    )


def cover(
    lang: str,
    title_key: str,
    contract: Contract,
    fields: list[tuple[str, str]],
    years: Sequence[int],
    blocks: list[tuple[str, list[tuple[str, str]]]] | None = None,
    signoff: list[str] | None = None,
    subtitle: str | None = None,
) -> Cover:
    notes = [label(lang, "cover.calendar_note") + "、".join(map(str, years))] if years else []
    signoff = signoff or [label(lang, "cover.vendor_seal"), label(lang, "cover.hospital_seal")]
    return Cover(label(lang, "sheet.cover"), label(lang, title_key), fields, signoff, notes, blocks or [], subtitle)


def rate_text(lang: str, s: ClockSummary) -> str:
    """A clock's compliance in words: 达标率 95.0%（达标 19，超时 1，无需到场 3）, the counts the SLA sheets show."""
    if not s.tickets:
        return label(lang, "fmt.none")
    counts = s.counts
    rate = "-" if s.rate is None else f"{s.rate:.1f}%"
    na = label(lang, "fmt.na").format(n=counts["not_applicable"] + counts["waived"]) if s.clock == "arrival" else ""
    running = label(lang, "fmt.running").format(n=counts["running"]) if counts["running"] else ""
    unknown = label(lang, "fmt.unknown").format(n=counts["time_unknown"]) if counts["time_unknown"] else ""
    breached = counts["breached"] + counts["overdue"]  # as the SLA sheets count 超时: time unknown beside it
    return label(lang, "fmt.rate").format(
        rate=rate, met=counts["met"], breached=breached, na=na, running=running, unknown=unknown
    )


def sla_block(lang: str, clocks: list[ClockSummary], terms: SlaTerms) -> list[tuple[str, str]]:
    """The cover's SLA block: each clock, its target and its compliance in words."""
    sep = "：" if lang == "zh" else ": "
    return [
        (f"{clock_label(lang, s.clock, s.kind)}{sep}{target_text(lang, s.clock, s.kind, terms)}", rate_text(lang, s))
        for s in clocks
    ]
