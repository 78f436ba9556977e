"""Pieces shared by the generated shops: seeded prices, customers, orders and events."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from retrieval.shops.files import write_shop

REFERENCE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # the generated shops' "now": builds repeat


def price(rng: random.Random, low: float, high: float) -> float:
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return float(math.floor(value)) + 0.99 if value > 20 else round(value, 2)


def listing(
    rng: random.Random,
    *,
    id: str,
    title: str,
    description: str,
    brand: str,
    category: str,
    price: float,
    currency: str,
    stock: int,
    attributes: dict[str, Any],
    reviews: int,
    rating: tuple[float, float],
) -> dict[str, Any]:
    """One product row of a generated feed; a product with reviews gets a rating drawn from ``rating``."""
    row: dict[str, Any] = {
        "id": id,
        "title": title,
        "description": description,
        "brand": brand,
        "category": category,
        "price": price,
        "currency": currency,
        "in_stock": stock > 0,
        "stock": stock,
        "attributes": attributes,
        "review_count": reviews,
    }
    if reviews:
        row["rating"] = round(rng.uniform(*rating), 1)
    return row


@dataclass(frozen=True)
class ShopSpec:
    """What makes one generated shop's people and orders its own: id shapes, names, sizes, shipping terms."""

    name: str
    customer_id: Callable[[int], str]
    names: list[str]
    customers: int
    order_id: Callable[[int], str]
    tracking: Callable[[random.Random], str]
    orders: int
    free_shipping_over: float
    shipping_fee: float
    event_prefix: str
    currency: str = "USD"  # of its prices and orders


def write_generated(
    target: Path,
    spec: ShopSpec,
    rng: random.Random,
    products: list[dict[str, Any]],
    policies: dict[str, str],
    readme: str,
    seed: int,
) -> dict[str, Any]:
    """Customers, orders and events for ``products``, all written with the policies as one shop directory."""
    people = customers(rng, spec.customer_id, spec.names, spec.customers)
    placed = orders(
        rng,
        products,
        people,
        make_id=spec.order_id,
        tracking=spec.tracking,
        count=spec.orders,
        free_shipping_over=spec.free_shipping_over,
        shipping_fee=spec.shipping_fee,
        currency=spec.currency,
    )
    return write_shop(
        target,
        products=products,
        tables={
            "customers": people,
            "orders": placed,
            "events": events(rng, products, people, placed, spec.event_prefix),
        },
        policies=policies,
        manifest={"seed": seed, "shop": spec.name},
        readme=readme,
    )


def customers(rng: random.Random, make_id: Callable[[int], str], names: list[str], count: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, count + 1):
        name = rng.choice(names)
        out.append({"id": make_id(n), "name": name, "email": f"{make_id(n)}@example.com"})
    return out


def orders(
    rng: random.Random,
    products: list[dict[str, Any]],
    people: list[dict[str, Any]],
    *,
    make_id: Callable[[int], str],
    tracking: Callable[[random.Random], str],
    count: int,
    free_shipping_over: float,
    shipping_fee: float,
    currency: str = "USD",
) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        customer = people[n % len(people)] if n < len(people) else rng.choice(people)
        age_days = rng.uniform(0, 120)
        placed = (REFERENCE_TIME - timedelta(days=age_days)).replace(microsecond=0)
        chosen = {p["id"]: p for p in rng.sample(products, rng.randint(1, 3))}
        items = [
            {"product_id": p["id"], "title": p["title"], "quantity": rng.choice([1, 1, 2]), "unit_price": p["price"]}
            for p in chosen.values()
        ]
        subtotal = round(sum(i["unit_price"] * i["quantity"] for i in items), 2)
        shipping = 0.0 if subtotal >= free_shipping_over else shipping_fee
        status = (
            "cancelled"
            if rng.random() < 0.04
            else "processing"
            if age_days < 2
            else "shipped"
            if age_days < 6
            else "delivered"
        )
        order = order_record(make_id(n), customer["id"], status, items, shipping, placed, currency)
        if status in {"shipped", "delivered"}:
            order["tracking_number"] = tracking(rng)
            order["shipped_at"] = (placed + timedelta(days=1)).isoformat()
            order["estimated_delivery"] = (placed + timedelta(days=4)).date().isoformat()
        if status == "delivered":
            order["delivered_at"] = (placed + timedelta(days=rng.randint(2, 5))).isoformat()
        rows.append(order)
    rows.sort(key=lambda o: o["id"])
    return rows


def order_record(
    order_id: str,
    customer_id: str,
    status: str,
    items: list[dict[str, Any]],
    shipping: float,
    placed: datetime,
    currency: str = "USD",
) -> dict[str, Any]:
    """An order row as the stores' order files hold it, before shipping details are added."""
    subtotal = round(sum(i["unit_price"] * i["quantity"] for i in items), 2)
    return {
        "id": order_id,
        "customer_id": customer_id,
        "status": status,
        "items": items,
        "subtotal": subtotal,
        "shipping": shipping,
        "total": round(subtotal + shipping, 2),
        "currency": currency,
        "placed_at": placed.isoformat(),
        "tracking_number": None,
        "shipped_at": None,
        "delivered_at": None,
    }


def events(
    rng: random.Random,
    products: list[dict[str, Any]],
    people: list[dict[str, Any]],
    orders: list[dict[str, Any]],
    prefix: str,
) -> list[dict[str, Any]]:
    """Purchases from the orders and views mostly in the top categories a shopper bought from."""
    by_top: dict[str, list[dict[str, Any]]] = {}
    for p in products:
        by_top.setdefault(str(p.get("category", "")).split(" > ")[0], []).append(p)
    top_of = {p["id"]: str(p.get("category", "")).split(" > ")[0] for p in products}
    rows: list[dict[str, Any]] = []
    bought: dict[str, list[str]] = {}
    for order in orders:
        if order["status"] == "cancelled":
            continue
        for item in order["items"]:
            rows.append({"user_id": order["customer_id"], "product_id": item["product_id"], "type": "purchase",
                         "value": float(item["quantity"]), "ts": order["placed_at"]})  # fmt: skip
            bought.setdefault(order["customer_id"], []).append(top_of[item["product_id"]])
    tops = sorted(by_top)
    for person in people:
        liked = bought.get(person["id"]) or [rng.choice(tops)]
        for _ in range(rng.randint(6, 14)):
            top = rng.choice(liked) if rng.random() < 0.75 else rng.choice(tops)
            seen = REFERENCE_TIME - timedelta(days=rng.uniform(0, 120))
            rows.append({"user_id": person["id"], "product_id": rng.choice(by_top[top])["id"], "type": "view",
                         "value": 1.0, "ts": seen.replace(microsecond=0).isoformat()})  # fmt: skip
    rows.sort(key=lambda e: (e["ts"], e["user_id"], e["product_id"], e["type"]))
    for n, row in enumerate(rows, start=1):
        row["event_id"] = f"{prefix}-{n:06d}"
    return rows
