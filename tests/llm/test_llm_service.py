"""The one client path, against the real llama.cpp server running SmolLM2-135M in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from app.config import LLMSettings
from app.llm.service import LLMService, LLMUnavailableError
from app.observability import Metrics
from eval.serving import free_port
from tests.conftest import Runner

MESSAGES = [
    SystemMessage("You are a helpful shop assistant."),
    HumanMessage("Name three colours of dresses."),
]


def metric(service: LLMService, name: str, labels: dict[str, str] | None = None) -> float:
    value = service.metrics.registry.get_sample_value(name, labels or {})
    return value or 0.0


def test_complete_generates_text_and_counts_tokens(llm: LLMService, aio: Runner[Any]) -> None:
    before = metric(llm, "shopassist_llm_tokens_total", {"direction": "completion"})
    completion = aio(llm.complete(MESSAGES, max_tokens=24, temperature=0))
    assert completion.text.strip()
    assert 0 < completion.completion_tokens <= 24
    assert completion.prompt_tokens > 10
    after = metric(llm, "shopassist_llm_tokens_total", {"direction": "completion"})
    assert after - before == completion.completion_tokens


def test_max_tokens_caps_the_reply(llm: LLMService, aio: Runner[Any]) -> None:
    completion = aio(llm.complete(MESSAGES, max_tokens=3, temperature=0))
    assert 0 < completion.completion_tokens <= 3


def test_stream_yields_pieces_and_records_ttft(llm: LLMService, aio: Runner[Any]) -> None:
    ttft_before = metric(llm, "shopassist_llm_time_to_first_token_seconds_count")

    async def collect() -> list[str]:
        return [piece async for piece in llm.stream(MESSAGES, max_tokens=32, temperature=0)]

    pieces = aio(collect())
    assert len(pieces) >= 2
    assert "".join(pieces).strip()
    assert metric(llm, "shopassist_llm_time_to_first_token_seconds_count") == ttft_before + 1
    assert metric(llm, "shopassist_llm_requests_total", {"kind": "stream", "outcome": "ok"}) >= 1


def test_stream_and_complete_agree_at_temperature_zero(llm: LLMService, aio: Runner[Any]) -> None:
    async def both() -> tuple[str, str]:
        whole = await llm.complete(MESSAGES, max_tokens=16, temperature=0)
        streamed = "".join([p async for p in llm.stream(MESSAGES, max_tokens=16, temperature=0)])
        return whole.text, streamed

    whole, streamed = aio(both())
    assert whole == streamed


def test_avoided_words_are_suppressed_while_decoding(llm: LLMService, aio: Runner[Any]) -> None:
    ask = [HumanMessage("Name three colours of dresses. Start with red.")]
    plain = aio(llm.complete(ask, max_tokens=40, temperature=0)).text
    assert "red" in plain.lower()  # what the model says without the bias
    avoided = aio(llm.complete(ask, max_tokens=40, temperature=0, avoid_words=["red"])).text
    assert avoided.strip() and " red" not in f" {avoided.lower()}"
    biased = aio(llm.backend.avoid_fields(["red"]))["logit_bias"]
    assert biased and all(v == -100 for v in biased.values())  # one-token spellings only ("red", " red", " Red", ...)


def test_langchain_chat_model_is_usable_directly(llm: LLMService) -> None:
    reply = llm.chat_model.invoke("Say OK.", max_completion_tokens=4)
    assert str(reply.content).strip()


def test_embedded_server_requires_its_private_key(llm: LLMService) -> None:
    url = f"{llm.backend.base_url}/chat/completions"
    body = {"model": llm.backend.model_name, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    assert httpx.post(url, json=body, timeout=30).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": "Bearer wrong"}, timeout=30).status_code == 401
    assert llm.backend.base_url.startswith("http://127.0.0.1:")


def test_openai_backend_talks_to_any_compatible_server(llm: LLMService, aio: Runner[Any]) -> None:
    """The production path (vLLM) is the same client; here it points at the running llama.cpp server."""
    remote = LLMService(
        LLMSettings(
            backend="openai",
            base_url=llm.backend.base_url,
            api_key=llm.backend.api_key,
            served_model=llm.backend.model_name,
        ),
        Metrics(),
    )
    remote.start()
    assert remote.state == "ready"
    assert aio(remote.check()) is None
    completion = aio(remote.complete(MESSAGES, max_tokens=8, temperature=0))
    assert completion.completion_tokens > 0
    assert remote.describe()["backend"] == "openai"


def test_unreachable_backend_is_reported_not_raised(aio: Runner[Any]) -> None:
    service = LLMService(
        LLMSettings(backend="openai", base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0),
        Metrics(),
    )
    service.start()
    reason = aio(service.check())
    assert reason is not None and "unreachable" in reason


def test_missing_model_file_fails_start_with_a_reason(tmp_path: Path, aio: Runner[Any]) -> None:
    service = LLMService(LLMSettings(model_path=tmp_path / "absent.gguf"), Metrics())
    service.start()
    assert service.state == "failed"
    assert service.error is not None and "absent.gguf" in service.error
    with pytest.raises(LLMUnavailableError, match="failed"):
        _ = service.chat_model
    assert "failed" in (aio(service.check()) or "")


def test_background_start_reaches_ready(tmp_path: Path) -> None:
    service = LLMService(LLMSettings(model="smollm2-135m", models_dir=tmp_path, ctx_size=1024), Metrics())
    service.start_in_background("You are terse.")
    assert service.state in {"starting", "ready"}
    assert service.wait_ready(timeout=120)
    assert service.describe()["model_sha256"] == ("b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
    service.close()
    assert service.describe()["state"] == "stopped"
