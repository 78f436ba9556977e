"""The OpenAI-compatible routes through the official ``openai`` client and ``langchain-openai``, on the Voltline shop
with the scripted model: model discovery, Responses (whole and streamed), chat completions through LangChain."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from langchain_openai import ChatOpenAI

from tests.conftest import customer_token
from tests.live_server import LiveServer
from tests.scripted_llm import ScriptedLLM

QUESTION = "How many people does the Trailhead 4-Person Dome Tent sleep?"
REPLY = "The [1] Trailhead 4-Person Dome Tent sleeps 1 person. It has two doors."
TENT = "VL-TN-0101"


@pytest.fixture
def token(scripted_shop: LiveServer, scripted: ScriptedLLM) -> Iterator[str]:
    scripted.reset()
    scripted.say("how many people", REPLY)
    yield customer_token(scripted_shop, "vl-cust-001")["Authorization"].removeprefix("Bearer ")
    scripted.reset()


def client(shop: LiveServer, token: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{shop.url}/v1", api_key=token, timeout=30, max_retries=0)


def test_the_model_list_names_the_assistant_and_needs_a_token(scripted_shop: LiveServer, token: str) -> None:
    assert [m.id for m in client(scripted_shop, token).models.list()] == ["shopassist"]
    with pytest.raises(openai.AuthenticationError):
        client(scripted_shop, "not-a-token").models.list()


def test_a_response_carries_only_checked_sentences(scripted_shop: LiveServer, token: str) -> None:
    response = client(scripted_shop, token).responses.create(model="shopassist", input=QUESTION)
    assert response.status == "completed" and response.output[0].type == "message"
    assert "two doors" in response.output_text and "1 person" not in response.output_text
    assert (response.model_extra or {})["shopassist"]["products"] == [TENT]
    assert response.usage is not None and response.usage.total_tokens > 0


def test_a_streamed_response_sends_typed_events_that_add_up(scripted_shop: LiveServer, token: str) -> None:
    events = list(client(scripted_shop, token).responses.create(model="shopassist", input=QUESTION, stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-2:] == ["response.output_text.done", "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = events[-2]
    completed = events[-1]
    assert done.type == "response.output_text.done" and completed.type == "response.completed"
    assert deltas == done.text == completed.response.output_text and "1 person" not in deltas


def test_messages_in_give_the_last_user_message_as_the_turn(
    scripted_shop: LiveServer, token: str, scripted: ScriptedLLM
) -> None:
    scripted.say("weigh", "It weighs 5.2 kg.")
    response = client(scripted_shop, token).responses.create(
        model="shopassist",
        input=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": f"The Trailhead 4-Person Dome Tent [{TENT}] sleeps 4."},
            {"role": "user", "content": [{"type": "input_text", "text": "and how much does it weigh?"}]},
        ],
    )
    assert "5.2 kg" in response.output_text
    sent = scripted.requests[-1]["messages"]
    assert any(QUESTION in str(m["content"]) for m in sent[:-1])  # the earlier turns are the history


def test_bad_input_gets_a_clear_422(scripted_shop: LiveServer, token: str) -> None:
    with httpx.Client(base_url=scripted_shop.url, headers={"Authorization": f"Bearer {token}"}) as http:
        blank = http.post("/v1/responses", json={"model": "shopassist", "input": "   "})
        no_user = http.post("/v1/responses", json={"input": [{"role": "assistant", "content": "hi"}]})
        wrong = http.post("/v1/responses", json={"input": 42})
    assert [r.status_code for r in (blank, no_user, wrong)] == [422, 422, 422]
    assert all(r.json()["error"]["code"] == "validation_error" for r in (blank, no_user, wrong))


def test_langchain_talks_to_both_routes(scripted_shop: LiveServer, token: str) -> None:
    for responses_api in (False, True):
        chat = ChatOpenAI(
            base_url=f"{scripted_shop.url}/v1",
            api_key=token,
            model="shopassist",
            max_retries=0,
            use_responses_api=responses_api,
        )
        reply = chat.invoke(QUESTION)
        assert "two doors" in reply.text and "1 person" not in reply.text, responses_api
