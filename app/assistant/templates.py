"""Safe replies built only from retrieved data: used when no LLM is needed, when the LLM is down (degraded), and
when a generated reply fails the grounding check and cannot be repaired."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.assistant.context import attribute_line, money
from app.assistant.tools import OrderView
from retrieval.catalog import Product
from retrieval.policies import Passage


def _topics(topics: Sequence[str]) -> str:
    names = [t.lower() for t in topics][:5]
    if not names:
        return "our store policies"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"our {listed} policies"


def greeting(shop_name: str, topics: Sequence[str] = ()) -> str:
    return (
        f"Hello! I'm the {shop_name} assistant. I can help you find products, check your orders, "
        f"and answer questions about {_topics(topics)}."
    )


def out_of_scope(shop_name: str, topics: Sequence[str] = ()) -> str:
    return (
        f"Sorry, I can only help with {shop_name}: our products, your orders, and {_topics(topics)}. "
        "What can I help you find?"
    )


_NOT_IN_LISTING = re.compile(
    r"doesn'?t say|does not say|not (?:listed|stated|mentioned)"
    # the same said in the other languages a catalog may be in
    r"|nicht angegeben|keine angaben?|steht (?:dort |da )?nicht|n'est pas (?:indiqué|précisé|mentionné)|"
    r"no (?:se )?(?:indica|especifica|menciona)|non (?:è )?(?:indicat|specificat)|niet vermeld",
    re.IGNORECASE,
)


def says_not_in_listing(text: str) -> bool:
    return bool(_NOT_IN_LISTING.search(text))


def not_in_listing(items: Sequence[Product], said: bool = False, about: Sequence[str] = ()) -> str:
    """The honest answer when the data does not hold what was asked: say so (unless ``said`` already), say what
    is known (``about``: the attributes the question is most about, ``ShopKnowledge.attributes_about``; else the
    first two), offer a person."""
    if not items:
        return "I don't have that information. I can ask a colleague for you if you like."
    p = items[0]
    known = f"{p.title} [{p.id}] is {money(p.price, p.currency)}"
    chosen = [k for k in about if k in p.attributes] or list(p.attributes)[:2]
    facts = [attribute_line(k, p.attributes[k]) for k in chosen]
    stock = "in stock" if p.in_stock else "out of stock"
    opening = "" if said else "The listing doesn't say more than that. "
    listed = "".join(f"; {f}" for f in facts)
    return f"{opening}What it does say: {known}{listed}; {stock}. I can ask a colleague for you if you like."


def catalog_unavailable() -> str:
    return (
        "Sorry, our product catalogue is not available right now; please try again in a few minutes. "
        "I can still help with your orders and our policies."
    )


def blocked() -> str:
    return (
        "Sorry, I can't help with that. I can help you find products, check your orders, or answer questions "
        "about our store policies."
    )


def handoff(ticket_id: str) -> str:
    return (
        "I'm sorry about this. I have passed our conversation to a colleague from customer care "
        f"(ticket {ticket_id}); they will get back to you by email shortly."
    )


def products(items: Sequence[Product], filters_note: str = "") -> str:
    if not items:
        scope = f" {filters_note}" if filters_note else ""
        return f"Sorry, I couldn't find products matching that{scope}. Could you describe it another way?"
    lines = [f"- {p.title} [{p.id}]: {money(p.price, p.currency)}" for p in items[:3]]
    return "Here is what I found:\n" + "\n".join(lines)


def orders(views: Sequence[OrderView], hidden: Sequence[str], needs_login: bool) -> str:
    """Order facts straight from the order records (the assistant never lets the model state them)."""
    if needs_login:
        return "To look up an order I need to know who you are: please sign in to your account first."
    lines = []
    if hidden:
        lines.append(
            f"I couldn't find order {', '.join(hidden)} on your account. Please check the number, "
            "or I can connect you with a colleague."
        )
    elif not views:
        return "I couldn't find any orders on your account."
    for view in views:
        o = view.order
        placed = o.placed_at.date().isoformat()
        items = sum(i.quantity for i in o.items)
        line = f"Order {o.id} (placed {placed}, {items} item{'s' if items != 1 else ''}, {money(o.total, o.currency)})"
        if o.status == "delivered" and o.delivered_at:
            line += f" was delivered on {o.delivered_at.date().isoformat()}"
        elif o.status == "shipped":
            line += " has shipped"
            if o.estimated_delivery:
                line += f" and should arrive by {o.estimated_delivery}"
        else:
            line += f" is {o.status}"
        if o.tracking_number and o.status in ("shipped", "delivered"):
            line += f"; tracking number {o.tracking_number}"
        line += f". Returns: {view.return_note}."
        lines.append(line)
    return "\n".join(lines)


def policy(passages: Sequence[Passage]) -> str:
    if not passages:
        return "I don't have a policy on that; I can connect you with a colleague if you like."
    return " ".join(f"From our {p.title.lower()} policy: {p.text}" for p in passages[:2])


def sponsored(product: Product, line: str | None = None) -> str:
    """The line a sponsored product gets after an answer: labelled, the record's own facts, and the approved
    creative's line (claim-checked against the same record) when there is one."""
    price = f" — {money(product.price, product.currency)}"
    return f"Sponsored: {product.title} [{product.id}]{price}" + (f". {line}" if line else "")
