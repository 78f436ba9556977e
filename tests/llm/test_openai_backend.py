"""The ``openai`` backend (vLLM's protocol) against the scripted server: what reaches the wire."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from app.llm.service import LLMService
from app.observability import Metrics
from tests.conftest import Runner
from tests.scripted_llm import ScriptedLLM


def test_avoided_words_go_out_as_bad_words_and_a_schema_as_response_format(
    scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    scripted.reset()
    llm = LLMService(scripted.llm_settings(), Metrics())
    llm.start()
    try:
        scripted.say("describe", "A soft linen shirt.")
        text = aio(llm.complete([HumanMessage("describe it")], avoid_words=["cheap"], max_tokens=8)).text
        schema = {"type": "object", "properties": {"kind": {"type": "string"}}}
        aio(llm.complete([HumanMessage("route it")], json_schema=schema))
    finally:
        llm.close()
    plain, constrained = scripted.requests[-2], scripted.requests[-1]
    assert text == "A soft linen shirt." and plain["bad_words"] == ["Cheap", "cheap"] and "logit_bias" not in plain
    assert plain["max_completion_tokens"] == 8
    wanted = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    assert constrained["response_format"] == wanted
    scripted.reset()


def test_each_event_loop_gets_its_own_connection_pool(scripted: ScriptedLLM) -> None:
    """Evals and batch jobs call the service from one ``asyncio.run`` after another: a keep-alive connection of
    a closed loop must not be reused (it raised "Event loop is closed" on the second run)."""
    import asyncio

    scripted.reset()
    llm = LLMService(scripted.llm_settings(), Metrics())
    llm.start()
    try:
        scripted.say("again", "Still here.")
        replies = [asyncio.run(llm.complete([HumanMessage("again")], max_tokens=8)).text for _ in range(3)]
        assert llm.chat_model is llm.chat_model  # outside a loop: the one shared sync client
    finally:
        llm.close()
    assert replies == ["Still here."] * 3
    scripted.reset()
