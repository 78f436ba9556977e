"""The circuit breaker in front of the LLM: its states on a controlled clock, and the real client path against a
port where nothing listens (a real connection failure)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from app.config import LLMSettings
from app.llm.breaker import CircuitBreaker, CircuitOpenError
from app.llm.service import LLMService, LLMUnavailableError
from app.observability import Metrics
from eval.serving import free_port
from tests.conftest import Runner


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_lets_one_trial_through_after_the_reset_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, reset_s=10, clock=clock)
    for _ in range(2):
        breaker.before()
        breaker.failed()
    breaker.before()
    breaker.succeeded()  # a success in between resets the count
    for _ in range(3):
        breaker.before()
        breaker.failed()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError, match="next trial in 10 s"):
        breaker.before()
    clock.now = 10.0
    assert breaker.state in {"half_open"}
    breaker.before()  # the one trial
    with pytest.raises(CircuitOpenError):
        breaker.before()  # a second caller while the trial runs
    breaker.failed()  # the trial failed: open again for a whole reset period
    clock.now = 19.0
    assert breaker.state == "open"
    clock.now = 20.0
    breaker.before()
    breaker.succeeded()
    assert breaker.state == "closed"
    breaker.before()


def test_a_dead_backend_opens_the_circuit_and_later_requests_fail_at_once(aio: Runner[Any]) -> None:
    service = LLMService(
        LLMSettings(
            backend="openai",
            base_url=f"http://127.0.0.1:{free_port()}/v1",
            max_retries=1,
            timeout_s=5,
            breaker_failures=2,
            breaker_reset_s=60,
        ),
        Metrics(),
    )
    service.start()
    messages = [HumanMessage("hello")]
    for _ in range(2):
        with pytest.raises(Exception) as info:
            aio(service.complete(messages, max_tokens=4))
        assert not isinstance(info.value, LLMUnavailableError)  # a real connection error, retried by the client
    started = time.perf_counter()
    with pytest.raises(LLMUnavailableError, match="failed 2 times"):
        aio(service.complete(messages, max_tokens=4))

    async def consume() -> None:
        async for _ in service.stream(messages, max_tokens=4):
            pass

    with pytest.raises(LLMUnavailableError):
        aio(consume())
    assert time.perf_counter() - started < 0.5  # no connection attempts, no retries, no timeouts
    assert aio(service.check()) == "circuit open after repeated failures"
    assert service.describe()["circuit"] == "open"
    refused = service.metrics.registry.get_sample_value(
        "shopassist_llm_requests_total", {"kind": "complete", "outcome": "circuit_open"}
    )
    assert refused == 1.0
