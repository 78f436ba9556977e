"""Feeds out on the Voltline shop: every product in Google's Merchant API and the OpenAI product feed formats with
the fields those specifications require, schema.org JSON-LD with an Offer, and links that resolve."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from retrieval.feed_export import GOOGLE_REQUIRED, GOOGLE_REQUIRED_ATTRIBUTES, OPENAI_REQUIRED
from tests.conftest import MERCHANT_KEY, SUPPORT_KEY, customer_token
from tests.live_server import LiveServer

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}


@pytest.fixture(scope="module")
def catalog(scripted_shop: LiveServer) -> dict[str, dict[str, object]]:
    services = scripted_shop.app.state.services
    return {p.id: p.model_dump() for p in services.catalog.get_many(services.catalog.ids()).values()}


def test_the_google_feed_has_every_product_with_the_required_fields(
    scripted_shop: LiveServer, catalog: dict[str, dict[str, object]]
) -> None:
    with scripted_shop.client() as client:
        feed = client.get("/v1/feeds/google-merchant.json", headers=MERCHANT).json()
    assert sorted(item["offerId"] for item in feed) == sorted(catalog)
    for item in feed:
        assert all(item[k] for k in GOOGLE_REQUIRED) and item["feedLabel"] == "US"
        attributes = item["productAttributes"]
        assert all(attributes[k] for k in GOOGLE_REQUIRED_ATTRIBUTES), item
        product = catalog[item["offerId"]]
        assert attributes["price"] == {
            "amountMicros": str(round(float(product["price"]) * 1_000_000)),  # type: ignore[arg-type]
            "currencyCode": product["currency"],
        }
        assert attributes["availability"] == ("IN_STOCK" if product["in_stock"] else "OUT_OF_STOCK")
        assert attributes.get("brand") == (product["brand"] or None)
        assert ("identifierExists" in attributes) == (not product["brand"])


def test_the_openai_feed_has_every_product_with_the_required_fields(
    scripted_shop: LiveServer, catalog: dict[str, dict[str, object]]
) -> None:
    with scripted_shop.client() as client:
        feed = client.get("/v1/feeds/openai-products.json", headers=MERCHANT).json()
    assert sorted(item["item_id"] for item in feed) == sorted(catalog)
    for item in feed:
        assert all(item[k] for k in OPENAI_REQUIRED), item
        assert re.fullmatch(r"\d+\.\d{2} [A-Z]{3}", item["price"]) and item["availability"] in {
            "in_stock",
            "out_of_stock",
        }
        assert item["url"].endswith(f"/products/{item['item_id']}") and item["enable_checkout"] is False


def test_json_ld_is_a_product_with_an_offer_and_its_links_resolve(
    scripted_shop: LiveServer, catalog: dict[str, dict[str, object]]
) -> None:
    product_id = "VL-TN-0102"  # out of stock, rated
    with scripted_shop.client() as client:
        response = client.get(f"/v1/products/{product_id}/jsonld", headers=MERCHANT)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
        data = response.json()
        assert (data["@context"], data["@type"], data["sku"]) == ("https://schema.org", "Product", product_id)
        assert data["name"] == catalog[product_id]["title"] and data["brand"] == {"@type": "Brand", "name": "Trailhead"}
        offer = data["offers"]
        assert offer["@type"] == "Offer" and offer["priceCurrency"] == "USD" and float(offer["price"]) == 179.0
        assert offer["availability"] == "https://schema.org/OutOfStock"
        assert data["aggregateRating"]["reviewCount"] == catalog[product_id]["review_count"]
        page = client.get(urlsplit(data["url"]).path)
        image = client.get(urlsplit(data["image"][0]).path)
        missing = client.get("/v1/products/NOPE-1/jsonld", headers=MERCHANT)
    assert page.status_code == 200 and "application/ld+json" in page.text
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert embedded and json.loads(embedded.group(1)) == data
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert image.text.startswith("<svg") and missing.status_code == 404


def test_feeds_are_for_merchants_only(scripted_shop: LiveServer) -> None:
    with scripted_shop.client() as client:
        customer = client.get("/v1/feeds/openai-products.json", headers=customer_token(scripted_shop, "vl-cust-001"))
        support = client.get("/v1/feeds/google-merchant.json", headers={"Authorization": f"Bearer {SUPPORT_KEY}"})
        nobody = client.get("/v1/feeds/google-merchant.json")
    assert (customer.status_code, support.status_code, nobody.status_code) == (403, 403, 401)
