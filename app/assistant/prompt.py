"""What the model is shown for a turn: the system prompt, the history as it saw it, and the turn's data.

Each request extends the one before it, so the LLM server's prefix cache already holds everything but the new
turn: the history is the turns' ``model_view`` (``memory.py``), the summary of folded turns leads the first
message of the window (it changes only when turns are folded), and a product keeps its card reference for the
whole conversation (``[2]`` in an earlier turn's data is still ``[2]`` now).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.assistant.context import fence, order_line, policy_line, product_card
from app.assistant.intents import Intent, TurnIntent
from app.assistant.plan import PRODUCT_INTENTS
from app.assistant.retrieve import Retrieved
from app.llm.prompts import load_prompt
from retrieval.catalog import Product

# per-turn instructions only where the system prompt's general rules are not enough (each token costs prefill)
_TASKS = {
    Intent.COMPARE: "compare these products, citing each as its card does.",
    Intent.POLICY: "answer from the store policy shown.",
}
_DETAILED = {Intent.PRODUCT_QUESTION, Intent.COMPARE}


def card_refs(products: Sequence[Product], earlier: Mapping[str, str] = {}) -> dict[str, str]:
    """Product id -> the number its card is shown with: the one it had earlier in the conversation, else the
    next free one. A SKU such as ``VL-HP-0101`` costs the model ten tokens to read and ten to write back,
    ``[1]`` three (~15 ms a prompt token and ~45 ms a written one on two CPU threads)."""
    refs: dict[str, str] = {}
    taken = [int(r) for r in earlier.values() if r.isdigit()]
    following = max(taken, default=0) + 1
    for product in products:
        if product.id in earlier:
            refs[product.id] = earlier[product.id]
        elif product.id not in refs:
            refs[product.id], following = str(following), following + 1
    return refs


class TurnPrompt:
    def __init__(self, shop_name: str, shop_description: str, short_refs: bool) -> None:
        self.short_refs = short_refs
        self.system = load_prompt("assistant_system").render(
            shop_name=shop_name, shop_description=shop_description, short_refs=short_refs
        )
        self._turn = load_prompt("assistant_turn")
        self._summary = load_prompt("assistant_summary")

    def refs(self, r: Retrieved, earlier: Mapping[str, str] = {}) -> dict[str, str]:
        return card_refs(r.products, earlier) if self.short_refs else {}

    def turn(self, message: str, intent: TurnIntent, r: Retrieved, refs: Mapping[str, str], seen: str = "") -> str:
        """The turn's data and the customer's message, as stored for later turns (``model_view``). A card the
        history (``seen``) already holds word for word is named, not repeated: ~80 tokens of prefill each."""
        note = ""
        if r.needs_login:
            note = "The customer is not signed in: no order can be looked up."
        elif r.hidden_orders:
            note = f"No order {', '.join(r.hidden_orders)} exists on this customer's account."
        elif intent.intent in PRODUCT_INTENTS and not r.products:
            note = "No product in the catalog matches."
        detailed = intent.intent in _DETAILED
        cards = []
        for p in r.products:
            card = product_card(p, detailed, r.matched.get(p.id, ()), refs.get(p.id))
            cards.append(f"[{refs[p.id]}] {p.title}: as shown above" if p.id in refs and card in seen else card)
        opinions = [f"[{refs.get(pid, pid)}] {line}" for pid, line in r.opinions.items()]
        return self._turn.render(
            products=cards,
            opinions=opinions,
            policies=[policy_line(p) for p in r.passages],
            orders=[order_line(v) for v in r.orders],
            note=note,
            task=_TASKS.get(intent.intent, ""),
            message=message,
        )

    def messages(self, turn: str, summary: str, past: Sequence[tuple[str, str]]) -> list[BaseMessage]:
        lead = self._summary.render(summary=fence(summary, 600)) + "\n" if summary else ""
        history = list(past)
        if history and history[0][0] == "user":
            history[0] = ("user", lead + history[0][1])
        else:
            turn = lead + turn
        messages: list[BaseMessage] = [SystemMessage(self.system)]
        messages += [HumanMessage(text) if role == "user" else AIMessage(text) for role, text in history]
        messages.append(HumanMessage(turn))
        return messages
