"""The turn's logic with a known reply: a second shop (Voltline) with every real part (encoders, Qdrant, SQLite,
uvicorn, the HTTP client path) and the scripted OpenAI-protocol server in place of the model. What a reply says
is fixed by the test, so the grounding gate, the reference mapping, the LLM router, the stored model view and
the wire formats are checked exactly, in milliseconds per turn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import openai
import pytest

from app.assistant.service import Assistant
from app.assistant.tools import Caller
from app.assistant.turn_events import Done, Token, TurnResult
from app.llm.service import LLMService
from app.observability import Metrics
from tests.conftest import SUPPORT_KEY, Runner, assistant_like, customer_token
from tests.live_server import LiveServer
from tests.scripted_llm import ScriptedLLM

TENT = "VL-TN-0101"  # Trailhead 4-Person Dome Tent: persons 4, two doors in its description
SOLO = "VL-TN-0102"  # Trailhead Solo Ultralight Tent: persons 1, out of stock
EARBUDS = "VL-EB-0101"  # Voltline Sprint Earbuds: IPX4 splash resistant, "not for swimming"
CUSTOMER = Caller("customer:vl-cust-001", "vl-cust-001", False)


@pytest.fixture(scope="module")
def assistant(scripted_shop: LiveServer) -> Iterator[Assistant]:
    """The shop's assistant for turns run on this test's event loop: its own LLM client (an async connection
    pool belongs to the loop that opened it; the server's runs on uvicorn's)."""
    services = scripted_shop.app.state.services
    llm = LLMService(services.settings.llm, Metrics())
    llm.start()
    yield assistant_like(services, llm=llm)
    llm.close()


@pytest.fixture(autouse=True)
def fresh_script(scripted: ScriptedLLM, assistant: Assistant) -> Iterator[None]:
    scripted.reset()
    yield
    scripted.reset()
    assistant.llm.breaker.succeeded()  # a fault test leaves the circuit closed


def turn(assistant: Assistant, aio: Runner[Any], message: str, **kwargs: Any) -> tuple[list[str], TurnResult]:
    """The streamed pieces and the result of one turn."""

    async def run() -> tuple[list[str], TurnResult]:
        pieces: list[str] = []
        async for event in assistant.turn(CUSTOMER, message, **kwargs):
            if isinstance(event, Token):
                pieces.append(event.text)
            elif isinstance(event, Done):
                return pieces, event.result
        raise AssertionError("the turn ended without a result")

    pieces, result = aio(run())
    return pieces, result


def test_a_contradicted_fact_is_never_streamed_and_the_honest_answer_gives_the_record(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    scripted.say("how many people", "The [1] Trailhead 4-Person Dome Tent sleeps 1 person. It has two doors.")
    pieces, result = turn(assistant, aio, "How many people does the Trailhead 4-Person Dome Tent sleep?", persist=False)
    streamed = "".join(pieces)
    assert "1 person" not in streamed and "two doors" in streamed
    assert result.claims_cut == ["1 person"] and result.claims_checked >= 2 and result.repaired
    assert "persons: 4" in result.reply and TENT in result.products  # what the record does say, cited


def test_a_supported_fact_streams_with_its_product_cited_by_id(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    scripted.say("how many people", "The [1] Trailhead 4-Person Dome Tent sleeps 4 people and weighs 5.2 kg.")
    _, result = turn(assistant, aio, "How many people does the Trailhead 4-Person Dome Tent sleep?", persist=False)
    assert result.claims_cut == [] and result.claims_supported >= 2 and not result.repaired
    assert f"[{TENT}]" in result.reply and "[1]" not in result.reply  # the card ref becomes the product id
    assert result.citations == [{"type": "product", "id": TENT}]


def test_a_benefit_no_attribute_states_is_cut(assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]) -> None:
    scripted.say("swimming", "Yes! The [1] Voltline Sprint Earbuds are waterproof, so you can swim with them.")
    pieces, result = turn(assistant, aio, "Can I take the Voltline Sprint Earbuds swimming?", persist=False)
    assert "waterproof" not in "".join(pieces) and result.claims_cut, result.public()
    assert EARBUDS in result.products


def test_unknown_references_are_dropped_and_a_mislabelled_one_names_the_product_it_describes(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    prompt: dict[str, str] = {}

    def reply(body: dict[str, Any]) -> str:
        # the card numbers are the service's choice: read them from the prompt as a model would
        data = body["messages"][-1]["content"]
        prompt["data"] = data
        solo = next(line for line in data.splitlines() if "Solo Ultralight" in line).split("]")[0] + "]"
        return f"The {solo} Trailhead 4-Person Dome Tent has two doors. See also [9] for more."

    scripted.say("compare", reply)
    _, result = turn(assistant, aio, f"compare {TENT} and {SOLO}", persist=False)
    assert "[9]" not in result.reply and "[1]" not in result.reply and "[2]" not in result.reply
    assert f"[{TENT}]" in result.reply and f"[{SOLO}]" not in result.reply, result.reply  # recited to its label
    assert "Solo Ultralight" in prompt["data"]


def test_a_follow_up_request_extends_the_previous_one_word_for_word(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    """The stored model view: the second request begins with the first request's messages and the reply as the
    model wrote it (references, not ids), so the backend's prefix cache covers the whole earlier turn."""
    scripted.say("tent", "The [1] Trailhead 4-Person Dome Tent is $219.00.")
    scripted.say("how much does it weigh", "It weighs 5.2 kg.")
    conversation = assistant.conversations.create(CUSTOMER.owner, CUSTOMER.customer_id)
    _, first = turn(assistant, aio, "I need a tent for four people", conversation=conversation)
    stored = assistant.conversation_for(CUSTOMER, conversation.id)
    _, second = turn(assistant, aio, "how much does it weigh?", conversation=stored)
    chats = [r for r in scripted.requests if "response_format" not in r]
    one, two = chats[-2]["messages"], chats[-1]["messages"]
    assert two[: len(one)] == one
    assert two[len(one)] == {"role": "assistant", "content": "The [1] Trailhead 4-Person Dome Tent is $219.00."}
    assert f"[{TENT}]" in first.reply and second.claims_cut == []


