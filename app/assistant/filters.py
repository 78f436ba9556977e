"""Search filters read from a chat message: price bounds, stock and price order ("a silk dress under $100",
"budget around 700", "your cheapest kettle")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.index.base import SearchFilters

_NUMBER = r"\$?\s?(\d{1,6}(?:\.\d{1,2})?)\s?(?:\$|dollars?|usd|bucks|元|美元)?"
_BETWEEN = re.compile(
    rf"\bbetween\s{_NUMBER}\s(?:and|to|-)\s{_NUMBER}|{_NUMBER}\s?(?:-|\u2013|to)\s?{_NUMBER}\b", re.IGNORECASE
)
_MAX = re.compile(
    rf"\b(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|no more than|within)\s{_NUMBER}"
    rf"|{_NUMBER}\s?(?:or less|and under|max|以下|以内)",
    re.IGNORECASE,
)
_AROUND = re.compile(
    rf"\b(?:around|about|roughly|approximately|approx\.?|budget(?: is| of)?(?: around| about)?|~)\s?{_NUMBER}"
    rf"|{_NUMBER}\s?(?:左右|上下)",
    re.IGNORECASE,
)
_CHEAPEST = re.compile(r"\b(cheapest|least expensive|lowest[- ]priced?|most affordable)\b|最便宜", re.IGNORECASE)
_PRICIEST = re.compile(r"\b(most expensive|priciest|highest[- ]end|top of the range)\b|最贵", re.IGNORECASE)
AROUND_SPAN = 0.2  # "around 700" reads as 560-840
_MIN = re.compile(
    rf"\b(?:over|above|more than|at least|min(?:imum)?|from)\s{_NUMBER}|{_NUMBER}\s?(?:or more|and up|\+|以上)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedFilters:
    filters: SearchFilters
    description: str  # what was understood, e.g. "under $100"
    sort: str | None = None  # "price_asc" ("cheapest") or "price_desc"


def _first(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    values = [g for g in match.groups() if g is not None]
    return float(values[0]) if values else None


def parse_filters(message: str) -> ParsedFilters:
    """Price bounds from the message; always in stock (out-of-stock products are never suggested in chat)."""
    min_price = max_price = None
    between = _BETWEEN.search(message)
    if between and ("$" in between.group(0) or "between" in between.group(0).lower()):
        values = [float(g) for g in between.groups() if g is not None]
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
    if min_price is not None and max_price is not None:
        parts.append(f"${min_price:g}-${max_price:g}")
    elif max_price is not None:
        parts.append(f"under ${max_price:g}")
    elif min_price is not None:
        parts.append(f"over ${min_price:g}")
    sort = "price_asc" if _CHEAPEST.search(message) else "price_desc" if _PRICIEST.search(message) else None
    if sort:
        parts.append("cheapest first" if sort == "price_asc" else "priciest first")
    filters = SearchFilters(min_price=min_price, max_price=max_price, in_stock=True)
    return ParsedFilters(filters, ", ".join(parts), sort)
