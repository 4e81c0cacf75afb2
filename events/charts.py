"""Charts as inline SVG, drawn on the server from plain values (pure: no app, no database).

`bar_chart` draws horizontal bars, one per `Bar` (a label, a value and the value as shown),
scaled to the largest value. The markup is built from escaped text only (every label and
title goes through `markupsafe.escape`), uses SVG presentation attributes for its colours
(no `style=`: the site's CSP forbids inline styles) and no script. It is one image to
assistive technology (`role="img"`, `aria-label` and a `<title>`); the page shows the same
figures in a table beside it, which is the text alternative.

Colours are `static/podium.css`'s: bars in --brand (#0a4f99, 8:1 on white), text in --ink.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

BAR_FILL = "#0a4f99"  # --brand
TRACK_FILL = "#e7eff9"  # --info-bg
INK = "#1b2333"  # --ink
WIDTH = 480
VALUE_WIDTH = 120
ROW = 46  # a label line above a bar
BAR_HEIGHT = 18
FONT_SIZE = 15
MAX_LABEL = 48


@dataclass(frozen=True)
class Bar:
    """One bar: what it stands for, its value (0 or more) and that value as shown."""

    label: str
    value: int | Decimal
    text: str


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(bars: Sequence[Bar], *, title: str) -> Markup:
    """The bars as an SVG image titled `title` (an empty string when there are no bars): per
    bar its label on a line, under it the bar with its value as shown beside it."""
    if not bars:
        return Markup("")
    top = max((max(bar.value, 0) for bar in bars), default=0)
    span = WIDTH - VALUE_WIDTH
    height = ROW * len(bars) + 4
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" font-size="{FONT_SIZE}" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = i * ROW + FONT_SIZE + 2
        top_of_bar = y + 6
        length = 0 if top <= 0 else round(Decimal(max(bar.value, 0)) / Decimal(top) * span)
        parts += [
            f'<text x="0" y="{y}" fill="{INK}">{escape(_short(bar.label))}</text>',
            f'<rect x="0" y="{top_of_bar}" width="{span}" height="{BAR_HEIGHT}" '
            f'fill="{TRACK_FILL}"/>',
            f'<rect x="0" y="{top_of_bar}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_FILL}"/>',
            f'<text x="{span + 8}" y="{top_of_bar + BAR_HEIGHT - 4}" fill="{INK}">'
            f"{escape(bar.text)}</text>",
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
