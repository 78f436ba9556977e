"""Idempotency-Key on writes: a retry gets the first answer, a reused key with another body is refused.

On the trained demo shop: events posted to the untrained `live` server would leave its recommender unready for
later tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from app.main import create_app
from tests.conftest import MERCHANT_KEY, SUPPORT_KEY, make_settings
from tests.live_server import LiveServer, serve_app

pytestmark = pytest.mark.integration  # a service restarted on the trained demo shop

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}


def event(event_id: str) -> dict[str, str]:
    return {"event_id": event_id, "user_id": "idem-user", "product_id": "P0001", "type": "view"}


def test_a_retried_write_gets_the_first_answer(shop: LiveServer) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"events": [event(f"idem-{uuid.uuid4()}")]}
    with shop.client() as client:
        first = client.post("/v1/events", headers={**MERCHANT, **key}, json=body)
        retry = client.post("/v1/events", headers={**MERCHANT, **key}, json=body)
        plain = client.post("/v1/events", headers=MERCHANT, json=body)  # no key: the route's own idempotency
    assert first.status_code == 202 and first.json()["accepted"] == 1
    assert retry.status_code == 202 and retry.json() == first.json()  # not "duplicates: 1": the stored answer
    assert retry.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert plain.json()["duplicates"] == 1


def test_a_key_reused_with_another_body_or_caller(shop: LiveServer) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with shop.client() as client:
        first = client.post("/v1/events", headers={**MERCHANT, **key}, json={"events": [event("idem-a")]})
        other_body = client.post("/v1/events", headers={**MERCHANT, **key}, json={"events": [event("idem-b")]})
        other_caller = client.post(
            "/v1/events",
            headers={"Authorization": f"Bearer {SUPPORT_KEY}", **key},
            json={"events": [event("idem-b")]},
        )
        bad_key = client.post("/v1/events", headers={**MERCHANT, "Idempotency-Key": "x" * 300}, json={})
    assert first.status_code == 202
    assert other_body.status_code == 422 and "different request" in other_body.json()["error"]["message"]
    assert other_caller.status_code == 202  # keys are scoped to the caller
    assert bad_key.status_code == 422


def test_errors_are_replayed_but_server_failures_are_not(shop: LiveServer) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with shop.client() as client:
        first = client.post("/v1/catalog/ingest", headers={**MERCHANT, **key}, json={"products": []})
        retry = client.post("/v1/catalog/ingest", headers={**MERCHANT, **key}, json={"products": []})
    assert first.status_code == retry.status_code and first.status_code in (400, 422)
    assert retry.headers["idempotent-replayed"] == "true"


def test_replays_survive_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, llm={"model_path": tmp_path / "no-model.gguf"})  # no LLM needed
    key = {"Idempotency-Key": "restart-check"}
    body = {"events": [event("idem-restart")]}
    with serve_app(create_app(settings)) as server, server.client() as client:
        first = client.post("/v1/events", headers={**MERCHANT, **key}, json=body)
    with serve_app(create_app(settings)) as server, server.client() as client:
        again = client.post("/v1/events", headers={**MERCHANT, **key}, json=body)
    assert first.status_code == 202 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
