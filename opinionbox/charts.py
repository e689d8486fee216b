"""Horizontal bar charts as plain geometry for a server-rendered SVG.

No ORM, no templates: counts in, coordinates out. Each row puts its label on
one line and the bar with its count on the next, so long Japanese labels fit
a phone screen without shrinking the text.
"""

from dataclasses import dataclass

WIDTH = 300  # viewBox units; CSS scales the SVG to the column width
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
ROW_GAP = 12
COUNT_SPACE = 48  # room right of the longest bar for its count


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    label_y: int
    bar_y: int
    bar_width: int
    count_x: int
    count_y: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    total: int
    bar_height: int = BAR_HEIGHT

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def bar_chart(title: str, rows: list[tuple[str, int]]) -> BarChart:
    """``rows`` are (label, count) in display order; counts must be >= 0."""
    if any(count < 0 for _, count in rows):
        raise ValueError("counts must not be negative")
    longest = max((count for _, count in rows), default=0)
    span = WIDTH - COUNT_SPACE
    bars = []
    y = 0
    for label, count in rows:
        width = round(span * count / longest) if longest else 0
        if count and width < 2:
            width = 2  # a non-zero count is always visible
        label_y = y + LABEL_HEIGHT - 5
        bar_y = y + LABEL_HEIGHT
        bars.append(
            Bar(
                label=label,
                count=count,
                label_y=label_y,
                bar_y=bar_y,
                bar_width=width,
                count_x=width + 6,
                count_y=bar_y + BAR_HEIGHT - 3,
            )
        )
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = max(y - ROW_GAP, 0)
    return BarChart(title=title, bars=bars, width=WIDTH, height=height, total=sum(count for _, count in rows))
