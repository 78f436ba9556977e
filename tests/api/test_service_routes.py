"""Service routes over a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from app.llm.models import SHIPPED_MODELS
from app.main import create_app
from tests.conftest import ADMIN_KEY, make_settings
from tests.live_server import LiveServer, serve_app

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_healthz(live: LiveServer) -> None:
    with live.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_lists_components(live: LiveServer) -> None:
    with live.client() as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["components"] == {"database": "ok", "index": "ok", "recommender": "ok", "llm": "ok"}


def test_capabilities_need_a_token(live: LiveServer) -> None:
    with live.client() as client:
        missing = client.get("/v1/capabilities")
        wrong = client.get("/v1/capabilities", headers={"Authorization": "Bearer nope"})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert wrong.json() == {"error": {"code": "unauthorized", "message": "invalid token"}}


def test_capabilities_show_backend_and_model_hash_but_no_secret(live: LiveServer) -> None:
    with live.client() as client:
        response = client.get("/v1/capabilities", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["llm"]["backend"] == "embedded"
    assert body["llm"]["model"] == "smollm2-135m"
    assert body["llm"]["model_sha256"] == SHIPPED_MODELS["smollm2-135m"].sha256
    assert body["llm"]["state"] == "ready"
    assert body["database"]["dialect"] == "sqlite"
    assert body["catalog"]["backend"] == "qdrant-edge" and body["catalog"]["encoders"]["dense"]
    assert "model_version" in body["recommender"]
    assert body["packages"]["xllamacpp"]
    services = live.app.state.services
    assert ADMIN_KEY not in response.text
    assert services.llm.backend.api_key not in response.text


def test_capabilities_show_the_promotion_gates_decisions(scripted_shop: LiveServer) -> None:
    with scripted_shop.client() as client:
        body = client.get("/v1/capabilities", headers=AUTH).json()
    promotion = body["recommender"]["promotion"]
    assert promotion["tolerance"] == 0.1 and promotion["holdout_users"] == 500
    first = promotion["decisions"][0]
    assert first["promoted"] and first["candidate"] == body["recommender"]["model_version"]
    assert first["reason"] == "no version served yet" and first["candidate_scores"]["users"] >= 20


def test_metrics_count_requests_by_route_template(live: LiveServer) -> None:
    with live.client() as client:
        client.get("/healthz")
        client.get("/no/such/page/12345")
        text = client.get("/metrics").text
    assert 'shopassist_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "/no/such/page" not in text  # raw paths never become labels
    assert 'shopassist_component_ready{component="llm"} 1.0' in text
    assert "shopassist_llm_tokens_total" in text


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/v1/nothing-here", 404, "not_found"), ("POST", "/healthz", 405, "method_not_allowed")],
)
def test_errors_use_the_envelope(live: LiveServer, method: str, path: str, status: int, code: str) -> None:
    with live.client() as client:
        response = client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_request_id_is_echoed_or_generated(live: LiveServer) -> None:
    with live.client() as client:
        echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        generated = client.get("/healthz")
        hostile = client.get("/healthz", headers={"X-Request-ID": "x" * 200})
    assert echoed.headers["x-request-id"] == "abc-123"
    assert len(generated.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "x" * 200


def test_access_log_is_structured_and_has_no_query_or_body(live: LiveServer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="shopassist.access"), live.client() as client:
        client.get("/healthz?email=jane.doe@example.com", headers={"X-Request-ID": "log-check-1"})
        # the access line is written once the response has been sent: give the server thread a moment
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not [r for r in caplog.records if r.name == "shopassist.access"]:
            time.sleep(0.01)
    records = [r for r in caplog.records if r.name == "shopassist.access"]
    assert records, "no access log record"
    record = records[-1]
    assert record.__dict__["route"] == "/healthz"
    assert record.__dict__["status"] == 200
    assert "jane.doe" not in caplog.text


def test_readyz_names_the_failing_part_and_metrics_can_be_private(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        llm={"model_path": tmp_path / "missing.gguf"},
        metrics_public=False,
    )
    with serve_app(create_app(settings)) as server, server.client() as client:
        services = server.app.state.services
        assert services.llm.wait_ready(timeout=30) is False
        response = client.get("/readyz")
        assert response.status_code == 503
        components = response.json()["components"]
        assert components["database"] == "ok"
        assert "missing.gguf" in components["llm"]
        assert client.get("/healthz").status_code == 200  # alive even though not ready
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=AUTH).status_code == 200
