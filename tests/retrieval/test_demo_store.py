from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from retrieval.catalog import Product
from retrieval.demo_shoppers import occasions_of
from retrieval.demo_store import reviews_path, write_demo_store


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("demo") / "demo"
    write_demo_store(target)
    return target


def test_build_is_deterministic(store: Path, tmp_path: Path) -> None:
    again = tmp_path / "demo"
    write_demo_store(again)
    names = ("products.jsonl", "reviews.jsonl", "customers.jsonl", "orders.jsonl", "events.jsonl", "campaigns.jsonl",
             "manifest.json")  # fmt: skip
    for name in names:
        assert (store / name).read_bytes() == (again / name).read_bytes(), name


def test_products_are_valid_and_carry_real_categories_and_ratings(store: Path) -> None:
    products = [Product.model_validate(row) for row in read_jsonl(store / "products.jsonl")]
    assert len(products) > 1100
    assert len({p.id for p in products}) == len(products)
    categories = {p.category for p in products}
    assert {"Dresses > Dresses", "Tops > Knits", "Bottoms > Jeans"} <= categories
    # rating and review count recomputed independently from the shipped data set
    table = pq.read_table(reviews_path(), columns=["Clothing ID", "Rating"]).to_pylist()
    ratings = [row["Rating"] for row in table if row["Clothing ID"] == 1078]
    product = next(p for p in products if p.id == "P1078")
    assert product.review_count == len(ratings)
    assert product.rating == pytest.approx(sum(ratings) / len(ratings), abs=0.01)
    assert any(not p.in_stock for p in products) and any(p.in_stock for p in products)
    for p in products:
        assert p.in_stock == ((p.stock or 0) > 0)
        assert str(p.attributes["material"]) in p.description


def test_orders_reference_real_customers_and_products(store: Path) -> None:
    products = {row["id"]: row for row in read_jsonl(store / "products.jsonl")}
    customers = {row["id"] for row in read_jsonl(store / "customers.jsonl")}
    orders = read_jsonl(store / "orders.jsonl")
    assert len(orders) >= 500
    statuses = {o["status"] for o in orders}
    assert {"processing", "shipped", "delivered"} <= statuses
    for order in orders:
        assert order["customer_id"] in customers
        assert all(item["product_id"] in products for item in order["items"])
        subtotal = sum(item["unit_price"] * item["quantity"] for item in order["items"])
        assert order["total"] == pytest.approx(subtotal + order["shipping"], abs=0.01)
        assert (order["tracking_number"] is not None) == (order["status"] in {"shipped", "delivered", "returned"})


def test_policies_and_readme_are_written(store: Path) -> None:
    assert sorted(p.name for p in (store / "policies").iterdir()) == [
        "payment.md",
        "returns.md",
        "shipping.md",
        "sizing.md",
    ]
    assert "30 days" in (store / "policies" / "returns.md").read_text()
    readme = (store / "README.md").read_text()
    assert "Generated" in readme and "Real" in readme


def test_rebuild_replaces_the_previous_store(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    write_demo_store(target, seed=1)
    assert not (target / "stale.txt").exists()
    assert json.loads((target / "manifest.json").read_text())["seed"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # no staging or backup left behind


def test_purchases_are_the_orders_counted_once(store: Path) -> None:
    events = read_jsonl(store / "events.jsonl")
    products = {row["id"] for row in read_jsonl(store / "products.jsonl")}
    customers = {row["id"] for row in read_jsonl(store / "customers.jsonl")}
    assert len({e["event_id"] for e in events}) == len(events)
    assert all(e["product_id"] in products and e["user_id"] in customers for e in events)
    assert {e["type"] for e in events} == {"view", "cart", "purchase"}
    bought = sorted(
        (o["customer_id"], i["product_id"], float(i["quantity"]))
        for o in read_jsonl(store / "orders.jsonl")
        if o["status"] != "cancelled"
        for i in o["items"]
    )
    assert sorted((e["user_id"], e["product_id"], e["value"]) for e in events if e["type"] == "purchase") == bought


def test_shoppers_keep_to_their_occasions(store: Path) -> None:
    """Most of a shopper's events serve their one or two most frequent occasions: the generator's taste shows."""
    products = [Product.model_validate(row) for row in read_jsonl(store / "products.jsonl")]
    occasions = {p.id: occasions_of(p) for p in products}
    per_user: dict[str, list[set[str]]] = {}
    for event in read_jsonl(store / "events.jsonl"):
        per_user.setdefault(event["user_id"], []).append(occasions[event["product_id"]])
    shares = []
    for seen in per_user.values():
        counts: dict[str, int] = {}
        for names in seen:
            for name in names:
                counts[name] = counts.get(name, 0) + 1
        top_two = {name for name, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:2]}
        shares.append(sum(bool(names & top_two) for names in seen) / len(seen))
    assert sum(shares) / len(shares) > 0.8  # a shopper browsing at random over five occasions would sit near 0.5
