"""Carts on the Voltline shop over the real server: lines from the catalog, variants the product lists, stock,
idempotent adds, the shopper's cart events for the recommender, and access like orders (others' carts 404)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import MERCHANT_KEY, SUPPORT_KEY, customer_token
from tests.live_server import LiveServer

EARBUDS = "VL-EB-0101"  # $79.99, colours black and green, 34 in stock
SOLO_TENT = "VL-TN-0102"  # out of stock
SUPPORT = {"Authorization": f"Bearer {SUPPORT_KEY}"}


@pytest.fixture
def http(scripted_shop: LiveServer) -> httpx.Client:
    return scripted_shop.client()


def open_cart(http: httpx.Client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = http.post("/v1/carts", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_cart_fills_from_the_catalog_and_an_add_retried_with_its_key_counts_once(
    scripted_shop: LiveServer, http: httpx.Client
) -> None:
    shopper = customer_token(scripted_shop, "vl-cust-002")
    events = scripted_shop.app.state.services.personalization.events
    cart = open_cart(http, shopper)
    assert cart["lines"] == [] and cart["subtotal"] == 0 and cart["id"] in cart["checkout_url"]
    before, stored = events.history("vl-cust-002").get(EARBUDS, 0.0), events.count()

    add = {"product_id": EARBUDS, "quantity": 1, "variant": {"colour": "Black"}}
    keyed = {**shopper, "Idempotency-Key": "add-earbuds-1"}
    first = http.post(f"/v1/carts/{cart['id']}/lines", headers=keyed, json=add)
    retry = http.post(f"/v1/carts/{cart['id']}/lines", headers=keyed, json=add)
    assert first.status_code == retry.status_code == 200 and first.json() == retry.json()
    line = first.json()["lines"][0]
    assert (line["product_id"], line["quantity"], line["unit_price"]) == (EARBUDS, 1, 79.99)
    assert line["variant"] == {"colour": "black"}  # as the product spells it
    assert events.count() == stored + 1  # one cart event for the two requests
    assert events.history("vl-cust-002").get(EARBUDS, 0.0) > before  # the recommender sees it at once

    again = http.post(f"/v1/carts/{cart['id']}/lines", headers=shopper, json=add).json()
    assert [(x["id"], x["quantity"]) for x in again["lines"]] == [(line["id"], 2)]  # the same line grows
    changed = http.patch(f"/v1/carts/{cart['id']}/lines/{line['id']}", headers=shopper, json={"quantity": 3}).json()
    assert changed["lines"][0]["line_total"] == changed["subtotal"] == round(3 * 79.99, 2)
    emptied = http.delete(f"/v1/carts/{cart['id']}/lines/{line['id']}", headers=shopper)
    assert emptied.status_code == 200 and emptied.json()["lines"] == [] and emptied.json()["subtotal"] == 0


def test_refused_changes_get_clear_statuses_and_change_nothing(scripted_shop: LiveServer, http: httpx.Client) -> None:
    shopper = customer_token(scripted_shop, "vl-cust-003")
    cart = open_cart(http, shopper)
    lines = f"/v1/carts/{cart['id']}/lines"
    cases = {
        "out of stock": ({"product_id": SOLO_TENT}, 409),
        "more than in stock": ({"product_id": EARBUDS, "quantity": 35}, 409),
        "unknown product": ({"product_id": "VL-NOPE-1"}, 404),
        "quantity 0": ({"product_id": EARBUDS, "quantity": 0}, 422),
        "a colour it does not come in": ({"product_id": EARBUDS, "variant": {"colour": "purple"}}, 422),
        "a size it has none of": ({"product_id": EARBUDS, "variant": {"size": "M"}}, 422),
        "an unknown field": ({"product_id": EARBUDS, "gift": True}, 422),
    }
    for name, (body, status) in cases.items():
        response = http.post(lines, headers=shopper, json=body)
        assert response.status_code == status, (name, response.text)
        assert response.json()["error"]["message"], name
    assert http.get(f"/v1/carts/{cart['id']}", headers=shopper).json()["lines"] == []
    ok = http.post(lines, headers=shopper, json={"product_id": EARBUDS, "quantity": 34}).json()
    line_id = ok["lines"][0]["id"]
    too_many = http.patch(f"{lines}/{line_id}", headers=shopper, json={"quantity": 35})
    assert too_many.status_code == 409 and http.get(f"/v1/carts/{cart['id']}", headers=shopper).json() == ok
    assert http.delete(f"{lines}/line_nope", headers=shopper).status_code == 404


def test_a_cart_is_its_customers_and_staffs_only(scripted_shop: LiveServer, http: httpx.Client) -> None:
    owner = customer_token(scripted_shop, "vl-cust-004")
    other = customer_token(scripted_shop, "vl-cust-005")
    cart = open_cart(http, owner)
    path = f"/v1/carts/{cart['id']}"
    assert http.get(path, headers=other).status_code == 404
    assert http.post(f"{path}/lines", headers=other, json={"product_id": EARBUDS}).status_code == 404
    assert http.get(path, headers=SUPPORT).json()["customer_id"] == "vl-cust-004"
    assert http.get(path, headers={"Authorization": f"Bearer {MERCHANT_KEY}"}).status_code == 403
    assert http.post("/v1/carts", headers=owner, json={"customer_id": "vl-cust-005"}).status_code == 403
    for_customer = open_cart(http, SUPPORT, customer_id="vl-cust-005")
    assert http.get(f"/v1/carts/{for_customer['id']}", headers=other).status_code == 200
    assert http.get("/v1/carts/cart_nope", headers=SUPPORT).status_code == 404
