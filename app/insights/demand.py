"""Units sold per product and day, from order lines and purchase events.

A shop may send both for the same sale (the demo does), only orders (a nightly sync) or only events (a live
storefront): a product's units on a day are the larger of the two counts, so a sale is never counted twice and
events that run ahead of the order sync still count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

Sales = Iterable[tuple[str, datetime, int]]


def daily_units(orders: Sales, purchases: Sales) -> dict[str, dict[date, int]]:
    by_source: list[dict[tuple[str, date], int]] = []
    for source in (orders, purchases):
        counts: dict[tuple[str, date], int] = defaultdict(int)
        for product_id, at, quantity in source:
            counts[(product_id, at.astimezone(UTC).date())] += quantity
        by_source.append(counts)
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for key in by_source[0].keys() | by_source[1].keys():
        out[key[0]][key[1]] = max(by_source[0].get(key, 0), by_source[1].get(key, 0))
    return dict(out)


def series(days: dict[date, int], end: date, length: int) -> npt.NDArray[np.float64]:
    """The ``length`` days ending on ``end``, zeros where nothing sold."""
    start = end - timedelta(days=length - 1)
    values = np.zeros(length, dtype=np.float64)
    for day, units in days.items():
        if start <= day <= end:
            values[(day - start).days] = units
    return values


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
