"""The same cases against both ProductIndex implementations (qdrant-client's congruence-test pattern):
``EdgeIndex`` (Qdrant's engine in process) and ``ServerIndex`` (qdrant-client; here in its local mode)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from retrieval.catalog import Product
from retrieval.index.base import DENSE, MULTILINGUAL, Hit, IndexedPoint, IndexQuery, ProductIndex, SearchFilters
from retrieval.index.edge import EdgeIndex
from retrieval.index.server import ServerIndex
from retrieval.sparse import Bm25Encoder

CATEGORIES = ["Dresses > Dresses", "Tops > Knits", "Tops > Blouses", "Bottoms > Jeans", "Jackets > Outerwear"]
BRANDS = ["Acme", "Wren", "Sable"]
WORDS = ["linen", "wool", "denim", "silk", "cotton", "cashmere"]
SPARSE = Bm25Encoder()


def unit(rng: np.random.Generator, size: int) -> list[float]:
    vector = rng.normal(size=size)
    return list(map(float, vector / np.linalg.norm(vector)))


def make_points(count: int = 120, seed: int = 3) -> list[IndexedPoint]:
    rng = np.random.default_rng(seed)
    points = []
    for n in range(count):
        word = WORDS[n % len(WORDS)]
        product = Product(
            id=f"T{n:03d}",
            title=f"{word.title()} piece {n}",
            category=CATEGORIES[n % len(CATEGORIES)],
            brand=BRANDS[n % len(BRANDS)],
            price=float(10 + (n * 7) % 190),
            in_stock=n % 4 != 0,
            stock=0 if n % 4 == 0 else 5,
        )
        points.append(
            IndexedPoint(
                product=product,
                dense={DENSE: unit(rng, 384), MULTILINGUAL: unit(rng, 512)},
                # the word repeats a different number of times per product, so BM25 scores do not tie
                sparse=SPARSE.document(f"{(word + ' ') * (1 + n // len(WORDS))}piece {n} {product.category}"),
                content_hash=product.content_hash(),
            )
        )
    return points


POINTS = make_points()


def build(kind: str, folder: Path) -> ProductIndex:
    built: ProductIndex = (
        EdgeIndex(folder) if kind == "edge" else ServerIndex(QdrantClient(location=":memory:"), alias="products")
    )
    built.apply(POINTS, [])
    return built


# Read-only cases share one built index per engine; cases that write get their own (``fresh``).
@pytest.fixture(scope="module", params=["edge", "server"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductIndex]:
    built = build(request.param, tmp_path_factory.mktemp("edge") / "edge")
    yield built
    built.close()


@pytest.fixture(params=["edge", "server"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProductIndex]:
    built = build(request.param, tmp_path / "edge")
    yield built
    built.close()


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ProductIndex, ProductIndex]]:
    edge, server = build("edge", tmp_path_factory.mktemp("edge2") / "edge"), build("server", Path())
    yield edge, server
    edge.close()
    server.close()


def brute_force(query: list[float], name: str, allowed: set[str] | None = None, k: int = 10) -> list[str]:
    q = np.array(query)
    scored = [
        (float(np.dot(q, p.dense[name])), p.product.id) for p in POINTS if allowed is None or p.product.id in allowed
    ]
    return [pid for _, pid in sorted(scored, reverse=True)[:k]]


def test_count_get_and_hashes(index: ProductIndex) -> None:
    assert index.count() == len(POINTS)
    got = index.get(["T005", "T999", "T001"])
    assert list(got) == ["T005", "T001"]
    assert got["T005"] == POINTS[5].product
    hashes = index.content_hashes()
    assert len(hashes) == len(POINTS) and hashes["T007"] == POINTS[7].content_hash


def test_vectors_by_id_are_the_stored_ones_at_unit_length(index: ProductIndex) -> None:
    got = index.vectors(["T003", "T999", "T010"], DENSE)
    assert set(got) == {"T003", "T010"}
    for product_id in got:
        stored = np.array(POINTS[int(product_id[1:])].dense[DENSE])
        assert np.allclose(got[product_id], stored / np.linalg.norm(stored), atol=1e-5)
    assert index.vectors([], DENSE) == {}


def test_dense_search_matches_brute_force(index: ProductIndex) -> None:
    for probe in (0, 17, 64):
        query = POINTS[probe].dense[DENSE]
        hits = index.search(IndexQuery(dense={DENSE: query}, limit=10))
        assert [h.id for h in hits] == brute_force(query, DENSE)
        assert hits[0].id == POINTS[probe].product.id


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(category="Tops"),
        SearchFilters(category="Tops > Knits"),
        SearchFilters(min_price=50, max_price=90),
        SearchFilters(in_stock=True),
        SearchFilters(in_stock=False),
        SearchFilters(brand="Wren", category="Dresses"),
        SearchFilters(exclude_ids=["T000", "T001", "T002"]),
        SearchFilters(ids=["T010", "T020", "T030"]),
    ],
)
def test_filtered_search_is_exact_and_respects_filters(index: ProductIndex, filters: SearchFilters) -> None:
    def allowed(p: Product) -> bool:
        return (
            (filters.category is None or (p.category + " > ").startswith(filters.category + " > "))
            and (filters.min_price is None or p.price >= filters.min_price)
            and (filters.max_price is None or p.price <= filters.max_price)
            and (filters.in_stock is None or p.in_stock == filters.in_stock)
            and (filters.brand is None or p.brand == filters.brand)
            and (filters.ids is None or p.id in filters.ids)
            and (not filters.exclude_ids or p.id not in filters.exclude_ids)
        )

    permitted = {p.product.id for p in POINTS if allowed(p.product)}
    query = POINTS[33].dense[DENSE]
    hits = index.search(IndexQuery(dense={DENSE: query}, filters=filters, limit=10))
    assert hits, "a filter that matches products returned nothing"
    assert all(allowed(h.product) for h in hits)
    assert [h.id for h in hits] == brute_force(query, DENSE, permitted)


def tie_groups(hits: list[Hit], digits: int) -> list[frozenset[str]]:
    """Ranked groups of equally scored ids: the order an index owes, whatever it does with ties."""
    groups: list[frozenset[str]] = []
    for _, group in groupby(hits, key=lambda h: round(h.score, digits)):
        groups.append(frozenset(h.id for h in group))
    return groups


def test_sparse_and_hybrid_rank_alike_on_both(both: tuple[ProductIndex, ProductIndex]) -> None:
    edge, server = both
    sparse_query = SPARSE.query("cashmere piece")
    sparse_only = IndexQuery(sparse=sparse_query, limit=len(POINTS))
    edge_hits, server_hits = edge.search(sparse_only), server.search(sparse_only)
    assert tie_groups(edge_hits, 4) == tie_groups(server_hits, 4)
    cashmere = [h for h in edge_hits if "Cashmere" in h.product.title]
    assert cashmere and edge_hits[: len(cashmere)] == cashmere  # the keyword matches come first
    # RRF scores differ in scale between the engines (local mode's fusion differs in detail): the same
    # candidates must come back and the same best one
    hybrid_queries = [
        IndexQuery(dense={DENSE: POINTS[8].dense[DENSE]}, sparse=sparse_query, limit=60, prefetch_limit=30),
        IndexQuery(
            dense={DENSE: POINTS[8].dense[DENSE], MULTILINGUAL: POINTS[9].dense[MULTILINGUAL]},
            sparse=sparse_query,
            filters=SearchFilters(in_stock=True),
            limit=90,
            prefetch_limit=30,
        ),
    ]
    for query in hybrid_queries:
        edge_hits, server_hits = edge.search(query), server.search(query)
        assert len(edge_hits) == len(server_hits) > 0
        assert {h.id for h in edge_hits} == {h.id for h in server_hits}
        assert tie_groups(edge_hits, 9)[0] == tie_groups(server_hits, 9)[0]


def test_updates_deletes_and_versions(fresh: ProductIndex) -> None:
    before = fresh.version
    assert fresh.apply([], []) == before  # nothing to do, nothing changes
    changed = POINTS[3].product.model_copy(update={"title": "Renamed piece", "price": 999.0})
    point = IndexedPoint(changed, POINTS[3].dense, POINTS[3].sparse, changed.content_hash())
    after = fresh.apply([point], ["T004"])
    assert after != before and fresh.version == after
    assert fresh.get(["T003"])["T003"].price == 999.0
    assert fresh.get(["T004"]) == {}
    assert fresh.count() == len(POINTS) - 1


def test_replace_keeps_only_the_given_products(fresh: ProductIndex) -> None:
    fresh.apply(POINTS[:10], [], replace=True)
    assert fresh.count() == 10
    assert set(fresh.content_hashes()) == {p.product.id for p in POINTS[:10]}
    assert fresh.search(IndexQuery(dense={DENSE: POINTS[50].dense[DENSE]}, limit=3))[0].id in {
        p.product.id for p in POINTS[:10]
    }


def test_rebuild_switches_to_a_fresh_index_on_both(fresh: ProductIndex) -> None:
    from retrieval.embed import MultilingualEncoder, OnnxMiniLMEncoder
    from retrieval.indexer import CatalogIndexer

    indexer = CatalogIndexer(fresh, OnnxMiniLMEncoder(), MultilingualEncoder(), SPARSE)
    before = fresh.version
    keep = [p.product for p in POINTS[:5]]
    report = indexer.rebuild(keep)
    assert report.written == 5 and report.deleted == len(POINTS) - 5
    assert fresh.version == report.index_version != before
    assert set(fresh.content_hashes()) == {p.id for p in keep}


def test_ids_by_category_prefix(index: ProductIndex) -> None:
    everything = index.ids()
    assert everything == sorted(p.product.id for p in POINTS)
    for prefix in {p.product.category.split(" > ")[0] for p in POINTS}:
        expected = sorted(p.product.id for p in POINTS if p.product.category.startswith(prefix))
        assert index.ids(SearchFilters(category=prefix)) == expected
    assert index.ids(SearchFilters(category="No such category")) == []


def test_fusion_influence_means_the_same_in_both_engines(index: ProductIndex) -> None:
    """A source given more influence pulls its own best product to the top, in Qdrant's embedded engine and in
    qdrant-client's local mode alike (both take RRF weights the other way round; ``IndexQuery`` inverts them)."""
    dense = POINTS[17].dense[DENSE]
    sparse = SPARSE.query("cashmere")
    dense_best = brute_force(dense, DENSE, k=1)[0]
    sparse_best = index.search(IndexQuery(sparse=sparse, limit=1))[0].id
    assert dense_best != sparse_best

    def top(weights: dict[str, float]) -> str:
        return index.search(IndexQuery(dense={DENSE: dense}, sparse=sparse, limit=5, weights=weights))[0].id

    assert top({"bm25": 20.0}) == sparse_best
    assert top({DENSE: 20.0}) == dense_best
