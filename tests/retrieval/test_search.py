"""Search over the real demo catalog with the real encoders and the embedded Qdrant engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.catalog_service import CatalogService
from retrieval.embed import CachedEncoder
from retrieval.index.base import DENSE, MULTILINGUAL, IndexQuery, SearchFilters
from retrieval.retriever import ProductRetriever, product_card
from retrieval.search import query_route
from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("text", "route"),
    [("red linen dress", "english"), ("robe d'été en lin", "english"), ("红色连衣裙", "multilingual"),
     ("джинсы", "multilingual"), ("2024", "english"), ("linen 连衣裙 dress", "english")],
)  # fmt: skip
def test_queries_are_routed_by_script(text: str, route: str) -> None:
    assert query_route(text) == route


def test_keyword_and_semantic_queries_find_the_right_class(catalog: CatalogService) -> None:
    cases = [
        ("skinny jeans", "Bottoms > Jeans"),
        ("pleated midi skirt", "Bottoms > Skirts"),
        ("warm wool overcoat", "Jackets > Outerwear"),
        ("swimsuit for the beach", "Intimate > Swim"),
    ]
    for text, category in cases:
        hits = catalog.search(text, limit=5).hits
        assert sum(h.product.category == category for h in hits) >= 4, (text, [h.product.category for h in hits])


def test_chinese_queries_reach_english_products(catalog: CatalogService) -> None:
    result = catalog.search("牛仔裤", limit=5)  # jeans
    assert result.route == "multilingual"
    assert sum(h.product.category == "Bottoms > Jeans" for h in result.hits) >= 3


def test_a_dictionary_translation_finds_what_the_multilingual_vector_alone_misses(catalog: CatalogService) -> None:
    searcher = catalog.searcher
    translator = searcher.translator
    assert translator is not None
    try:
        searcher.translator = None
        alone = [h.product.category for h in catalog.search("打底裤", limit=5).hits]  # leggings
    finally:
        searcher.translator = translator
    translated = [h.product.category for h in catalog.search("打底裤", limit=5).hits]
    assert alone.count("Intimate > Legwear") <= 1, alone  # USE-multilingual reads it as trousers
    assert translated.count("Intimate > Legwear") >= 3, translated
    for mode, vectors, sparse in (("hybrid", {DENSE, MULTILINGUAL}, True), ("dense", {DENSE, MULTILINGUAL}, False),
                                  ("sparse", {MULTILINGUAL}, True)):  # fmt: skip
        query, route, _ = searcher.build_query("打底裤", SearchFilters(), 5, mode)  # type: ignore[arg-type]
        assert route == "multilingual" and set(query.dense) == vectors and (query.sparse is not None) == sparse


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_filters_are_always_respected(catalog: CatalogService, mode: str) -> None:
    filters = SearchFilters(category="Tops", min_price=30, max_price=90, in_stock=True)
    hits = catalog.search("soft cotton", filters, limit=20, mode=mode).hits  # type: ignore[arg-type]
    assert hits
    for hit in hits:
        p = hit.product
        assert p.category.startswith("Tops > ") and 30 <= p.price <= 90 and p.in_stock


def test_sparse_mode_matches_keywords(catalog: CatalogService) -> None:
    hits = catalog.search("cashmere", limit=10, mode="sparse").hits
    assert hits and all("cashmere" in (h.product.title + h.product.description).lower() for h in hits)


def test_query_embeddings_are_cached(catalog: CatalogService) -> None:
    encoder = catalog.searcher.dense
    assert isinstance(encoder, CachedEncoder)
    catalog.search("a query seen twice", limit=3)
    hits_before = encoder.hits
    catalog.search("a query seen twice", limit=3)
    assert encoder.hits == hits_before + 1


def test_reingest_of_the_same_feed_changes_nothing(catalog: CatalogService, demo_store) -> None:  # type: ignore[no-untyped-def]
    version = catalog.index.version
    outcome = catalog.ingest_feed((demo_store / "products.jsonl").read_bytes(), "jsonl")
    assert outcome.report.written == 0 and outcome.report.unchanged == outcome.report.accepted
    assert catalog.index.version == version


def test_langchain_retriever_returns_product_documents(catalog: CatalogService) -> None:
    retriever = ProductRetriever(search=catalog.searcher, k=3, filters=SearchFilters(in_stock=True))
    documents = retriever.invoke("linen dress")
    assert len(documents) == 3
    for document in documents:
        product = catalog.get(document.metadata["id"])
        assert product is not None and product.in_stock
        assert document.page_content == product_card(product)
        assert document.page_content.startswith(f"[{product.id}] ")


@pytest.mark.parametrize("text", ["linen dress for the beach", "羊绒毛衣"])
def test_stored_vectors_score_a_query_as_the_engine_does(catalog: CatalogService, text: str) -> None:
    encoded = catalog.query_vector(text)
    assert encoded is not None
    name, vector = encoded
    assert name == DENSE  # a Chinese query through its translation: one cosine scale for every language
    hits = catalog.index.search(IndexQuery(dense={name: vector.tolist()}, limit=12))
    stored = catalog.vectors([h.id for h in hits] + ["no-such-id"], name)
    assert list(stored) == [h.id for h in hits]
    for hit in hits:  # what ads compute in memory for their candidates: the engine's cosine
        assert float(stored[hit.id] @ vector) == pytest.approx(hit.score, abs=2e-3)


def test_products_and_vectors_read_by_id_follow_a_changed_product(tmp_path: Path) -> None:
    from app.wiring import build_catalog

    catalog = build_catalog(make_settings(tmp_path))
    try:
        base = {"id": "A1", "category": "Dresses", "price": 20.0, "currency": "USD", "in_stock": True}
        catalog.ingest_items([{**base, "title": "Linen dress", "description": "a summer dress"}])
        before = catalog.vectors(["A1"], DENSE)["A1"]
        assert catalog.get_many(["A1"])["A1"].title == "Linen dress"
        catalog.ingest_items([{**base, "title": "Wool coat", "description": "a winter coat", "price": 90.0}])
        assert catalog.get_many(["A1"])["A1"].title == "Wool coat"  # the new version, not the kept one
        after = catalog.vectors(["A1"], DENSE)["A1"]
        assert float(before @ after) < 0.9  # re-read: the coat's vector, not the dress's
    finally:
        catalog.index.close()


@pytest.mark.parametrize("understand", [True, False])
def test_search_hits_carry_the_served_version_of_a_changed_product(tmp_path: Path, understand: bool) -> None:
    """A search reads a hit's product once per served index version; a write serves a new version, so a changed
    product is never shown as it was."""
    from app.wiring import build_catalog

    catalog = build_catalog(make_settings(tmp_path))
    try:
        base = {"id": "A1", "category": "Dresses", "currency": "USD", "in_stock": True}
        other = {**base, "id": "B2", "title": "Cotton shirt", "price": 30.0}
        catalog.ingest_items([{**base, "title": "Linen dress", "price": 20.0}, other])
        first = catalog.searcher.search("linen dress", limit=2, understand=understand).hits
        assert first[0].id == "A1" and first[0].product.title == "Linen dress"
        assert catalog.searcher.search("linen dress", limit=2, understand=understand).hits[0].product.price == 20.0
        catalog.ingest_items([{**base, "title": "Linen dress", "price": 25.0, "attributes": {"colour": "red"}}])
        again = catalog.searcher.search("linen dress", limit=2, understand=understand).hits
        assert again[0].id == "A1" and again[0].product.price == 25.0
        assert again[0].product.attributes == {"colour": "red"}
        assert {h.id for h in again} == {"A1", "B2"}  # the unchanged product still found, from the new version
    finally:
        catalog.index.close()


def test_an_index_only_this_process_writes_keeps_what_it_read_past_the_refresh_time(tmp_path: Path) -> None:
    from app.wiring import build_catalog
    from retrieval.catalog_service import PRODUCTS_FRESH_S

    catalog = build_catalog(make_settings(tmp_path))
    try:
        assert catalog.index.sole_writer  # the embedded engine holds its directory's lock
        item = {"id": "A1", "title": "Linen dress", "category": "Dresses", "price": 20.0, "currency": "USD"}
        catalog.ingest_items([item])
        first = catalog.get_many(["A1"])["A1"]
        catalog._cache_since -= PRODUCTS_FRESH_S + 1  # as if the refresh time had passed
        assert catalog.get_many(["A1"])["A1"] is first  # kept: nobody else can have changed it
        catalog.ingest_items([{**item, "title": "Wool coat"}])
        assert catalog.get_many(["A1"])["A1"].title == "Wool coat"  # its own write moves the version
    finally:
        catalog.index.close()


@pytest.mark.parametrize("shop", ["voltline", "greenleaf"])
def test_query_signals_hold_an_attribute_exactly_when_holds_says_one_of_its_values_is_held(shop: str) -> None:
    """``QuerySignals.held`` checks all of a query's values at once, grouped by attribute; an attribute counts
    exactly when ``holds`` says one of its values is held, on every product of shops with other attribute
    schemas: lists, yes/no flags, numbers, nested names."""
    import random

    from retrieval.feeds import read_products
    from retrieval.search import QuerySignals
    from retrieval.shops import greenleaf, voltline
    from retrieval.vocabulary import ValueMatch, holds

    module = {"voltline": voltline, "greenleaf": greenleaf}[shop]
    products = read_products(module.build_products(random.Random(module.SEED))).products  # as a feed ingests
    seen = sorted(
        {
            (name, "true" if v is True else str(v))
            for p in products
            for name, value in p.attributes.items()
            for v in (value if isinstance(value, list) else [value])
            if v is not None and v is not False
        }
    )
    rng = random.Random(5)
    checked = 0
    for _ in range(200):
        chosen = rng.sample(seen, rng.randint(1, 4))
        matches = tuple(ValueMatch(a, v.upper() if rng.random() < 0.3 and v != "true" else v, v) for a, v in chosen)
        signals = QuerySignals(values=matches)
        for product in products:
            expected = {m.attribute for m in matches if m.attribute in product.attributes and holds(product, m)}
            assert set(signals.held(product)) == expected
            assert len(signals.held(product)) == len(expected)
            checked += bool(expected)
    assert checked > 200  # the sample reaches products that hold some of its values, not only empty sets


def test_a_category_is_met_as_the_category_filter_matches_it_by_path_not_by_spelling() -> None:
    import random

    from retrieval.catalog import Product, category_prefixes, within
    from retrieval.feeds import read_products
    from retrieval.search import QuerySignals
    from retrieval.shops import greenleaf, voltline

    paths = {"Tops", "Tops & Tees", "Tops > Knits", "Tops > Knits > Cardigans", "Topsoil"}
    for module in (voltline, greenleaf):
        paths |= {p.category for p in read_products(module.build_products(random.Random(module.SEED))).products}
    prefixes = {prefix for path in paths for prefix in category_prefixes(path)} | {"Tops", "Electronics > Aud"}
    for category in paths:
        for path in prefixes:  # the index's filter matches a category by its prefixes
            assert within(category, path) == (path in category_prefixes(category)), (category, path)
    signals = QuerySignals(category="Tops")
    product = {"id": "X1", "title": "A top", "price": 1.0, "currency": "USD"}
    met = {c: signals.met(Product.model_validate({**product, "category": c})) for c in sorted(paths) if "Top" in c}
    assert met == {"Tops": 1, "Tops & Tees": 0, "Tops > Knits": 1, "Tops > Knits > Cardigans": 1, "Topsoil": 0}
