"""Events and recommendations over a real uvicorn server, with the demo catalog and demo events."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import MERCHANT_KEY, SUPPORT_KEY
from tests.live_server import LiveServer

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}
SUPPORT = {"Authorization": f"Bearer {SUPPORT_KEY}"}


@pytest.fixture(scope="module")
def trained(shop: LiveServer) -> LiveServer:
    return shop


def event(event_id: str, user: str, product: str, kind: str = "purchase") -> dict[str, Any]:
    return {"event_id": event_id, "user_id": user, "product_id": product, "type": kind}


def test_events_are_accepted_once(trained: LiveServer) -> None:
    batch = [event("t-1", "visitor-1", "P1078", "view"), event("t-2", "visitor-1", "P1078", "cart")]
    with trained.client() as client:
        first = client.post("/v1/events", headers=SUPPORT, json={"events": batch})
        again = client.post("/v1/events", headers=SUPPORT, json={"events": batch})
    assert first.status_code == 202 and first.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert again.status_code == 202 and again.json()["duplicates"] == 2


def test_invalid_events_are_rejected_each_with_a_reason(trained: LiveServer) -> None:
    batch = [
        event("t-10", "visitor-2", "P1078"),
        {"event_id": "t-11", "user_id": "v", "product_id": "P1", "type": "like"},
    ]
    with trained.client() as client:
        partial = client.post("/v1/events", headers=SUPPORT, json={"events": batch})
        none_valid = client.post("/v1/events", headers=SUPPORT, json={"events": [{"event_id": "x"}]})
        empty = client.post("/v1/events", headers=SUPPORT, json={"events": []})
    assert partial.status_code == 202
    assert partial.json()["accepted"] == 1
    assert partial.json()["rejected"] == [
        {"index": 1, "field": "type", "message": partial.json()["rejected"][0]["message"]}
    ]
    assert none_valid.status_code == 422 and none_valid.json()["error"]["code"] == "validation_error"
    assert empty.status_code == 422


def ranks(client: Any, user: str) -> tuple[dict[str, int], dict[str, Any]]:
    body = client.get(f"/v1/users/{user}/recommendations", params={"limit": 100}, headers=SUPPORT).json()
    return {item["id"]: n for n, item in enumerate(body["items"])}, body


def test_a_new_users_purchases_move_related_products_up_at_once(trained: LiveServer) -> None:
    model = trained.app.state.services.personalization.model
    bought = [p for p, _ in model.recommend({}, 200) if p.startswith("P")][5:8]  # three known products
    related = {p for b in bought for p, _ in model.similar(b, 10)} - set(bought)
    with trained.client() as client:
        before, before_body = ranks(client, "brand-new-user")
        started = time.perf_counter()
        posted = client.post(
            "/v1/events",
            headers=SUPPORT,
            json={"events": [event(f"nu-{n}", "brand-new-user", p) for n, p in enumerate(bought)]},
        )
        after, after_body = ranks(client, "brand-new-user")
        elapsed = time.perf_counter() - started
    assert posted.status_code == 202
    assert elapsed < 1.0
    assert before_body["cold_start"] is True and after_body["cold_start"] is False
    assert not set(bought) & set(after)  # already bought: excluded

    def mean_rank(order: dict[str, int]) -> float:
        return sum(order.get(p, 100) for p in related) / len(related)

    assert mean_rank(after) < mean_rank(before)


def test_recommendations_are_in_stock_and_filterable(trained: LiveServer) -> None:
    with trained.client() as client:
        body = client.get("/v1/users/c0001/recommendations", params={"limit": 20}, headers=SUPPORT).json()
        tops = client.get(
            "/v1/users/c0001/recommendations", params={"limit": 5, "category": "Tops"}, headers=SUPPORT
        ).json()
    assert body["items"] and body["model_version"].startswith("als-")
    assert all(item["product"]["in_stock"] for item in body["items"])
    assert tops["items"] and all(item["product"]["category"].startswith("Tops > ") for item in tops["items"])


def test_similar_products(trained: LiveServer) -> None:
    with trained.client() as client:
        found = client.get("/v1/products/P1078/similar", params={"limit": 5}, headers=SUPPORT)
        missing = client.get("/v1/products/NOPE/similar", headers=SUPPORT)
    assert found.status_code == 200
    items = found.json()["items"]
    assert 0 < len(items) <= 5 and all(i["id"] != "P1078" and i["product"]["in_stock"] for i in items)
    assert missing.status_code == 404


def test_search_is_reranked_for_a_user_with_history(trained: LiveServer) -> None:
    with trained.client() as client:
        plain = client.get("/v1/products/search", params={"q": "dress", "limit": 10}, headers=SUPPORT).json()
        personal = client.get(
            "/v1/products/search", params={"q": "dress", "limit": 10, "user_id": "c0001"}, headers=SUPPORT
        ).json()
        stranger = client.get(
            "/v1/products/search", params={"q": "dress", "limit": 10, "user_id": "nobody-at-all"}, headers=SUPPORT
        ).json()
    assert plain["personalized"] is False and stranger["personalized"] is False
    assert personal["personalized"] is True
    assert len(personal["items"]) == 10 and all(i["product"]["in_stock"] for i in personal["items"])
    assert [i["id"] for i in personal["items"]] != [i["id"] for i in plain["items"]]


def test_a_product_the_model_has_not_seen_gets_content_based_recommendations(trained: LiveServer) -> None:
    new = {"id": "NEW-LINEN-1", "title": "Wren Airy Linen Wrap Dress", "price": 89, "category": "Dresses > Dresses",
           "attributes": {"colour": ["white"], "material": "linen"}}  # fmt: skip
    with trained.client() as client:
        assert client.post("/v1/catalog/ingest", headers=MERCHANT, json={"products": [new]}).status_code == 200
        client.post("/v1/events", headers=SUPPORT, json={"events": [event("cs-1", "cold-user", "NEW-LINEN-1", "view")]})
        body = client.get("/v1/users/cold-user/recommendations", params={"limit": 5}, headers=SUPPORT).json()
    assert body["cold_start"] is True
    assert len(body["items"]) == 5
    assert all(item["id"] != "NEW-LINEN-1" and item["product"]["in_stock"] for item in body["items"])
    assert sum(item["product"]["category"] == "Dresses > Dresses" for item in body["items"]) >= 4
