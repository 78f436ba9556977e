"""Degraded modes with real faults: the product index closed under a running server."""

from __future__ import annotations

from pathlib import Path

from app.main import create_app
from tests.conftest import MERCHANT_KEY, make_settings
from tests.live_server import serve_app


def test_index_down_gives_503_with_reason_and_chat_degrades(tmp_path: Path, demo_store: Path) -> None:
    settings = make_settings(tmp_path)
    with serve_app(create_app(settings)) as server:
        server.wait_ready()
        services = server.app.state.services
        services.commerce.load_files(demo_store / "customers.jsonl", demo_store / "orders.jsonl")
        token, _ = services.keyring.customer_tokens.mint("c0053")
        customer = {"Authorization": f"Bearer {token}"}
        services.catalog.index.close()  # the fault: the engine is gone
        with server.client(timeout=120) as client:
            search = client.get(
                "/v1/products/search", params={"q": "dress"}, headers={"Authorization": f"Bearer {MERCHANT_KEY}"}
            )
            ready = client.get("/readyz")
            find = client.post("/v1/chat", headers=customer, json={"message": "a linen dress under $150"})
            order = client.post("/v1/chat", headers=customer, json={"message": "where is my last order?"})
    assert search.status_code == 503 and "product index unavailable" in search.json()["error"]["message"]
    assert search.headers["retry-after"]
    assert ready.status_code == 503 and ready.json()["components"]["index"] != "ok"
    assert find.status_code == 200 and find.json()["degraded"] is True and find.json()["products"] == []
    assert order.status_code == 200 and order.json()["degraded"] is False and "O1" in order.json()["reply"]
