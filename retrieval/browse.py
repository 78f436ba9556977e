"""Browsing the catalog without a query: pages of the products that pass filters, in a storefront's orders,
and the facets (category paths and brands with their counts) a storefront's sidebar shows.

The filters are the index's own (the same payload conditions search uses); the orders and facets come from a
snapshot of every product, read again whenever the index version changes.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService
from retrieval.index.base import SearchFilters

Sort = Literal["popular", "rating", "price_asc", "price_desc"]
SORTS: tuple[Sort, ...] = ("popular", "rating", "price_asc", "price_desc")


@dataclass(frozen=True)
class Page:
    items: list[Product]
    total: int  # products that pass the filters


@dataclass(frozen=True)
class Facets:
    categories: dict[str, int]  # full category path → products
    brands: dict[str, int]
    min_price: float | None
    max_price: float | None


def _key(sort: Sort, p: Product) -> tuple[object, ...]:
    if sort == "rating":
        return (-(p.rating or 0.0), -(p.review_count or 0), p.id)
    if sort == "price_asc":
        return (p.price, p.id)
    if sort == "price_desc":
        return (-p.price, p.id)
    return (-(p.review_count or 0), -(p.rating or 0.0), p.id)  # popular: most reviewed first


def _ranks(products: list[Product], sort: Sort) -> dict[str, int]:
    ordered = sorted(products, key=lambda p: _key(sort, p))
    return {p.id: n for n, p in enumerate(ordered)}


class CatalogBrowser:
    def __init__(self, catalog: CatalogService) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._version: str | None = None
        self._ranks: dict[Sort, dict[str, int]] = {}
        self._facets = Facets({}, {}, None, None)

    def _snapshot(self) -> None:
        version = self.catalog.index.version
        with self._lock:
            if version == self._version:
                return
            products = list(self.catalog.get_many(self.catalog.ids()).values())
            self._ranks = {sort: _ranks(products, sort) for sort in SORTS}
            prices = [p.price for p in products]
            self._facets = Facets(
                dict(sorted(Counter(p.category for p in products).items())),
                dict(sorted(Counter(p.brand for p in products if p.brand).items())),
                min(prices) if prices else None,
                max(prices) if prices else None,
            )
            self._version = version

    def page(self, filters: SearchFilters | None, offset: int, limit: int, sort: Sort = "popular") -> Page:
        self._snapshot()
        ids = self.catalog.ids(filters=filters) if filters is not None and not filters.is_empty() else None
        ranks = self._ranks.get(sort, {})
        matched = sorted(ids if ids is not None else ranks, key=lambda i: ranks.get(i, len(ranks)))
        chosen = matched[offset : offset + limit]
        found = self.catalog.get_many(chosen) if chosen else {}
        return Page([found[i] for i in chosen if i in found], len(matched))

    def facets(self) -> Facets:
        self._snapshot()
        return self._facets
