"""What every product index offers, and the plain data that crosses the seam."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from retrieval.catalog import Product, category_prefixes

DENSE = "dense"  # all-MiniLM-L6-v2, 384-d
MULTILINGUAL = "multilingual"  # USE-multilingual v3, 512-d
SPARSE = "bm25"  # BM25 sparse vector with IDF
VECTOR_SIZES = {DENSE: 384, MULTILINGUAL: 512}
_POINT_NAMESPACE = uuid.UUID("6f1b3a52-6c8e-4d0b-9a57-3c5b2b1d9e10")

# payload fields with an index (created before bulk loads so HNSW links respect filters)
# (availability is a keyword, not a bool: qdrant-edge-py 0.9.0 matches no point on a bool MatchValue)
KEYWORD_FIELDS = ("id", "category_prefixes", "brand", "availability")
FLOAT_FIELDS = ("price",)
IN_STOCK, OUT_OF_STOCK = "in_stock", "out_of_stock"


class IndexInUseError(RuntimeError):
    """The index directory is held by another process (one process owns an embedded index)."""


def availability(in_stock: bool) -> str:
    return IN_STOCK if in_stock else OUT_OF_STOCK


@dataclass(frozen=True)
class SparseVec:
    indices: list[int]
    values: list[float]


@dataclass(frozen=True)
class IndexedPoint:
    """A product with its vectors, ready to be written."""

    product: Product
    dense: dict[str, list[float]]
    sparse: SparseVec | None
    content_hash: str


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None  # prefix of the category path: "Tops" or "Tops > Knits"
    min_price: float | None = None
    max_price: float | None = None
    in_stock: bool | None = None
    brand: str | None = None
    ids: Sequence[str] | None = None  # restrict to these products
    exclude_ids: Sequence[str] | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Condition:
    """One payload condition, in terms both engines' filters are built from."""

    key: str
    value: str | None = None  # exact match
    any_of: Sequence[str] | None = None  # match any
    gte: float | None = None  # range
    lte: float | None = None

    @property
    def is_range(self) -> bool:
        return self.value is None and self.any_of is None


def filter_conditions(filters: SearchFilters) -> tuple[list[Condition], list[Condition]]:
    """(must, must_not) conditions of a filter; each index maps them onto its own client's types."""
    must: list[Condition] = []
    must_not: list[Condition] = []
    if filters.category:
        must.append(Condition("category_prefixes", value=filters.category))
    if filters.brand:
        must.append(Condition("brand", value=filters.brand))
    if filters.min_price is not None or filters.max_price is not None:
        must.append(Condition("price", gte=filters.min_price, lte=filters.max_price))
    if filters.in_stock is not None:
        must.append(Condition("availability", value=availability(filters.in_stock)))
    if filters.ids is not None:
        must.append(Condition("id", any_of=list(filters.ids)))
    if filters.exclude_ids:
        must_not.append(Condition("id", any_of=list(filters.exclude_ids)))
    return must, must_not


@dataclass(frozen=True)
class IndexQuery:
    """Named dense query vectors and/or a sparse one; several are fused with reciprocal-rank fusion."""

    dense: dict[str, list[float]] = field(default_factory=dict)
    sparse: SparseVec | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    limit: int = 10
    prefetch_limit: int = 50
    rrf_k: int = 60
    exact: bool = False
    hnsw_ef: int | None = None
    weights: dict[str, float] = field(default_factory=dict)  # influence of each source in the fusion (missing: 1)

    def fusion_weights(self) -> list[float] | None:
        """The engine's RRF weights in ``sources()`` order, or None when every influence is 1 (plain RRF).

        Qdrant's engine (qdrant-edge 0.9 and qdrant-client's local mode alike, measured) gives a source *less*
        say the larger its weight, so an influence ``w`` is passed as ``1 / w``."""
        influence = [float(self.weights.get(name, 1.0)) for name, _ in self.sources()]
        return None if all(w == 1.0 for w in influence) else [1.0 / max(w, 1e-6) for w in influence]

    def sources(self) -> list[tuple[str, list[float] | SparseVec]]:
        """The named vectors to search with: dense ones, then the sparse one if it has terms."""
        found: list[tuple[str, list[float] | SparseVec]] = list(self.dense.items())
        if self.sparse is not None and self.sparse.indices:
            found.append((SPARSE, self.sparse))
        return found


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    product: Product


class ProductIndex(Protocol):
    """A searchable, versioned store of products and their vectors."""

    # True where only this process can write the index: what it read stays true until ``version`` moves
    sole_writer: bool

    @property
    def version(self) -> str:
        """Identifies the index content that is served now."""

    def apply(self, upserts: Sequence[IndexedPoint], deletes: Sequence[str], *, replace: bool = False) -> str:
        """Write products (and delete ids) as one change; ``replace`` drops everything not in ``upserts``.

        Returns the version now served. A failure leaves the previous version serving.
        """

    def search(self, query: IndexQuery) -> list[Hit]: ...

    def get(self, ids: Sequence[str]) -> dict[str, Product]: ...

    def vectors(self, ids: Sequence[str], name: str) -> dict[str, list[float]]:
        """One named dense vector of each product that exists (unit length, as the engine compares them)."""

    def content_hashes(self) -> dict[str, str]:
        """Product id → content hash of everything indexed (to skip unchanged products)."""

    def ids(self, filters: SearchFilters | None = None) -> list[str]:
        """Every product id that matches the filters, sorted (what a batch job over a category covers)."""

    def count(self) -> int: ...

    def close(self) -> None: ...


def point_id(product_id: str) -> str:
    """Qdrant ids are ints or UUIDs: a stable UUID per product id."""
    return str(uuid.uuid5(_POINT_NAMESPACE, product_id))


def payload_of(point: IndexedPoint) -> dict[str, Any]:
    payload = point.product.model_dump(mode="json")
    payload["category_prefixes"] = category_prefixes(point.product.category)
    payload["content_hash"] = point.content_hash
    payload["availability"] = availability(point.product.in_stock)
    return payload


_DERIVED_FIELDS = frozenset({"category_prefixes", "content_hash", "availability"})


PARSED_PRODUCTS = 50_000  # payloads parsed into products kept for reuse (a few KiB each)
_parsed: OrderedDict[str, Product] = OrderedDict()
_parsed_lock = threading.Lock()


def parsed_product(content_hash: object) -> Product | None:
    """The product already parsed from a payload with this content hash, if one is kept: a search can ask the
    index for ids and hashes only and skip copying the payloads it has seen."""
    if not isinstance(content_hash, str) or not content_hash:
        return None
    with _parsed_lock:
        cached = _parsed.get(content_hash)
        if cached is not None:
            _parsed.move_to_end(content_hash)
        return cached


def product_of(payload: dict[str, Any]) -> Product:
    """The product a payload holds. Parsing is most of a search's Python time, so products are reused by their
    content hash: the same hash is the same product, so a changed product is parsed anew and nothing goes stale.
    Callers never mutate a returned product."""
    key = payload.get("content_hash")
    if isinstance(key, str) and key:
        with _parsed_lock:
            cached = _parsed.get(key)
            if cached is not None:
                _parsed.move_to_end(key)
                return cached
    data = {k: v for k, v in payload.items() if k not in _DERIVED_FIELDS}
    product = Product.model_validate(data)
    if isinstance(key, str) and key:
        with _parsed_lock:
            _parsed[key] = product
            while len(_parsed) > PARSED_PRODUCTS:
                _parsed.popitem(last=False)
    return product
