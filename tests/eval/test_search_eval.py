from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.search_eval import LabelledQuery, grade, load_queries, ndcg, recall, reciprocal_rank, run
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService


def products_of(store: Path) -> list[Product]:
    return [Product.model_validate(json.loads(line)) for line in (store / "products.jsonl").read_text().splitlines()]


def test_the_labelled_set_is_large_enough_and_matches_the_store(demo_store: Path) -> None:
    queries = load_queries()
    assert len(queries) >= 60
    assert sum(1 for q in queries if q.zh) >= 15
    assert len({q.id for q in queries}) == len(queries)
    products = products_of(demo_store)
    for query in queries:
        assert any(grade(query, p) == 2 for p in products), query.id


def test_grades_follow_the_written_rules() -> None:
    query = LabelledQuery("t", "red linen dress", None, ("Dresses",), {"colour": "red", "material": "linen"})
    base = {"id": "X", "title": "t", "price": 1}
    exact = Product(**base, category="Dresses > Dresses", attributes={"colour": ["red"], "material": "linen"})
    half = Product(**base, category="Dresses > Dresses", attributes={"colour": ["blue"], "material": "linen"})
    wrong_class = Product(**base, category="Tops > Knits", attributes={"colour": ["red"], "material": "linen"})
    assert [grade(query, p) for p in (exact, half, wrong_class)] == [2, 1, 0]


def test_metrics_on_a_known_ranking() -> None:
    assert ndcg([2, 0, 1], [2, 1, 0, 0]) == pytest.approx((3 + 1 / 2) / (3 + 1 / 1.5849625), rel=1e-6)
    assert recall([0, 2, 2, 0], perfect=4) == 0.5
    assert reciprocal_rank([0, 1, 2]) == pytest.approx(1 / 3)
    assert reciprocal_rank([0, 0]) == 0.0


def test_hybrid_beats_dense_only_and_chinese_queries_come_within_015_of_their_twins(
    catalog: CatalogService, demo_store: Path
) -> None:
    figures = run(catalog, products_of(demo_store))
    hybrid = figures["en: hybrid MiniLM+BM25, understood (default)"]["ndcg@10"]
    dense = figures["en: dense (MiniLM)"]["ndcg@10"]
    assert hybrid > dense
    chinese, twins = figures["zh: default (USE + dictionary translation)"], figures["en twins of zh queries: default"]
    assert chinese["queries"] == twins["queries"] >= 15
    assert twins["ndcg@10"] - chinese["ndcg@10"] <= 0.15, (chinese, twins)
    assert chinese["ndcg@10"] > figures["zh: USE only (no translation)"]["ndcg@10"] + 0.1  # what translation adds
