"""Limits on a server of their own (tight settings): per-key and per-IP rate limits, body size, and the bounded
generation queue answering 503 with Retry-After quickly under 4x its capacity.

Every real part but the model: the LLM is a scripted server whose replies take a fixed time, so the queue is
full for as long as the test says (what a limit does does not depend on the prose)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.api.limits import RateLimiter
from app.main import create_app
from tests.conftest import MERCHANT_KEY, SUPPORT_KEY, Runner, make_settings
from tests.live_server import LiveServer, serve_app
from tests.scripted_llm import ScriptedLLM, serve_scripted

GENERATION_S = 1.0  # each scripted reply: one turn holds the one generation slot at least this long


@pytest.fixture(scope="module")
def slow_llm() -> Iterator[ScriptedLLM]:
    with serve_scripted() as script:
        script.say("", "We have a few linen dresses.", delay_s=GENERATION_S)
        yield script


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory, slow_llm: ScriptedLLM) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("limits"),
        llm=slow_llm.llm_settings(),
        limits={
            "per_key_rps": 0.5,
            "per_key_burst": 4,
            "per_ip_rps": 0,
            "max_body_bytes": 4096,
            "max_concurrent_generations": 1,
            "generation_queue": 1,
            "generation_wait_s": 20,
        },
    )
    with serve_app(create_app(settings)) as server:
        server.wait_ready()
        yield server


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = RateLimiter(rate=2.0, burst=2)
    assert bucket.take("k", now=0.0) == 0 and bucket.take("k", now=0.0) == 0
    assert bucket.take("k", now=0.0) == pytest.approx(0.5)
    assert bucket.take("k", now=0.5) == 0  # one token back after 1/rate seconds
    assert bucket.take("other", now=0.5) == 0  # keys do not share buckets
    assert RateLimiter(rate=0, burst=1).take("k") == 0  # rate 0 = off


def test_a_key_over_its_rate_gets_429_with_retry_after(tight: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {MERCHANT_KEY}"}
    with tight.client() as client:
        statuses = [client.get("/v1/products/search", params={"q": "dress"}, headers=headers) for _ in range(6)]
        other_key = client.get(
            "/v1/products/search", params={"q": "dress"}, headers={"Authorization": f"Bearer {SUPPORT_KEY}"}
        )
        health = [client.get("/healthz").status_code for _ in range(10)]
    codes = [r.status_code for r in statuses]
    assert codes[:4] == [200, 200, 200, 200] and codes[4:] == [429, 429]
    assert int(statuses[-1].headers["retry-after"]) >= 1
    assert statuses[-1].json()["error"]["code"] == "rate_limited"
    assert other_key.status_code == 200 and set(health) == {200}


def test_per_ip_limit(tmp_path: Path, scripted: ScriptedLLM) -> None:
    settings = make_settings(tmp_path, llm=scripted.llm_settings(), limits={"per_ip_rps": 0.5, "per_ip_burst": 3})
    with serve_app(create_app(settings)) as server, server.client() as client:
        codes = [client.get("/v1/capabilities").status_code for _ in range(5)]
        assert client.get("/healthz").status_code == 200  # probes are never limited
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_oversized_bodies_get_413(tight: LiveServer) -> None:
    token, _ = tight.app.state.services.keyring.customer_tokens.mint("c0001")
    headers = {"Authorization": f"Bearer {token}"}
    with tight.client() as client:
        declared = client.post("/v1/chat", headers=headers, json={"message": "x" * 10_000})

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
            yield b'{"message": "'
            for _ in range(10):
                yield b"y" * 1000
            yield b'"}'

        streamed = client.post("/v1/chat", headers={**headers, "Content-Type": "application/json"}, content=chunks())
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "payload_too_large"
    assert streamed.status_code == 413


def test_generation_queue_refuses_excess_quickly(tight: LiveServer, aio: Runner[list[tuple[int, float, str]]]) -> None:
    tokens = tight.app.state.services.keyring.customer_tokens
    assert tight.app.state.services.llm.wait_ready(60)

    async def one(i: int, client: httpx.AsyncClient) -> tuple[int, float, str]:
        token, _ = tokens.mint(f"c{i + 100:04d}")
        started = time.perf_counter()
        response = await client.post(
            "/v1/chat",
            headers={"Authorization": f"Bearer {token}"},
            json={"message": "show me a linen dress"},
        )
        return response.status_code, time.perf_counter() - started, response.headers.get("retry-after", "")

    async def burst() -> list[tuple[int, float, str]]:
        async with httpx.AsyncClient(base_url=tight.url, timeout=120) as client:
            return await asyncio.gather(*(one(i, client) for i in range(4)))  # 4x the one generation slot

    results = aio(burst())
    ok = [r for r in results if r[0] == 200]
    busy = [r for r in results if r[0] == 503]
    assert ok and busy, results
    assert len(ok) + len(busy) == 4
    assert all(seconds < 1.0 and retry for _, seconds, retry in busy), busy  # refused at once, with a hint
    assert all(seconds >= GENERATION_S for _, seconds, _ in ok), ok  # the served ones did wait for the model
    assert tight.app.state.services.generation.active == 0  # every slot was given back


def test_the_gate_counts_a_burst_before_anyone_awaits() -> None:
    """Four turns arriving in the same loop tick: one generates, one waits, two are refused at once (the queue
    bound must hold even before the first acquisition has run)."""
    from app.llm.gate import GenerationBusyError, GenerationGate

    gate = GenerationGate(concurrent=1, queue=1, wait_s=5)

    async def turn() -> str:
        try:
            async with gate.slot():
                await asyncio.sleep(0.2)
                return "served"
        except GenerationBusyError:
            return "refused"

    async def burst() -> list[str]:
        return list(await asyncio.gather(*(turn() for _ in range(4))))

    outcomes = asyncio.run(burst())
    assert sorted(outcomes) == ["refused", "refused", "served", "served"]
    assert gate.active == 0 and not gate.full()