def test_the_llm_router_decides_only_among_the_kinds_the_data_left_open(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    offered: list[list[str]] = []

    def choose_last(body: dict[str, Any]) -> str:
        kinds = body["response_format"]["json_schema"]["schema"]["properties"]["kind"]["enum"]
        offered.append(kinds)
        return json.dumps({"kind": kinds[-1]})

    scripted.say("", choose_last, json_only=True)
    _, routed = turn(assistant, aio, "I'm looking for something nice", persist=False)
    assert offered and len(offered[0]) >= 2, "the data should have left this turn open"
    assert routed.intent == offered[0][-1] and routed.reasons[0].startswith(f"llm router chose {offered[0][-1]}")

    scripted.reset()
    scripted.say("", "no json here", json_only=True)
    _, kept = turn(assistant, aio, "I'm looking for something nice", persist=False)
    assert kept.intent == offered[0][0] and any(r.startswith("llm router failed") for r in kept.reasons)

    scripted.reset()
    _, decided = turn(assistant, aio, "what is your warranty policy?", persist=False)
    assert not any("response_format" in r for r in scripted.requests)  # the data decided: no router call
    assert decided.intent == "policy"


def test_backend_errors_degrade_to_an_answer_from_the_data_and_open_the_circuit(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    scripted.fail("", 503)
    for _ in range(assistant.llm.settings.breaker_failures):
        _, result = turn(assistant, aio, "do you have bluetooth speakers?", persist=False)
        assert result.degraded and result.fallback and result.products
    assert assistant.llm.breaker.state == "open"
    asked = len(scripted.requests)
    _, shed = turn(assistant, aio, "do you have bluetooth speakers?", persist=False)
    assert shed.degraded and shed.products and len(scripted.requests) == asked  # the open circuit asks nobody


def test_the_openai_route_streams_only_checked_sentences(scripted_shop: LiveServer, scripted: ScriptedLLM) -> None:
    scripted.say("how many people", "The [1] Trailhead 4-Person Dome Tent sleeps 1 person. It has two doors.")
    headers = customer_token(scripted_shop, "vl-cust-001")
    token = headers["Authorization"].removeprefix("Bearer ")
    client = openai.OpenAI(base_url=f"{scripted_shop.url}/v1", api_key=token, timeout=30, max_retries=0)
    stream = client.chat.completions.create(
        model="shopassist",
        messages=[{"role": "user", "content": "How many people does the Trailhead 4-Person Dome Tent sleep?"}],
        stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "two doors" in text and "1 person" not in text and TENT in text
    whole = client.chat.completions.create(
        model="shopassist",
        messages=[
            {"role": "user", "content": "How many people does the Trailhead 4-Person Dome Tent sleep?"},
            {"role": "assistant", "content": "Let me check."},  # after the question: not the turn, not history
        ],
    )
    assert whole.choices[0].finish_reason == "stop" and "1 person" not in (whole.choices[0].message.content or "")
    extension = (whole.model_extra or {})["shopassist"]
    assert extension["products"] == [TENT] and extension["intent"] == "product_question" and whole.usage


def test_rest_chat_reports_the_claims_it_checked(scripted_shop: LiveServer, scripted: ScriptedLLM) -> None:
    headers = customer_token(scripted_shop, "vl-cust-001")
    scripted.say("how many people", "The [1] Trailhead 4-Person Dome Tent sleeps 1 person. It has two doors.")
    with scripted_shop.client() as client:
        response = client.post(
            "/v1/chat",
            headers=headers,
            json={"message": "How many people does the Trailhead 4-Person Dome Tent sleep?"},
        )
    assert response.status_code == 200, response.text
    claims = response.json()["grounding"]["claims"]
    assert claims["cut"] == ["1 person"] and claims["checked"] > claims["supported"] >= 1
    assert SUPPORT_KEY not in response.text
    with scripted_shop.client() as client:
        stored = client.get(f"/v1/conversations/{response.json()['conversation_id']}", headers=headers).json()
    stamps = [datetime.fromisoformat(m["created_at"]) for m in stored["messages"]]
    assert len(stamps) == 2 and all(t.utcoffset() == timedelta(0) for t in stamps)  # date-times with their offset


def test_a_question_in_german_gets_the_replies_written_from_data_in_german(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    _, orders = turn(assistant, aio, "Wo ist meine letzte Bestellung?", persist=False)
    latest = assistant.retriever.orders.commerce.orders_of(CUSTOMER.customer_id or "", limit=1)[0]
    assert orders.intent == "order_status" and latest.id in orders.reply
    assert "Bestellung" in orders.reply and "Rücksendung:" in orders.reply and "Returns" not in orders.reply
    scripted.say("wie viele personen", "The [1] Trailhead 4-Person Dome Tent sleeps 1 person.")
    _, fact = turn(assistant, aio, "Für wie viele Personen ist das Trailhead 4-Person Dome Tent?", persist=False)
    assert fact.claims_cut == ["1 person"] and "nicht angegeben" in fact.reply and "persons: 4" in fact.reply


def test_a_yes_the_policy_denies_is_cut_and_the_policy_quoted(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    scripted.say("marketplace", "Yes, we match marketplace prices too. Just send us the link.")
    pieces, result = turn(assistant, aio, "Do you match Amazon Marketplace prices?", persist=False)
    streamed = "".join(pieces)
    assert result.intent == "policy" and "Yes, we match" not in streamed
    assert [c for c in result.claims_cut if c.startswith("yes: Marketplace sellers")], result.claims_cut
    assert "not matched" in result.reply and "From our price match policy" in result.reply
    scripted.say("marketplace", "No, marketplace and auction prices are not matched.")
    _, agreed = turn(assistant, aio, "Do you match Amazon Marketplace prices?", persist=False)
    assert agreed.claims_cut == [] and agreed.reply.startswith("No, marketplace")


def test_a_value_asked_for_that_the_record_lacks_is_cut(
    assistant: Assistant, scripted: ScriptedLLM, aio: Runner[Any]
) -> None:
    """A question for an attribute the catalog has but this product's record lacks: any value given is made up."""
    scripted.say("what colour", "The Trailhead 4-Person Dome Tent is green. It has two doors.")
    _, result = turn(assistant, aio, "What colour is the Trailhead 4-Person Dome Tent?", persist=False)
    tent = assistant.catalog.get_many([TENT])[TENT]
    catalog = {a for p in assistant.catalog.get_many(assistant.catalog.ids()).values() for a in p.attributes}
    assert "colour" in catalog and "colour" not in tent.attributes
    assert "green" not in result.reply and "two doors" in result.reply
    assert result.claims_cut == ["green", "colour: green"]
