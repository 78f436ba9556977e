from __future__ import annotations

from retrieval.catalog import Product
from retrieval.index.base import Hit
from retrieval.rank import blend


def hit(pid: str, in_stock: bool = True) -> Hit:
    return Hit(id=pid, score=0.0, product=Product(id=pid, title=pid, price=1, in_stock=in_stock))


def test_weight_zero_keeps_the_search_order_and_drops_out_of_stock() -> None:
    hits = [hit("a"), hit("b", in_stock=False), hit("c"), hit("d")]
    assert [h.id for h in blend(hits, {"d": 9.0}, weight=0.0, limit=10)] == ["a", "c", "d"]


def test_preference_lifts_liked_products() -> None:
    hits = [hit("a"), hit("b"), hit("c"), hit("d")]
    ranked = [h.id for h in blend(hits, {"a": 0.0, "b": 0.1, "c": 0.2, "d": 1.0}, weight=0.5, limit=4)]
    assert ranked[0] == "d"  # last by relevance, first by preference
    assert [h.id for h in blend(hits, {"d": 1.0, "a": 0.0}, weight=1.0, limit=2)] == ["d", "b"]  # unknown = 0.5


def test_boosts_apply_and_limit_cuts() -> None:
    hits = [hit("a"), hit("b"), hit("c")]
    assert [h.id for h in blend(hits, {}, weight=0.3, limit=2, boosts={"c": 1.0})] == ["c", "a"]
