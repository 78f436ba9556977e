"""The model's view of a conversation: every request extends the one before, so the LLM's prefix cache holds
the history and only the new turn is prefilled."""

from __future__ import annotations

from langchain_core.messages import BaseMessage

from app.assistant.intents import Intent, TurnIntent
from app.assistant.memory import recall
from app.assistant.prompt import TurnPrompt, card_refs
from app.assistant.retrieve import Retrieved
from app.store.conversations import Conversation, StoredMessage
from retrieval.catalog import Product

KETTLE = Product(id="VL-KT-0101", title="Hearth 1.7L Electric Kettle", price=39.99, attributes={"wattage_w": 2200})
GLASS = Product(id="VL-KT-0102", title="Hearth Glass Tea Kettle", price=54.99, attributes={"wattage_w": 1800})
TENT = Product(id="VL-TN-0101", title="Trailhead 4-Person Dome Tent", price=189.0, attributes={"sleeps": 4})


def test_a_product_keeps_its_reference_for_the_whole_conversation() -> None:
    first = card_refs([KETTLE, GLASS])
    assert first == {"VL-KT-0101": "1", "VL-KT-0102": "2"}
    later = card_refs([TENT, GLASS], earlier=first)
    assert later == {"VL-TN-0101": "3", "VL-KT-0102": "2"}  # the glass kettle is still [2]; the tent is new


def contents(messages: list[BaseMessage]) -> list[tuple[str, str]]:
    return [(m.type, str(m.content)) for m in messages]


def test_each_request_extends_the_previous_one_with_the_reply_the_model_wrote() -> None:
    prompt = TurnPrompt("Voltline", "an electronics shop", short_refs=True)
    asked = [
        ("any kettles?", [KETTLE, GLASS], Intent.FIND),
        ("how many watts is the glass one?", [GLASS], Intent.PRODUCT_QUESTION),
        ("and tents?", [TENT], Intent.FIND),
    ]
    stored: list[StoredMessage] = []
    refs: dict[str, str] = {}
    previous: list[tuple[str, str]] | None = None
    for message, products, intent in asked:
        memory = recall(Conversation("c", "customer:c1", "c1", "", 0, list(stored)), budget_tokens=2000)
        retrieved = Retrieved(products=products)
        refs = {**refs, **prompt.refs(retrieved, refs)}
        turn = prompt.turn(message, TurnIntent(intent), retrieved, refs)
        request = contents(prompt.messages(turn, memory.summary, memory.model_history))
        if previous is not None:
            assert request[: len(previous)] == previous  # only the new turn needs prefilling
        assert f"Customer: {message}" in request[-1][1] and "[" + refs[products[0].id] + "]" in request[-1][1]
        written = f"The [{refs[products[0].id]}] is ${products[0].price:.2f}."  # as the model cites a card
        previous = [*request, ("ai", written)]
        seq = len(stored)
        stored += [
            StoredMessage(seq + 1, "user", message, {"model_view": turn}),
            StoredMessage(seq + 2, "assistant", f"The [{products[0].id}] ...", {"model_view": written, "refs": refs}),
        ]
    assert previous is not None and "[2] Hearth Glass Tea Kettle" in previous[3][1]  # still [2] in the second turn


def test_folded_turns_lead_the_window_and_fold_in_batches() -> None:
    prompt = TurnPrompt("Voltline", "an electronics shop", short_refs=True)
    messages = []
    for i in range(12):
        messages.append(StoredMessage(2 * i + 1, "user", f"question {i}", {"model_view": f"<data>{'x' * 200}</data>"}))
        messages.append(StoredMessage(2 * i + 2, "assistant", f"answer {i}", {"products": [f"P{i}"]}))
    memory = recall(Conversation("c", "o", None, "", 0, messages), budget_tokens=400)
    assert memory.history[0] == ("user", f"question {12 - len(memory.history) // 2}")  # customers' words
    assert memory.model_history[0][1].startswith("<data>")  # the model's view of the same turn
    kept = sum(len(text) // 4 + 1 for _, text in memory.model_history)
    assert kept <= 200  # folded down to half the budget: the next turns append to a stable prefix
    request = contents(prompt.messages("<data></data>\nCustomer: next", memory.summary, memory.model_history))
    assert request[1][1].startswith("Earlier in this chat: ") and "question 0" in request[1][1]
    # one more turn: the same window start, so the same prefix
    more = [*messages, StoredMessage(25, "user", "q", {"model_view": "v"}), StoredMessage(26, "assistant", "a")]
    again = recall(Conversation("c", "o", None, memory.summary, memory.summarized_upto, more), budget_tokens=400)
    assert again.model_history[: len(memory.model_history)] == memory.model_history and not again.changed


def test_a_card_the_history_holds_word_for_word_is_named_not_repeated() -> None:
    prompt = TurnPrompt("Voltline", "an electronics shop", short_refs=True)
    refs = card_refs([KETTLE, GLASS])
    asked = TurnIntent(Intent.PRODUCT_QUESTION)
    first = prompt.turn("tell me about the glass kettle", asked, Retrieved(products=[GLASS]), refs)
    assert "wattage: 1800 W" in first
    again = prompt.turn("is it dishwasher safe?", asked, Retrieved(products=[GLASS, KETTLE]), refs, seen=first)
    assert "[2] Hearth Glass Tea Kettle: as shown above" in again and "1800" not in again
    assert "wattage: 2200 W" in again  # a card not shown before is shown whole
