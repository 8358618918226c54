"""Adapters: pure functions from the bytes of a source to records (DESIGN section 7).

An adapter does no I/O and touches no database. It returns what it could read (decision records or,
for press releases, candidates) and, for each row it could not read, a RowProblem with the row and the
reason. A file that cannot be read at all (not the format, truncated, an HTML error page where JSON or
XML was expected) raises UnreadableSource instead.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from ..interchange import DecisionRecord, RowProblem


class UnreadableSource(ValueError):
    """The whole file could not be read; the message says why in a sentence a reader understands."""


@dataclass(frozen=True)
class CandidateRecord:
    """Something a source announced that an editor must confirm before it becomes a decision."""

    external_id: str  # stable per source: a feed item's guid, else its link
    url: str
    title: str
    published: datetime.date | None = None
    summary: str = ""
    amount: Decimal | None = None
    currency: str = ""
    authority: str = ""
    country: str = ""
    language: str = ""


@dataclass
class AdapterResult:
    """What an adapter read from one file: numbered records, the rows it refused, and candidates."""

    records: list[tuple[int, DecisionRecord]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    candidates: list[CandidateRecord] = field(default_factory=list)
    skipped: int = 0  # rows that are not decisions at all (e.g. a wiki page without the decision template)

    @property
    def seen(self) -> int:
        return len(self.records) + len(self.problems) + len(self.candidates)
