from __future__ import annotations

import pytest

from app.assistant.filters import parse_filters


@pytest.mark.parametrize(
    ("message", "low", "high"),
    [
        ("a linen dress under $150", None, 150.0),
        ("jeans below 80 dollars", None, 80.0),
        ("sweaters less than $99.50", None, 99.5),
        ("coats over $200", 200.0, None),
        ("a dress between $50 and $100", 50.0, 100.0),
        ("tops $30-$60", 30.0, 60.0),
        ("a size 8 dress", None, None),  # a size is not a price
        ("just a nice blouse", None, None),
    ],
)
def test_price_bounds(message: str, low: float | None, high: float | None) -> None:
    parsed = parse_filters(message)
    assert (parsed.filters.min_price, parsed.filters.max_price) == (low, high)
    assert parsed.filters.in_stock is True
