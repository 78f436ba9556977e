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
