"""A customer token reads only its own customer's personal data: recommendations and personalised search say
what that shopper did, so another shopper's are refused."""

from __future__ import annotations

from tests.conftest import SUPPORT_KEY, customer_token
from tests.live_server import LiveServer


def test_a_customer_reads_only_its_own_recommendations_and_personalised_search(scripted_shop: LiveServer) -> None:
    mine = customer_token(scripted_shop, "vl-cust-008")
    with scripted_shop.client() as client:
        own = client.get("/v1/users/vl-cust-008/recommendations", headers=mine)
        other = client.get("/v1/users/vl-cust-009/recommendations", headers=mine)
        staff = client.get("/v1/users/vl-cust-009/recommendations", headers={"Authorization": f"Bearer {SUPPORT_KEY}"})
        search_own = client.get("/v1/products/search", params={"q": "tent", "user_id": "vl-cust-008"}, headers=mine)
        search_other = client.get("/v1/products/search", params={"q": "tent", "user_id": "vl-cust-009"}, headers=mine)
    assert own.status_code == 200 and own.json()["items"]
    assert other.status_code == 404 and staff.status_code == 200
    assert search_own.status_code == 200 and search_other.status_code == 403


def test_a_customer_token_records_events_for_its_own_customer_only(scripted_shop: LiveServer) -> None:
    mine = customer_token(scripted_shop, "vl-cust-010")
    own = {"event_id": "scope-own-1", "user_id": "vl-cust-010", "product_id": "VL-EB-0101", "type": "view"}
    other = {"event_id": "scope-other-1", "user_id": "vl-cust-011", "product_id": "VL-EB-0101", "type": "purchase"}
    events = scripted_shop.app.state.services.personalization.events
    before = events.history("vl-cust-011")
    with scripted_shop.client() as client:
        mixed = client.post("/v1/events", headers=mine, json={"events": [own, other]})
        only_other = client.post("/v1/events", headers=mine, json={"events": [other]})
    assert mixed.status_code == 202 and mixed.json()["accepted"] == 1
    assert [(r["index"], r["field"]) for r in mixed.json()["rejected"]] == [(1, "user_id")]
    assert only_other.status_code == 422 and events.history("vl-cust-011") == before
