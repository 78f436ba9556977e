"""Degraded modes with real faults: the product index closed under a running server, an LLM URL with nothing
listening."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.config import LLMSettings
from app.main import create_app
from eval.serving import free_port
from tests.conftest import MERCHANT_KEY, make_settings
from tests.live_server import serve_app

pytestmark = pytest.mark.integration  # real faults under servers of their own


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


def test_llm_down_chat_answers_from_data_copy_gets_503_and_the_circuit_opens(tmp_path: Path, demo_store: Path) -> None:
    """The real fault: the configured vLLM URL has nothing listening."""
    port = free_port()
    llm = LLMSettings(
        backend="openai",
        base_url=f"http://127.0.0.1:{port}/v1",
        warmup=False,
        max_retries=0,
        timeout_s=5,
        breaker_failures=2,
        breaker_reset_s=300,
    )
    settings = make_settings(tmp_path, llm=llm)
    with serve_app(create_app(settings)) as server:
        services = server.app.state.services
        assert services.llm.wait_ready(60)  # /readyz stays 503: the backend does not answer
        feed = b"\n".join((demo_store / "products.jsonl").read_bytes().splitlines()[:40])
        services.catalog.ingest_feed(feed, "jsonl")
        merchant = {"Authorization": f"Bearer {MERCHANT_KEY}"}
        with server.client(timeout=60) as client:
            replies = [client.post("/v1/chat", headers=merchant, json={"message": "show me a dress"}) for _ in range(3)]
            started = time.perf_counter()
            fast = client.post("/v1/chat", headers=merchant, json={"message": "any jackets?"})
            fast_s = time.perf_counter() - started
            copy = client.post("/v1/copy", headers=merchant, json={"product_id": "P0000"})
            ready = client.get("/readyz")
    for reply in [*replies, fast]:
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["degraded"] is True and body["grounding"]["fallback"] is True
    assert fast.json()["products"], "the fallback lists retrieved products"
    assert fast_s < 2.0, "with the circuit open no turn waits for the dead backend"
    assert copy.status_code == 503 and copy.json()["error"]["code"] == "unavailable"
    assert copy.headers["retry-after"]
    assert ready.status_code == 503 and "circuit open" in ready.json()["components"]["llm"]
