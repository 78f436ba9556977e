"""The catalog as one service: ingest feeds, look products up, search them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from retrieval.catalog import Product
from retrieval.feeds import FeedFormat, FeedResult, Rejection, read_feed, read_products
from retrieval.index.base import DENSE, MULTILINGUAL, ProductIndex, SearchFilters
from retrieval.indexer import CatalogIndexer, IngestReport, Progress
from retrieval.search import Mode, ProductSearch, SearchResult


@dataclass(frozen=True)
class IngestOutcome:
    format: str
    report: IngestReport
    rejected: list[Rejection] = field(default_factory=list)


class IndexUnavailableError(RuntimeError):
    """The product index cannot answer (engine closed, server unreachable, …): callers answer 503 or degrade."""


def _reason(exc: Exception) -> str:
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return f"product index unavailable: {type(exc).__name__}" + (f": {detail[:200]}" if detail else "")


PRODUCTS_FRESH_S = 5.0
CACHED_PRODUCTS = 50_000
T = TypeVar("T")


class CatalogService:
    def __init__(self, index: ProductIndex, indexer: CatalogIndexer, search: ProductSearch, backend: str) -> None:
        self.index = index
        self.indexer = indexer
        self.searcher = search
        self.backend = backend
        self._warm = threading.Event()
        self._products: dict[str, Product] = {}
        self._vectors: dict[str, dict[str, npt.NDArray[np.float32]]] = {}  # vector name -> product id -> vector
        self._cache_lock = threading.Lock()
        self._cache_version: str | None = None
        self._cache_since = 0.0

    def ingest_feed(
        self,
        data: bytes | str,
        fmt: FeedFormat | None = None,
        filename: str | None = None,
        *,
        replace: bool = False,
        progress: Progress | None = None,
    ) -> IngestOutcome:
        """Read a feed (FeedError if unreadable) and index its valid rows."""
        return self._ingest(read_feed(data, fmt, filename), replace, progress)

    def ingest_items(self, items: Sequence[Any], *, replace: bool = False) -> IngestOutcome:
        return self._ingest(read_products(items), replace, None)

    def _ingest(self, feed: FeedResult, replace: bool, progress: Progress | None) -> IngestOutcome:
        if replace and not feed.products:
            # a replace with nothing valid would empty the catalog: refuse rather than lose everything
            report = IngestReport(0, 0, 0, 0, self.index.version, 0.0, 0.0)
            return IngestOutcome(feed.format, report, feed.rejected)
        report = self.indexer.ingest(feed.products, replace=replace, progress=progress)
        return IngestOutcome(feed.format, report, feed.rejected)

    def get(self, product_id: str) -> Product | None:
        return self.get_many([product_id]).get(product_id)

    def get_many(self, ids: Sequence[str]) -> dict[str, Product]:
        """The products with these ids that exist, in the order asked. Reads by id are kept for the served index
        version (and ``PRODUCTS_FRESH_S`` at most, for an index other processes also write): the recommender,
        the ads and the carts read the same products again and again. An index only this process writes keeps
        them until its version moves: a timed refresh there only rereads, in one burst, what cannot have
        changed."""
        return self._by_id(self._products, ids, self.index.get)

    def vectors(self, ids: Sequence[str], name: str) -> dict[str, npt.NDArray[np.float32]]:
        """One named dense vector (unit length) of each product that exists, kept like ``get_many``'s."""
        cache = self._vectors.setdefault(name, {})
        return self._by_id(cache, ids, lambda missing: {
            i: np.asarray(v, dtype=np.float32) for i, v in self.index.vectors(missing, name).items()})  # fmt: skip

    def query_vector(self, text: str) -> tuple[str, npt.NDArray[np.float32]] | None:
        """One dense vector of ``text``, unit length: MiniLM's where the query has it (a Chinese query's
        dictionary translation included), so cosines are on one scale across languages; else the multilingual."""
        query, _route, _mode = self.searcher.build_query(text, SearchFilters(), 1, "dense")
        for name in (DENSE, MULTILINGUAL):
            if name in query.dense:
                array = np.asarray(query.dense[name], dtype=np.float32)
                return name, array / max(float(np.linalg.norm(array)), 1e-9)
        return None

    def _by_id(
        self, cache: dict[str, T], ids: Sequence[str], read: Callable[[list[str]], dict[str, T]]
    ) -> dict[str, T]:
        version, now = self.index.version, time.monotonic()
        with self._cache_lock:
            stale = not self.index.sole_writer and now - self._cache_since > PRODUCTS_FRESH_S
            if self._cache_version != version or stale:
                self._products.clear()
                for by_name in self._vectors.values():  # emptied in place: a caller may hold one of them
                    by_name.clear()
                self._cache_version, self._cache_since = version, now
            known = {i: cache[i] for i in ids if i in cache}
        missing = [i for i in ids if i not in known]
        if missing:
            try:
                found = read(missing)
            except Exception as exc:
                raise IndexUnavailableError(_reason(exc)) from exc
            with self._cache_lock:
                if self._cache_version == version:
                    if len(cache) + len(found) > CACHED_PRODUCTS:
                        cache.clear()
                    cache.update(found)
            known.update(found)
        return {i: known[i] for i in ids if i in known}

    def ids(self, category: str | None = None, filters: SearchFilters | None = None) -> list[str]:
        """Every product id, or those under a category path prefix (``"Dresses"``, ``"Tops > Knits"``), or those
        that pass ``filters``."""
        try:
            return self.index.ids(filters or (SearchFilters(category=category) if category else None))
        except Exception as exc:
            raise IndexUnavailableError(_reason(exc)) from exc

    def search(
        self, text: str, filters: SearchFilters | None = None, limit: int = 10, mode: Mode | None = None
    ) -> SearchResult:
        try:
            return self.searcher.search(text, filters, limit, mode)
        except Exception as exc:
            raise IndexUnavailableError(_reason(exc)) from exc

    def warm(self) -> None:
        """Load the encoders (first query would otherwise pay for it)."""
        self.searcher.dense.encode(["warm up"])
        self.searcher.multilingual.encode(["warm up"])
        self.searcher.sparse.query("warm up")
        if self.searcher.translator is not None:
            self.searcher.translator.warm()
        self._warm.set()

    def check(self) -> str | None:
        try:
            self.index.count()
        except Exception as exc:
            return f"index unavailable: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "version": self.index.version,
            "products": self.index.count(),
            "encoders": {
                "dense": self.searcher.dense.name,
                "multilingual": self.searcher.multilingual.name,
                "sparse": f"{self.searcher.sparse.name}-{self.searcher.catalog_language().bm25}",
            },
            "mode": self.searcher.mode,
        }
