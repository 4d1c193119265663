"""Line charts drawn on the server as SVG: readable without JavaScript and by a screen reader.

``line_chart`` turns labelled series into coordinates; ``finance/includes/line_chart.svg.html``
draws them with a title, a description, axis titles and a legend. The page puts the same
figures in a table beside the chart, which is the chart's text alternative.

Amounts are scaled to thousands, millions or thousands of millions so that the axis reads
"12,5" under "Millones de Bs." rather than "12.500.000,00"; figures are written by
``workflows.numbers``.
"""

import math
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from workflows import numbers

# Small enough that 12-unit text still reads at 12 px on a 360 px phone screen.
WIDTH, HEIGHT = 360, 240
# The right margin holds half of the latest period's label, centred on its point.
LEFT, RIGHT, TOP, BOTTOM = 46, 34, 12, 42
# Told apart by colour and by dash, never by colour alone; each at least 3:1 on white.
STYLES = [
    ("#1f5fa8", ""),
    ("#b3541e", "6 3"),
    ("#2e7d32", "2 3"),
    ("#6a3d9a", "8 3 2 3"),
    ("#8a6d00", "1 2"),
]
SCALES = [
    (Decimal(10) ** 9, _("thousands of millions")),
    (Decimal(10) ** 6, _("millions")),
    (Decimal(10) ** 3, _("thousands")),
]


def scale_for(values):
    """(divisor, words) for amounts whose largest absolute value is ``values``' largest."""
    largest = max((abs(v) for v in values), default=Decimal(0))
    for divisor, words in SCALES:
        if largest >= divisor:
            return divisor, words
    return Decimal(1), ""


def _nice_step(span, ticks=4):
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def line_chart(labels, series, *, ratio=False):
    """Coordinates of a line chart of ``series`` ([(name, [value or None per label])]).

    ``ratio`` values are shares drawn as percentages; others amounts, scaled. Missing
    values leave a gap in their line.
    """
    values = [Decimal(v) for _name, points in series for v in points if v is not None]
    divisor, scale_words = (Decimal("0.01"), "") if ratio else scale_for(values)
    scaled = [float(v / divisor) for v in values]
    low, high = min(scaled + [0.0]), max(scaled + [0.0])
    if high == low:
        high = low + 1
    step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(index):
        if len(labels) == 1:
            return LEFT + plot_w / 2
        return LEFT + plot_w * index / (len(labels) - 1)

    def y_at(value):
        return TOP + plot_h * (high - value) / (high - low)

    y_ticks = []
    tick = low
    while tick <= high + step / 2:
        text = numbers.format_figure(Decimal(str(round(tick, 6))))
        y_ticks.append({"y": round(y_at(tick), 1), "text": text + (" %" if ratio else "")})
        tick += step
    # At most four labels under the axis, counted back from the latest period; the table
    # beside the chart names every period.
    every = max(1, math.ceil(len(labels) / 4))
    last = len(labels) - 1
    x_ticks = [
        {"x": round(x_at(i), 1), "text": label}
        for i, label in enumerate(labels)
        if (last - i) % every == 0
    ]
    drawn = []
    for number, (name, points) in enumerate(series):
        colour, dash = STYLES[number % len(STYLES)]
        segments, current, marks = [], [], []
        for index, value in enumerate(points):
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            x, y = round(x_at(index), 1), round(y_at(float(Decimal(value) / divisor)), 1)
            current.append(f"{x},{y}")
            marks.append({"x": x, "y": y})
        if current:
            segments.append(" ".join(current))
        drawn.append(
            {"name": name, "colour": colour, "dash": dash, "segments": segments, "marks": marks}
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "zero": round(y_at(0), 1) if low < 0 < high else None,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "series": drawn,
        "scale_words": scale_words,
        "ratio": ratio,
        "empty": not values,
    }
