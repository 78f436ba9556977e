from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from retrieval.catalog import Product
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
    for name in ("products.jsonl", "reviews.jsonl", "customers.jsonl", "orders.jsonl", "manifest.json"):
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
