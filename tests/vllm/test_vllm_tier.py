"""What only the vLLM tier can check (`make test-vllm`): the server lists the base model and the LoRA adapter,
the adapter learned the copy format, and words to avoid are suppressed through vLLM's ``bad_words``."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.config import LLMSettings
from app.llm.service import LLMService
from app.observability import Metrics
from tests.conftest import Runner
from tests.vllm_server import ADAPTER_NAME, VllmServer

pytestmark = pytest.mark.vllm
THE = re.compile(r"\bthe\b", re.IGNORECASE)


def service(server: VllmServer, model: str) -> LLMService:
    llm = LLMService(
        LLMSettings(backend="openai", base_url=server.base_url, api_key=server.api_key, served_model=model),
        Metrics(),
    )
    llm.start()
    assert llm.state == "ready", llm.error
    return llm


def test_the_server_lists_the_base_model_and_the_adapter(vllm_server: VllmServer) -> None:
    response = httpx.get(
        f"{vllm_server.base_url}/models", headers={"Authorization": f"Bearer {vllm_server.api_key}"}, timeout=10
    )
    assert response.status_code == 200
    assert {m["id"] for m in response.json()["data"]} >= {"shopassist", ADAPTER_NAME}
    unauthorized = httpx.get(f"{vllm_server.base_url}/models", timeout=10)
    assert unauthorized.status_code == 401


def test_the_adapter_learned_the_copy_format(vllm_server: VllmServer, aio: Runner[Any]) -> None:
    """On held-out copy prompts of the service, the tuned model answers with the copy JSON straight away; the
    base model (the same weights without the adapter) starts with prose."""
    heldout = vllm_server.adapter.parents[1] / "sft" / "heldout.jsonl"
    rows = [json.loads(line) for line in heldout.read_text().splitlines()]
    prompts = [as_messages(row["messages"][:-1]) for row in rows if row["kind"] == "copy"][:4]
    assert prompts

    def json_first(model: str) -> int:
        llm = service(vllm_server, model)
        replies = [aio(llm.complete(p, max_tokens=24, temperature=0)).text for p in prompts]
        return sum(reply.lstrip().startswith("{") for reply in replies)

    assert json_first(ADAPTER_NAME) > json_first("shopassist")


def as_messages(chat: list[dict[str, str]]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m["role"]](m["content"]) for m in chat]


def test_words_to_avoid_are_suppressed_through_bad_words(vllm_server: VllmServer, aio: Runner[Any]) -> None:
    llm = service(vllm_server, "shopassist")
    prompt = [HumanMessage("Describe the weather in the city today in two sentences.")]
    plain = aio(llm.complete(prompt, max_tokens=48, temperature=0))
    avoided = aio(llm.complete(prompt, max_tokens=48, temperature=0, avoid_words=["the"]))
    assert THE.search(plain.text), plain.text  # the prompt does elicit the word
    assert not THE.search(avoided.text), avoided.text
