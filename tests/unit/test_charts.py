"""The inline SVG bar chart: escaped text, bars scaled to the largest value, no inline style
or script, one image with a title for assistive technology."""

from __future__ import annotations

import re
from decimal import Decimal

from events.charts import VALUE_WIDTH, WIDTH, Bar, bar_chart


def test_bars_are_scaled_to_the_largest_value():
    svg = bar_chart([Bar("A", 10, "10"), Bar("B", 5, "5"), Bar("C", 0, "0")], title="T")
    span = WIDTH - VALUE_WIDTH
    bars = re.findall(r'width="(\d+)" height="\d+" fill="#0a4f99"', svg)
    widths = [int(w) for w in bars]
    assert widths == [span, span // 2, 0]


def test_text_is_escaped_and_nothing_runs():
    svg = bar_chart([Bar('<script>alert(1)</script>"', Decimal("2.5"), "<b>")], title='a"<b>')
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and 'aria-label="a&#34;&lt;b&gt;"' in svg
    assert "style=" not in svg and "onload" not in svg


def test_it_is_one_image_with_a_title():
    svg = bar_chart([Bar("A", 1, "1")], title="Funnel")
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg
    assert "<title>Funnel</title>" in svg


def test_long_labels_are_cut_and_no_bars_draw_nothing():
    svg = bar_chart([Bar("x" * 80, 1, "1")], title="T")
    assert "x" * 80 not in svg and "…" in svg
    assert bar_chart([], title="T") == ""
    assert 'width="0"' in bar_chart([Bar("A", 0, "0")], title="T")  # all zero: empty bars
