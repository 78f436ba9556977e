"""Browsing without a query (``GET /v1/products``, ``GET /v1/catalog/facets``) on the Voltline shop: filters are
the index's, orders are stable, pages add up to the total, and bad parameters get a 422."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import MERCHANT_KEY
from tests.live_server import LiveServer

STAFF = {"Authorization": f"Bearer {MERCHANT_KEY}"}


@pytest.fixture(scope="module")
def http(scripted_shop: LiveServer) -> httpx.Client:
    return scripted_shop.client()


def test_pages_add_up_to_the_filtered_total_in_the_chosen_order(scripted_shop: LiveServer, http: httpx.Client) -> None:
    catalog = scripted_shop.app.state.services.catalog
    every = catalog.get_many(catalog.ids())
    first = http.get("/v1/products", headers=STAFF, params={"limit": 5, "sort": "price_asc"}).json()
    assert first["total"] == len(every) and len(first["items"]) == 5
    seen: list[str] = []
    for offset in range(0, first["total"], 7):
        page = http.get("/v1/products", headers=STAFF, params={"limit": 7, "offset": offset, "sort": "price_asc"})
        seen += [p["id"] for p in page.json()["items"]]
    assert sorted(seen) == sorted(every)  # every product once
    prices = [every[i].price for i in seen]
    assert prices == sorted(prices)
    popular = http.get("/v1/products", headers=STAFF, params={"limit": 100}).json()["items"]
    counts = [p["review_count"] or 0 for p in popular]
    assert counts == sorted(counts, reverse=True)  # popular: most reviewed first


def test_filters_are_the_index_filters(scripted_shop: LiveServer, http: httpx.Client) -> None:
    catalog = scripted_shop.app.state.services.catalog
    every = catalog.get_many(catalog.ids()).values()
    params: dict[str, str | int] = {
        "category": "Electronics > Audio",
        "max_price": 150,
        "in_stock": "true",
        "limit": 100,
    }
    page = http.get("/v1/products", headers=STAFF, params=params).json()
    expected = {p.id for p in every if p.category.startswith("Electronics > Audio") and p.price <= 150 and p.in_stock}
    assert {p["id"] for p in page["items"]} == expected and page["total"] == len(expected) > 0
    empty = http.get("/v1/products", headers=STAFF, params={"min_price": 100, "max_price": 50}).json()
    assert empty["items"] == [] and empty["total"] == 0


def test_facets_count_every_category_path_and_brand(scripted_shop: LiveServer, http: httpx.Client) -> None:
    catalog = scripted_shop.app.state.services.catalog
    every = list(catalog.get_many(catalog.ids()).values())
    facets = http.get("/v1/catalog/facets", headers=STAFF).json()
    assert sum(f["count"] for f in facets["categories"]) == len(every)
    assert {f["value"] for f in facets["categories"]} == {p.category for p in every}
    assert facets["min_price"] == min(p.price for p in every) and facets["max_price"] == max(p.price for p in every)


def test_bad_parameters_are_422_and_a_token_is_needed(http: httpx.Client) -> None:
    for params in ({"sort": "random"}, {"limit": 0}, {"limit": 101}, {"offset": -1}, {"min_price": -1}):
        response = http.get("/v1/products", headers=STAFF, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"]
    assert http.get("/v1/products").status_code == 401
