"""What one chat turn yields as it happens (``Token`` pieces, ``Products``, then ``Done``) and its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.catalog import Product


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Products:
    items: list[Product]
    sponsored: dict[str, dict[str, str]] = field(default_factory=dict)  # product id -> its ad (campaign, impression)


@dataclass
class TurnResult:
    conversation_id: str | None
    reply: str
    products: list[str]
    citations: list[dict[str, str]]
    handoff: bool
    intent: str
    degraded: bool = False
    repaired: bool = False
    ticket_id: str | None = None
    dropped_ids: list[str] = field(default_factory=list)
    unsupported_amounts: list[float] = field(default_factory=list)
    fallback: bool = False  # the reply is a template built from the data
    retrieved_products: list[str] = field(default_factory=list)
    ttft_s: float | None = None
    prompt_tokens_estimate: int = 0
    claims_checked: int = 0
    claims_supported: int = 0
    claims_cut: list[str] = field(default_factory=list)  # unsupported claims whose sentences were withheld
    reasons: list[str] = field(default_factory=list)  # why the turn was routed as it was
    model_turn: str = ""  # the turn's prompt as the model saw it (kept for the next turns' history)
    refs: dict[str, str] = field(default_factory=dict)  # product id -> card reference, for the conversation
    cart: dict[str, Any] | None = None  # the cart after an add the customer confirmed in this turn
    cart_offer: dict[str, Any] | None = None  # the add this turn asks the customer to confirm
    sponsored: list[dict[str, str]] = field(default_factory=list)  # ads shown after the answer (product, impression)

    def public(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "conversation_id": self.conversation_id,
            "reply": self.reply,
            "products": self.products,
            "citations": self.citations,
            "handoff": self.handoff,
            "intent": self.intent,
            "degraded": self.degraded,
            "repaired": self.repaired,
            "reasons": self.reasons,
        }
        if self.ticket_id:
            data["ticket_id"] = self.ticket_id
        if self.cart is not None:
            data["cart"] = self.cart
        if self.cart_offer is not None:
            data["cart_offer"] = self.cart_offer
        if self.sponsored:
            data["sponsored"] = self.sponsored
        data["grounding"] = {
            "dropped_ids": self.dropped_ids,
            "unsupported_amounts": self.unsupported_amounts,
            "fallback": self.fallback,
            "claims": {"checked": self.claims_checked, "supported": self.claims_supported, "cut": self.claims_cut},
        }
        return data


@dataclass(frozen=True)
class Done:
    result: TurnResult


TurnEvent = Token | Products | Done
