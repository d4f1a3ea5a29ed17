"""The confirmation block that ends every record row the hospital answers on: the record key, its
check (校验), then what the hospital fills in: its answer chosen from a drop-down (确认 / 不确认), who
answers, the date and a free comment. ``opsdesk confirm import`` reads it back
(:mod:`opsdesk.reports.confirm_import`); only the answer decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from opsdesk.labels import label

# the block's columns, after the row's own, by key
KEY, CHECK, ANSWER, BY, DATE, COMMENT = (
    "confirm.key",
    "confirm.digest",
    "confirm.answer",
    "confirm.by",
    "confirm.date",
    "confirm.comment",
)
INPUT_KEYS = (ANSWER, BY, DATE, COMMENT)  # what the hospital fills in (shaded)

# The answers the drop-down offers, as each edition writes them: (confirm, do not confirm). Read back
# in either edition, compared whole (spaces and case aside), never by what a word begins with.
ANSWER_WORDS = {"zh": ("确认", "不确认"), "en": ("confirm", "do not confirm")}


@dataclass(frozen=True)
class Confirmation:
    """A record row's confirmation block: the record key, its digest (the 校验 cell is made from it), and
    the hospital's answer so far (a refused exception request: ``refused``; by, comment and date)."""

    key: str  # kind:id
    digest: str
    confirmer: str | None
    comment: str | None
    date: datetime | None
    refused: bool = False


@dataclass(frozen=True)
class Block:
    """The block's column titles in a sheet's language, and the answers its drop-down offers."""

    key: str
    check: str
    answer: str
    by: str
    date: str
    comment: str
    words: tuple[str, str]

    def columns(self) -> list[tuple[str, str, str]]:
        """(column key, title, kind) of each of the block's columns, in order."""
        return [
            (KEY, self.key, "text"),
            (CHECK, self.check, "check"),
            (ANSWER, self.answer, "text"),
            (BY, self.by, "text"),
            (DATE, self.date, "date"),
            (COMMENT, self.comment, "text"),
        ]


def block(lang: str) -> Block:
    """The confirmation block of a record sheet in ``lang``."""
    return Block(
        label(lang, "col.key"),
        label(lang, "col.digest"),
        label(lang, "col.answer"),
        label(lang, "col.confirmer"),
        label(lang, "col.confirm_date"),
        label(lang, "col.answer_comment"),
        ANSWER_WORDS["en" if lang == "en" else "zh"],
    )


def block_cells(confirm: Confirmation | None, titles: Block, shown: Sequence[tuple[str, str]], seal: bytes | None):
    """The block's cells of a row: the key, the 校验 (the store's seal of the row's visible cells
    ``shown``, as (title, text) pairs), and the answer given so far."""
    from opsdesk.reports.seal import row_check

    if confirm is None:
        return [None] * 6
    if seal is None:
        raise ValueError("a sheet the hospital confirms on needs the store's seal")
    check = f"{row_check(seal, confirm.key, confirm.digest, shown)}-{confirm.digest}"
    answered = confirm.confirmer is not None
    answer = (titles.words[1] if confirm.refused else titles.words[0]) if answered else None
    return [confirm.key, check, answer, confirm.confirmer, confirm.date, confirm.comment]


def answer_list(ws, column: str, rows: int, titles: Block) -> None:
    """The drop-down of the answer cells ``column``2 .. of ``rows`` rows: only the two answers, an
    error for anything else typed in (a reader that ignores the list is still checked on import)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if rows == 0:
        return
    agree, refuse = titles.words
    chosen = DataValidation(
        type="list",
        formula1=f'"{agree},{refuse}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=titles.answer,
        error=f"{agree} / {refuse}",
        showInputMessage=True,
        promptTitle=titles.answer,
        prompt=f"{agree} / {refuse}",
    )
    chosen.add(f"{column}2:{column}{rows + 1}")
    ws.add_data_validation(chosen)
