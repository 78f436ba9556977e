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
        ("a laptop under 1,200", None, 1200.0),  # thousands, not 1.2
        ("Trockenfutter für Katzen unter 20 €", None, 20.0),
        ("eine Leine bis 15 €", None, 15.0),
        ("Bestellungen bis 14 Uhr", None, None),  # "bis" before a time is no price
        ("un collier à moins de 30 euros", None, 30.0),
        ("Kratzbaum unter 19,99 €", None, 19.99),  # a decimal comma
        ("Aquarien über £40", 40.0, None),
    ],
)
def test_price_bounds(message: str, low: float | None, high: float | None) -> None:
    parsed = parse_filters(message)
    assert (parsed.filters.min_price, parsed.filters.max_price) == (low, high)
    assert parsed.filters.in_stock is True


def test_the_understood_bound_is_said_in_the_currency_the_message_used() -> None:
    assert parse_filters("unter 20 €").description == "under €20"
    assert parse_filters("under $20").description == "under $20"
    assert parse_filters("das günstigste Katzenfutter").sort == "price_asc"
