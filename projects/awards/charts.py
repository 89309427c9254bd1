"""Horizontal stacked bar charts drawn on the server as SVG.

No script and no external library: the page stays usable with a Content-Security-Policy
that forbids inline scripts. The SVG is an image with a title and a description for screen
readers; every chart is followed on the page by the table of its figures, and the series
differ by pattern (solid, hatched, outlined) as well as by colour.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from projects.money import format_euros

WIDTH = 760
LABEL_WIDTH = 210  # left column: the row labels
VALUE_WIDTH = 150  # right column: the figure written after each bar
ROW_HEIGHT = 34
BAR_HEIGHT = 22
LEGEND_HEIGHT = 40
PIXEL = Decimal("0.1")


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    style: str  # "solid", "hatched" or "outlined": never colour alone


@dataclass
class Segment:
    series: Series
    value: Decimal
    # Strings, not Decimals: the template would write a French decimal comma into the SVG.
    x: str
    width: str
    value_format: Callable[[Decimal], str] = format_euros

    @property
    def text(self) -> str:
        return f"{self.series.label} : {self.value_format(self.value)}"


@dataclass
class Bar:
    label: str
    y: int
    segments: list[Segment]
    note: str

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass
class LegendItem:
    series: Series
    x: int


@dataclass
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    series: list[Series]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + LEGEND_HEIGHT

    @property
    def legend_y(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 14

    @property
    def legend(self) -> list[LegendItem]:
        return [LegendItem(series, LABEL_WIDTH + index * 190) for index, series in enumerate(self.series)]

    @property
    def value_x(self) -> int:
        return self.width - VALUE_WIDTH + 8


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: list[Series],
    rows: list[tuple[str, dict[str, Decimal], str, Decimal | None]],
    value_format: Callable[[Decimal], str] = format_euros,
) -> Chart:
    """A chart with one bar per row: (label, value per series key, note written after the bar, scale).

    Each bar is drawn against its own scale when one is given (an envelope: the bar then shows
    its consumption), otherwise against the largest row, so that rows compare with each other.
    `value_format` writes a segment's value in its tooltip (euros unless told: counts, say).
    """
    span = Decimal(WIDTH - LABEL_WIDTH - VALUE_WIDTH)
    largest = max((sum(values.values(), Decimal("0")) for _label, values, _note, _scale in rows), default=Decimal("0"))
    bars = []
    for index, (label, values, note, scale) in enumerate(rows):
        # Never wider than the drawing, even if a slice went past its envelope.
        scale = max(scale or largest, sum(values.values(), Decimal("0")))
        x = Decimal(LABEL_WIDTH)
        segments = []
        for item in series:
            value = values.get(item.key, Decimal("0"))
            if value <= 0 or not scale:
                continue
            width = (span * value / scale).quantize(PIXEL)
            segments.append(Segment(item, value, str(x), str(width), value_format))
            x += width
        bars.append(Bar(label, index * ROW_HEIGHT + 6, segments, note))
    return Chart(chart_id, title, description, bars, series)
