"""What the assistant knows of the shop it serves, read from the shop's own data and re-read as it changes:
the catalog's vocabulary (per index version), the shape of its order numbers (learnt from the stored orders,
or a setting), and which tokens of a message are real product ids."""

from __future__ import annotations

import re
import threading
import time

import numpy as np

from app.assistant.context import attribute_line, fact_attributes
from app.config import RoutingSettings
from app.store.commerce import CommerceStore
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService, IndexUnavailableError
from retrieval.index.base import DENSE
from retrieval.language import Language, stop_words
from retrieval.vocabulary import IdShape, ShopVocabulary, attribute_phrase, stem, tokens

_PER_CATEGORY = 16
_ID_LIKE = re.compile(r"(?<![\w-])[A-Za-z0-9][A-Za-z0-9._:/-]{1,127}(?<![.:/-])")


class ShopKnowledge:
    def __init__(self, catalog: CatalogService, commerce: CommerceStore, settings: RoutingSettings) -> None:
        self.catalog = catalog
        self.commerce = commerce
        self.settings = settings
        self._lock = threading.Lock()
        self._version: str | None = None
        self._vocabulary = ShopVocabulary()
        self._centroids: tuple[list[str], np.ndarray] | None = None
        self._orders_read = 0.0
        self._order_shape: IdShape | None = None
        if settings.order_id_pattern:
            self._order_shape = IdShape(re.compile(settings.order_id_pattern, re.IGNORECASE), upper=False)

    def vocabulary(self) -> ShopVocabulary:
        """The catalog's words, names and values (built again when the index version changes)."""
        with self._lock:
            try:
                version = self.catalog.index.version
                if version != self._version:
                    products = self.catalog.get_many(self.catalog.ids())
                    language = self.catalog.searcher.catalog_language()
                    built = ShopVocabulary.build(products.values(), stop_words(language.code), language.bm25)
                    self._vocabulary, self._version = built, version
                    self._centroids = self._category_centroids(list(products.values()))
            except (IndexUnavailableError, RuntimeError, OSError):
                pass  # the last vocabulary read serves until the index is back
            return self._vocabulary

    def language(self) -> Language:
        """The catalog's language (``retrieval.language``): which encoder and which grammar words a message gets."""
        return self.catalog.searcher.catalog_language()

    def _category_centroids(self, products: list[Product]) -> tuple[list[str], np.ndarray] | None:
        by_category: dict[str, list[Product]] = {}
        for p in products:
            if p.category:
                by_category.setdefault(p.category, []).append(p)
        if not by_category:
            return None
        names = sorted(by_category)
        sample = {name: [p.id for p in by_category[name][:_PER_CATEGORY]] for name in names}
        # the index's own vectors of those products: nothing to encode when the catalog changes
        stored = self.catalog.vectors([i for ids in sample.values() for i in ids], DENSE)
        rows, kept = [], []
        for name in names:  # a few products stand for their category: the mean of their dense vectors
            vectors = [stored[i] for i in sample[name] if i in stored]
            if not vectors:
                continue
            mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
            kept.append(name)
        return (kept, np.vstack(rows)) if rows else None

    def nearest_category(self, text: str) -> tuple[str, float, float] | None:
        """The category whose products a message is most like (MiniLM), its cosine and the margin over the
        runner-up: for use-case phrasings that name no category ("something to wear to a garden wedding")."""
        self.vocabulary()
        centroids = self._centroids
        if centroids is None or len(centroids[0]) < 2:
            return None
        names, matrix = centroids
        query = np.asarray(self.catalog.searcher.dense.encode([text])[0], dtype=np.float32)
        scores = matrix @ query
        order = np.argsort(-scores)
        return names[order[0]], float(scores[order[0]]), float(scores[order[0]] - scores[order[1]])

    def attributes_about(self, product: Product, question: str, limit: int = 2) -> list[str]:
        """The product's attributes a question is most about, for the honest "the listing doesn't say" answer
        to list what is known: those whose names share a word with it, then the nearest by MiniLM over
        "name: value" lines ("can I take them swimming?" -> water resistance: IPX4)."""
        keys = fact_attributes(product)
        if len(keys) <= limit or not question.strip():
            return keys[:limit]
        asked = {stem(w) for w in tokens(question)} - {stem(w) for w in tokens(product.title)}
        named = [k for k in keys if asked & {stem(w) for w in tokens(attribute_phrase(k))}]
        vectors = np.asarray(
            self.catalog.searcher.dense.encode([question, *(attribute_line(k, product.attributes[k]) for k in keys)]),
            dtype=np.float32,
        )
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)
        nearest = [keys[i] for i in np.argsort(-(vectors[1:] @ vectors[0])).tolist()]
        return list(dict.fromkeys([*named, *nearest]))[:limit]

    def order_shape(self) -> IdShape | None:
        if self.settings.order_id_pattern:
            return self._order_shape
        now = time.monotonic()
        with self._lock:
            if self._order_shape is None or now - self._orders_read > self.settings.refresh_s:
                self._order_shape, self._orders_read = IdShape.learn(self.commerce.order_ids()), now
            return self._order_shape

    def order_ids_in(self, text: str) -> list[str]:
        shape = self.order_shape()
        return shape.find(text) if shape is not None else []

    def product_ids_in(self, text: str, exclude: set[str]) -> list[str]:
        """Tokens of the message that are ids of products in the catalog (as typed, or upper-cased)."""
        candidates: list[str] = []
        for token in _ID_LIKE.findall(text):
            if any(ch.isdigit() for ch in token) and token.upper() not in exclude:
                candidates += [token, token.upper()]
        if not candidates:
            return []
        try:
            found = self.catalog.get_many(list(dict.fromkeys(candidates)))
        except IndexUnavailableError:
            return []
        return list(dict.fromkeys(c for c in candidates if c in found))
