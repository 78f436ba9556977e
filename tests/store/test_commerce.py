"""Customers and orders in the real SQLite database, and the one access rule for orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store.commerce import CommerceStore
from app.store.database import Database


@pytest.fixture(scope="module")
def commerce(tmp_path_factory: pytest.TempPathFactory, demo_store: Path) -> CommerceStore:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'shop.db'}")
    database.create_all()
    store = CommerceStore(database)
    assert store.load_files(demo_store / "customers.jsonl", demo_store / "orders.jsonl") == rows_in(demo_store)
    return store


def rows_in(store: Path) -> tuple[int, int]:
    return tuple(len((store / f).read_text().splitlines()) for f in ("customers.jsonl", "orders.jsonl"))  # type: ignore[return-value]


def test_loading_twice_changes_nothing(commerce: CommerceStore, demo_store: Path) -> None:
    commerce.load_files(demo_store / "customers.jsonl", demo_store / "orders.jsonl")
    assert commerce.counts() == rows_in(demo_store) == (600, 2111)


def test_an_order_is_visible_to_its_owner_and_staff_only(commerce: CommerceStore) -> None:
    order = commerce.orders_of("c0053")[0]
    assert commerce.order_for(order.id, customer_id="c0053", staff=False) == order
    assert commerce.order_for(order.id, customer_id=None, staff=True) == order
    assert commerce.order_for(order.id, customer_id="c0054", staff=False) is None
    assert commerce.order_for(order.id, customer_id=None, staff=False) is None
    assert commerce.order_for("O999999", customer_id="c0053", staff=True) is None


def test_orders_are_newest_first(commerce: CommerceStore) -> None:
    orders = commerce.orders_of("c0001")
    assert orders and all(o.customer_id == "c0001" for o in orders)
    assert [o.placed_at for o in orders] == sorted((o.placed_at for o in orders), reverse=True)


def test_a_bad_file_names_its_line(tmp_path: Path, commerce: CommerceStore) -> None:
    bad = tmp_path / "orders.jsonl"
    bad.write_text('{"id": "O1"}\n{not json\n')
    customers = tmp_path / "customers.jsonl"
    customers.write_text("")
    with pytest.raises(ValueError, match=r"orders\.jsonl:2"):
        commerce.load_files(customers, bad)
