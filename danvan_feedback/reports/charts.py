"""Horizontal bar charts computed on the server and drawn as inline SVG by a template macro (no
JavaScript; horizontal bars keep long Vietnamese labels readable on a phone). Only geometry is
computed here; labels are escaped by Jinja."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 320       # viewBox width; the SVG scales to its container
BAR_MAX = 250     # longest bar, leaving room for its value
ROW = 40          # height of one item: label line + up to two bars


@dataclass
class Bar:
    y: float
    width: float
    value: object
    series: int


@dataclass
class Item:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass
class Chart:
    id: str
    title: str
    series: list[str]
    items: list[Item]
    height: int
    suffix: str = ""


def bar_chart(chart_id: str, title: str, series: list[str], rows: list[tuple[str, list]], *,
              scale_max: float | None = None, suffix: str = "") -> Chart:
    """``rows``: (label, [value per series]); None values draw no bar."""
    peak = scale_max or max([v for _l, vals in rows for v in vals if v is not None] + [1])
    items, y = [], 24.0
    bar_h = 10 if len(series) > 1 else 14
    for label, vals in rows:
        bars = []
        for i, v in enumerate(vals):
            if v is None:
                continue
            bars.append(Bar(y + 6 + i * (bar_h + 2), round(BAR_MAX * float(v) / peak, 1), v, i))
        items.append(Item(label, y, bars))
        y += ROW if len(series) > 1 else ROW - 8
    return Chart(chart_id, title, series, items, int(y + 4), suffix)
