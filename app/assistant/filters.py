"""Search filters read from a chat message: price bounds, stock and price order ("a silk dress under $100",
"budget around 700", "your cheapest kettle", "Katzenfutter unter 20 €")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.assistant.grounding import figure
from retrieval.index.base import SearchFilters

# an amount: 20, 19.99, 19,99 (a decimal comma), 1,200 (thousands), with the currency before or after it
_AMOUNT = r"(\d{1,3}(?:,\d{3})+(?!\d)|\d{1,6}(?:[.,]\d{1,2}(?!\d))?)"
_CURRENCY = r"(?:\$|€|£|dollars?|usd|bucks|euros?|eur|pounds?|gbp|元|美元)"
_NUMBER = rf"[$€£]?\s?{_AMOUNT}\s?{_CURRENCY}?"
_PRICED = rf"(?:[$€£]\s?{_AMOUNT}|{_AMOUNT}\s?{_CURRENCY})"  # an amount that says it is money
_BETWEEN = re.compile(
    rf"\bbetween\s{_NUMBER}\s(?:and|to|-)\s{_NUMBER}|{_NUMBER}\s?(?:-|\u2013|to)\s?{_NUMBER}\b", re.IGNORECASE
)
# English and Chinese, and the unambiguous words of the other languages a catalog may be in; "bis", "hasta",
# "jusqu'à" also end times and ages ("bis 14 Uhr"), so they count before an amount that says it is money
_MAX = re.compile(
    rf"\b(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|no more than|within|unter|unterhalb von|"
    rf"weniger als|günstiger als|höchstens|maximal|moins de|au plus|menos de|como máximo|meno di|sotto|al massimo|"
    rf"onder|minder dan|hoogstens)\s{_NUMBER}"
    rf"|\b(?:bis|bis zu|jusqu'à|hasta|fino a|tot)\s{_PRICED}"
    rf"|{_NUMBER}\s?(?:or less|and under|max|以下|以内)",
    re.IGNORECASE,
)
_AROUND = re.compile(
    rf"\b(?:around|about|roughly|approximately|approx\.?|budget(?: is| of)?(?: around| about)?|~|etwa|ungefähr|"
    rf"circa|ca\.|environ|alrededor de|aproximadamente|intorno a|rond|ongeveer)\s?{_NUMBER}"
    rf"|{_NUMBER}\s?(?:左右|上下)",
    re.IGNORECASE,
)
_CHEAPEST = re.compile(
    r"\b(cheapest|least expensive|lowest[- ]priced?|most affordable|günstigste\w*|billigste\w*|"
    r"moins cher|más barat[oa]|più economic[oa]|goedkoopste)\b|最便宜",
    re.IGNORECASE,
)
_PRICIEST = re.compile(r"\b(most expensive|priciest|highest[- ]end|top of the range|teuerste\w*)\b|最贵", re.IGNORECASE)
AROUND_SPAN = 0.2  # "around 700" reads as 560-840
_MIN = re.compile(
    rf"\b(?:over|above|more than|at least|min(?:imum)?|from|über|mehr als|mindestens|plus de|au moins|más de|"
    rf"più di|meer dan)\s{_NUMBER}|{_NUMBER}\s?(?:or more|and up|\+|以上)",
    re.IGNORECASE,
)
_SYMBOL = re.compile(r"€|\beur(?:os?)?\b|£|\bgbp\b|\bpounds?\b", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedFilters:
    filters: SearchFilters
    description: str  # what was understood, e.g. "under $100"
    sort: str | None = None  # "price_asc" ("cheapest") or "price_desc"


def _first(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    values = [g for g in match.groups() if g is not None]
    return figure(values[0]) if values else None


def parse_filters(message: str) -> ParsedFilters:
    """Price bounds from the message; always in stock (out-of-stock products are never suggested in chat)."""
    min_price = max_price = None
    between = _BETWEEN.search(message)
    if between and (re.search(r"[$€£]", between.group(0)) or "between" in between.group(0).lower()):
        values = [v for g in between.groups() if g is not None and (v := figure(g)) is not None]
        if len(values) == 2:
            min_price, max_price = min(values), max(values)
    around = _first(_AROUND.search(message)) if min_price is None and max_price is None else None
    if around is not None and not _MAX.search(message):
        min_price, max_price = round(around * (1 - AROUND_SPAN), 2), round(around * (1 + AROUND_SPAN), 2)
    if max_price is None:
        max_price = _first(_MAX.search(message))
    if min_price is None:
        min_price = _first(_MIN.search(message))
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price
    parts = []
    found = _SYMBOL.search(message)
    sign = "$" if found is None else "£" if found.group(0) in "£" or "p" in found.group(0).lower() else "€"
    if min_price is not None and max_price is not None:
        parts.append(f"{sign}{min_price:g}-{sign}{max_price:g}")
    elif max_price is not None:
        parts.append(f"under {sign}{max_price:g}")
    elif min_price is not None:
        parts.append(f"over {sign}{min_price:g}")
    sort = "price_asc" if _CHEAPEST.search(message) else "price_desc" if _PRICIEST.search(message) else None
    if sort:
        parts.append("cheapest first" if sort == "price_asc" else "priciest first")
    filters = SearchFilters(min_price=min_price, max_price=max_price, in_stock=True)
    return ParsedFilters(filters, ", ".join(parts), sort)
