"""Catalog routes over a real uvicorn server: ingest (multipart and JSON), product, search, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MERCHANT_KEY, SUPPORT_KEY
from tests.live_server import LiveServer

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}
SUPPORT = {"Authorization": f"Bearer {SUPPORT_KEY}"}


@pytest.fixture(scope="module")
def seeded(live: LiveServer, demo_store: Path) -> LiveServer:
    """The live server with 300 demo products ingested through the API."""
    lines = (demo_store / "products.jsonl").read_text().splitlines()[:300]
    with live.client() as client:
        response = client.post(
            "/v1/catalog/ingest",
            headers=MERCHANT,
            files={"file": ("products.jsonl", "\n".join(lines).encode(), "application/x-ndjson")},
        )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 300
    return live


def search(client: httpx.Client, **params: Any) -> httpx.Response:
    return client.get("/v1/products/search", params=params, headers=SUPPORT)


def test_ingest_csv_reports_bad_rows_and_loads_the_rest(seeded: LiveServer) -> None:
    feed = "id,title,price,category,colour\nN1,Sunny Linen Sundress,49.5,Dresses > Dresses,yellow\nN2,,12,Tops,\n"
    with seeded.client() as client:
        response = client.post("/v1/catalog/ingest", headers=MERCHANT, files={"file": ("feed.csv", feed.encode())})
        again = client.post("/v1/catalog/ingest", headers=MERCHANT, files={"file": ("feed.csv", feed.encode())})
        product = client.get("/v1/products/N1", headers=SUPPORT)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1 and body["written"] == 1 and body["format"] == "csv"
    assert body["rejected"] == [{"line": 3, "field": "title", "message": "Field required"}]
    assert again.json()["written"] == 0 and again.json()["index_version"] == body["index_version"]  # idempotent
    assert product.status_code == 200 and product.json()["attributes"] == {"colour": ["yellow"]}


def test_ingest_json_products(seeded: LiveServer) -> None:
    payload = {"products": [{"id": "J1", "title": "Merino Crew Sweater", "price": 88, "category": "Tops > Sweaters"}]}
    with seeded.client() as client:
        response = client.post("/v1/catalog/ingest", headers=MERCHANT, json=payload)
        found = search(client, q="merino crew sweater", limit=3)
    assert response.status_code == 200 and response.json()["written"] == 1
    assert found.json()["items"][0]["id"] == "J1"


def test_search_says_what_it_understood_and_puts_what_meets_it_first(seeded: LiveServer) -> None:
    with seeded.client() as client:
        body = search(client, q="red linen dress", limit=10).json()
        nothing = search(client, q="zzqx wibble", limit=3).json()
    understood = body["understood"]
    assert understood["category"] and understood["category"].startswith("Dresses"), understood
    assert {"attribute": "colour", "value": "red"} in understood["values"], understood
    assert {"attribute": "material", "value": "linen"} in understood["values"], understood

    def met(product: dict[str, Any]) -> int:
        attributes = product["attributes"]
        in_category = bool(product["category"].startswith(understood["category"]))
        return in_category + ("red" in (attributes.get("colour") or [])) + bool(attributes.get("material") == "linen")

    shown = [met(item["product"]) for item in body["items"]]
    assert shown == sorted(shown, reverse=True) and shown[0] >= 2, shown
    assert nothing["understood"] == {"category": None, "values": [], "named": []}


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"files": {"file": ("feed.csv", b"\xff\xfe\x00")}}, 400, "invalid_feed"),
        ({"files": {"file": ("feed.csv", b"id,title,price\nX,,\n")}}, 422, "invalid_feed"),
        ({"files": {"file": ("feed.csv", b"id,title,price\n")}, "data": {"format": "xml"}}, 422, "validation_error"),
        ({"json": {"products": []}}, 422, "validation_error"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "validation_error"),
        ({"content": b"id,title", "headers": {"content-type": "text/csv"}}, 415, "unsupported_media_type"),
    ],
)
def test_bad_ingest_requests_get_clear_4xx(seeded: LiveServer, kwargs: dict[str, Any], status: int, code: str) -> None:
    headers = {**MERCHANT, **kwargs.pop("headers", {})}
    with seeded.client() as client:
        response = client.post("/v1/catalog/ingest", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_ingest_needs_the_merchant_role(seeded: LiveServer) -> None:
    with seeded.client() as client:
        response = client.post("/v1/catalog/ingest", headers=SUPPORT, json={"products": [{"id": "x"}]})
        anonymous = client.post("/v1/catalog/ingest", json={"products": [{"id": "x"}]})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401


def test_search_contract_and_filters(seeded: LiveServer) -> None:
    with seeded.client() as client:
        response = search(client, q="dress", limit=5, category="Dresses", min_price=50, max_price=200, in_stock="true")
    assert response.status_code == 200
    body = response.json()
    assert body["personalized"] is False and body["took_ms"] >= 0
    assert 0 < len(body["items"]) <= 5
    for item in body["items"]:
        product = item["product"]
        assert item["id"] == product["id"]
        assert {"id", "title", "category", "price", "currency", "in_stock"} <= set(product)
        assert product["category"].startswith("Dresses") and 50 <= product["price"] <= 200 and product["in_stock"]


def test_search_in_chinese(seeded: LiveServer) -> None:
    with seeded.client() as client:
        body = search(client, q="连衣裙", limit=5).json()  # dress
    assert body["route"] == "multilingual"
    assert sum(item["product"]["category"].startswith("Dresses") for item in body["items"]) >= 3


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": 1000},
        {"q": "x", "in_stock": "perhaps"},
        {"q": "x", "mode": "magic"},
    ],
)
def test_bad_search_parameters_get_422(seeded: LiveServer, params: dict[str, Any]) -> None:
    with seeded.client() as client:
        response = search(client, **params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


def test_an_empty_price_range_is_an_empty_page(seeded: LiveServer) -> None:
    with seeded.client() as client:
        empty = search(client, q="dress", min_price=9, max_price=1)
        some = search(client, q="dress", min_price=1, max_price=900)
    assert empty.status_code == 200 and empty.json()["items"] == []
    assert some.status_code == 200 and some.json()["items"]


def test_product_lookup(seeded: LiveServer, demo_store: Path) -> None:
    first = json.loads((demo_store / "products.jsonl").read_text().splitlines()[0])
    with seeded.client() as client:
        found = client.get(f"/v1/products/{first['id']}", headers=SUPPORT)
        missing = client.get("/v1/products/NOPE-404", headers=SUPPORT)
    assert found.status_code == 200 and found.json()["title"] == first["title"]
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
