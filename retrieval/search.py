"""Product search: route the query by the catalog's language and the query's script, embed it (cached), fuse
dense + sparse with RRF, filter; then put first the products that hold what the query asks for in the catalog's
own terms (its category, the attribute values and the products it names), the fused rank ordering the rest."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from retrieval.catalog import Product, within
from retrieval.embed import Encoder
from retrieval.index.base import DENSE, MULTILINGUAL, Hit, IndexQuery, ProductIndex, SearchFilters
from retrieval.language import ENGLISH, CatalogLanguage, Language
from retrieval.sparse import Bm25Encoder
from retrieval.translate import QueryTranslator, words_of
from retrieval.vocabulary import ValueMatch, Wanted, held_attributes, wanted_values

Mode = Literal["hybrid", "dense", "sparse"]
Route = Literal["english", "multilingual"]


def query_route(text: str, language: Language = ENGLISH) -> Route:
    """Latin-script queries to an English catalog use MiniLM + BM25; others use the multilingual vector: fused
    with MiniLM and BM25 over a Chinese query's dictionary translation (``retrieval.translate``), and with BM25
    in the catalog's language when the catalog is not English (MiniLM reads English only)."""
    if not language.english:
        return "multilingual"
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "english"
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return "english" if latin / len(letters) >= 0.5 else "multilingual"


class CatalogVocabulary:
    """The English words of the indexed products' text (what MiniLM embeds), read again whenever the index
    version changes; translations keep the words the catalog uses."""

    def __init__(self, index: ProductIndex, text_of: Callable[[Product], str]) -> None:
        self.index = index
        self.text_of = text_of
        self._version: str | None = None
        self._words: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def __call__(self) -> frozenset[str]:
        version = self.index.version
        with self._lock:
            if version != self._version:
                products = list(self.index.get(self.index.ids()).values())
                self._words, self._version = words_of(products, self.text_of), version
            return self._words


@dataclass(frozen=True)
class QuerySignals:
    """What a query asks of the catalog, read from the catalog's own vocabulary (``app.assistant.understand``)."""

    category: str | None = None  # a category path prefix
    values: tuple[ValueMatch, ...] = ()  # attribute values it names
    named: tuple[str, ...] = ()  # ids of the products it names by their own words

    def __bool__(self) -> bool:
        return bool(self.category or self.values or self.named)

    @cached_property
    def _wanted(self) -> Wanted:  # built once: ``understood`` checks the whole pool
        return wanted_values(self.values)

    def held(self, product: Product) -> list[str]:
        """The named attributes the product holds, each once, whichever of its named values it holds."""
        return held_attributes(product, self._wanted)

    def met(self, product: Product) -> int:
        """How many of the query's constraints the product meets: its category, each named attribute it holds,
        being named."""
        met = len(self.held(product)) if self.values else 0
        if self.category is not None and within(product.category, self.category):
            met += 1
        return met + (product.id in self.named)


def understood(hits: list[Hit], signals: QuerySignals) -> list[Hit]:
    """The hits, those meeting more of the query's constraints first; the fused order breaks ties (a stable
    sort). A lexical or a dense retriever alone ranks a red cotton top above a red linen dress for "red linen
    dress"; the catalog's attributes say which is asked for."""
    if not signals:
        return hits
    return sorted(hits, key=lambda h: -signals.met(h.product))


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    route: Route
    mode: Mode
    took_ms: float
    signals: QuerySignals = QuerySignals()


class ProductSearch:
    def __init__(
        self,
        index: ProductIndex,
        dense: Encoder,
        multilingual: Encoder,
        sparse: Bm25Encoder,
        *,
        mode: Mode = "hybrid",
        prefetch_limit: int = 50,
        rrf_k: int = 60,
        hnsw_ef: int | None = None,
        translator: QueryTranslator | None = None,
        language: CatalogLanguage | None = None,
        weights: dict[str, float] | None = None,
        understand: Callable[[str], QuerySignals] | None = None,
        understood_pool: int = 50,
    ) -> None:
        # set by the composition root: the shop's vocabulary is read from the catalog this search serves
        self.understand = understand
        self.compound_parts: Callable[[str], list[str]] | None = None  # "Hundefutter" → "hund", "futter"
        self.understood_pool = understood_pool
        self.weights = dict(weights or {})
        self.index = index
        self.dense = dense
        self.multilingual = multilingual
        self.sparse = sparse
        self.mode = mode
        self.prefetch_limit = prefetch_limit
        self.rrf_k = rrf_k
        self.hnsw_ef = hnsw_ef
        self.translator = translator
        self.language = language

    def catalog_language(self) -> Language:
        return self.language.current() if self.language is not None else ENGLISH

    def build_query(
        self, text: str, filters: SearchFilters, limit: int, mode: Mode | None = None
    ) -> tuple[IndexQuery, Route, Mode]:
        mode = mode or self.mode
        language = self.catalog_language()
        route = query_route(text, language)
        dense: dict[str, list[float]] = {}
        sparse = None
        if not language.english:  # MiniLM reads English only: the multilingual vector and the catalog's BM25
            if mode in {"hybrid", "dense"}:
                dense[MULTILINGUAL] = self.multilingual.encode([text])[0].tolist()
            if mode in {"hybrid", "sparse"}:  # with the parts of compounds the catalog does not use
                parts = self.compound_parts(text) if self.compound_parts is not None else []
                sparse = self.sparse.query(" ".join([text, *parts]), language.bm25)
        elif route == "multilingual":
            # MiniLM and English BM25 know no Chinese: the cross-lingual vector of the query, fused with both of
            # them over the query's dictionary translation
            dense[MULTILINGUAL] = self.multilingual.encode([text])[0].tolist()
            translation = self.translator.translate(text) if self.translator is not None else None
            if translation is not None:
                if mode in {"hybrid", "dense"}:
                    dense[DENSE] = self.dense.encode([translation.catalog_text])[0].tolist()
                if mode in {"hybrid", "sparse"}:
                    sparse = self.sparse.query(translation.text)
        else:
            if mode in {"hybrid", "dense"}:
                dense[DENSE] = self.dense.encode([text])[0].tolist()
            if mode in {"hybrid", "sparse"}:
                sparse = self.sparse.query(text)
        query = IndexQuery(
            dense=dense,
            sparse=sparse,
            filters=filters,
            limit=limit,
            prefetch_limit=max(self.prefetch_limit, limit),
            rrf_k=self.rrf_k,
            hnsw_ef=self.hnsw_ef,
            weights=self.weights,
        )
        return query, route, mode

    def search(
        self,
        text: str,
        filters: SearchFilters | None = None,
        limit: int = 10,
        mode: Mode | None = None,
        *,
        understand: bool = True,
    ) -> SearchResult:
        """``understand=False``: the retrievers' fused order alone (for evaluating the parts)."""
        started = time.perf_counter()
        signals = self.understand(text) if understand and self.understand is not None else QuerySignals()
        # the constraints re-order a pool deeper than the page, so a match ranked 30th by the retrievers can lead
        pool = max(limit, self.understood_pool) if signals else limit
        query, route, used = self.build_query(text, filters or SearchFilters(), pool, mode)
        hits = understood(self.index.search(query), signals)[:limit]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(hits=hits, route=route, mode=used, took_ms=took, signals=signals)
