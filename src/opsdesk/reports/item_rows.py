"""A check item with its reading, as the inspection sheets show it (巡检明细, 巡检记录)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from opsdesk.contract.inspections import reading_text
from opsdesk.reports.rows import HIDDEN
from opsdesk.store.models import System


@dataclass(frozen=True)
class ItemRow:
    """A check item with its reading; ``unrisked``: warned or failed with no risk recorded."""

    inspection: int
    month: str
    at: datetime
    system: str
    system_name: str
    section: str
    item: str
    standard: str
    reading: str | None
    threshold: str | None
    result: str
    verdict: str  # ok | warn | fail
    note: str | None
    unrisked: bool
    confirm: None = dataclasses.field(default=None, metadata=HIDDEN)

    @property
    def fill(self) -> str | None:
        """A failed item, or one with no risk recorded, is flagged bad; a warned one, warn."""
        return "bad" if self.unrisked or self.verdict == "fail" else ("warn" if self.verdict == "warn" else None)


def item_row(
    system: System,
    inspection: int,
    month: str,
    at: datetime,
    i: InspectionItemLike,
    unrisked: bool = False,
) -> ItemRow:
    return ItemRow(
        inspection=inspection,
        month=month,
        at=at,
        system=system.code,
        system_name=system.name,
        section=i.section,
        item=i.item,
        standard=i.standard,
        reading=reading_text(i.reading, i.unit),
        threshold=reading_text(i.threshold, i.unit),
        result=i.result,
        verdict=i.verdict,
        note=i.note,
        unrisked=unrisked,
    )


class InspectionItemLike(Protocol):
    """A check item as stored, or as a query reads its columns."""

    @property
    def section(self) -> str: ...
    @property
    def item(self) -> str: ...
    @property
    def standard(self) -> str: ...
    @property
    def result(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def note(self) -> str | None: ...
    @property
    def reading(self) -> str | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def threshold(self) -> str | None: ...
