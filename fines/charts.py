"""Charts drawn on the server: the geometry of horizontal bar charts, rendered as SVG by a template partial.

Bars are to scale (a linear axis from zero), so that a fine fifteen times another is drawn fifteen times
as long. The numbers themselves are always printed beside the bars and in a table next to the chart.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

# In viewBox units; the SVG scales to its box, so these are kept small enough for a phone to read.
WIDTH = 440
LABEL_WIDTH = 175
VALUE_WIDTH = 80
ROW_HEIGHT = 22
BAR_HEIGHT = 14
PADDING = 4
LABEL_CHARACTERS = 26


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    display: str
    url: str
    y: int
    length: float
    secondary: bool

    @property
    def short_label(self) -> str:
        if len(self.label) <= LABEL_CHARACTERS:
            return self.label
        return self.label[: LABEL_CHARACTERS - 1].rstrip() + "…"

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 3

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.length + 4


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]

    width = WIDTH
    label_x = LABEL_WIDTH - 8
    bar_x = LABEL_WIDTH
    bar_height = BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 2 * PADDING

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


@dataclass(frozen=True)
class Row:
    """One bar's data: what it is, how much, how to print the amount, where it links to."""

    label: str
    value: Decimal | int | None
    display: str
    url: str = ""
    secondary: bool = False


def bar_chart(*, id: str, title: str, description: str, rows: Iterable[Row]) -> BarChart:
    """Bars to scale against the largest value; an empty or missing value draws no bar but keeps its row."""
    rows = list(rows)
    largest = max((row.value for row in rows if row.value), default=0)
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / float(largest) if largest else 0
    bars = [
        Bar(
            label=row.label,
            value=row.value or 0,
            display=row.display,
            url=row.url,
            y=PADDING + index * ROW_HEIGHT,
            length=max(round(float(row.value) * scale, 1), 1.0) if row.value else 0.0,
            secondary=row.secondary,
        )
        for index, row in enumerate(rows)
    ]
    return BarChart(id=id, title=title, description=description, bars=bars)
