"""Safe replies built only from retrieved data: used when no LLM is needed, when the LLM is down (degraded), and
when a generated reply fails the grounding check and cannot be repaired."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.assistant.context import attribute_line
from app.assistant.replies import Replies
from app.assistant.tools import OrderView
from retrieval.catalog import Product
from retrieval.policies import Passage


def _topics(say: Replies, topics: Sequence[str]) -> str:
    names = [say.topic(t) for t in topics][:5]
    if not names:
        return say.say("topics_none")
    return say.say("topics_some", listed=say.listing(names))


def greeting(say: Replies, shop_name: str, topics: Sequence[str] = ()) -> str:
    return say.say("greeting", shop=shop_name, topics=_topics(say, topics))


def out_of_scope(say: Replies, shop_name: str, topics: Sequence[str] = ()) -> str:
    return say.say("out_of_scope", shop=shop_name, topics=_topics(say, topics))


_NOT_IN_LISTING = re.compile(
    r"doesn'?t say|does not say|not (?:listed|stated|mentioned)"
    # the same said in the other languages a catalog may be in
    r"|nicht angegeben|keine angaben?|steht (?:dort |da )?nicht|n'est pas (?:indiqué|précisé|mentionné)|"
    r"no (?:se )?(?:indica|especifica|menciona)|non (?:è )?(?:indicat|specificat)|niet vermeld|"
    r"(?:没有|未)(?:注明|说明|提到|标明)|ne (?:le )?précise pas|n'indique pas|ne mentionne pas|pas d'information|"
    r"no (?:tengo|dispongo de) (?:esa |esta )?información|non ho (?:questa |quest')?informazion",
    re.IGNORECASE,
)


def says_not_in_listing(text: str) -> bool:
    return bool(_NOT_IN_LISTING.search(text))


def _fact(say: Replies, name: str, value: object) -> str:
    return attribute_line(name, value, None if say.code == "en" else (say.word("yes"), say.word("no")))


def not_in_listing(say: Replies, items: Sequence[Product], said: bool = False, about: Sequence[str] = ()) -> str:
    """The honest answer when the data does not hold what was asked: say so (unless ``said`` already), say what
    is known (``about``: the attributes the question is most about, ``ShopKnowledge.attributes_about``; else the
    first two), offer a person."""
    if not items:
        return say.say("no_information")
    p = items[0]
    known = say.say("known", title=p.title, id=p.id, price=say.money(p.price, p.currency))
    chosen = [k for k in about if k in p.attributes] or list(p.attributes)[:2]
    listed = "".join(f"; {_fact(say, k, p.attributes[k])}" for k in chosen)
    stock = say.word("in_stock" if p.in_stock else "out_of_stock")
    opening = "" if said else say.say("listing_silent") + " "
    return opening + say.say("listing_says", known=known, listed=listed, stock=stock)


def sold_out(say: Replies, items: Sequence[Product], others: Sequence[Product] = ()) -> str:
    """What was asked for is sold out: say so, then what the shop has of the same kind (as that, not as it)."""
    names = [f"{p.title} [{p.id}]" for p in items[:3]]
    if len(names) == 1:
        text = say.say("sold_out_one", name=names[0])
    else:
        text = say.say("sold_out_many", names=say.listing(names))
    if others:
        text += " " + say.say("in_stock_instead") + "\n" + "\n".join(_line(say, p) for p in others[:3])
    return text + "\n" + say.say("sold_out_offer")


def catalog_unavailable(say: Replies) -> str:
    return say.say("catalog_unavailable")


def blocked(say: Replies) -> str:
    return say.say("blocked")


def handoff(say: Replies, ticket_id: str) -> str:
    return say.say("handoff", ticket=ticket_id)


def products(say: Replies, items: Sequence[Product], filters_note: str = "") -> str:
    if not items:
        return say.say("no_products", scope=f" ({filters_note})" if filters_note else "")
    return say.say("found") + "\n" + "\n".join(_line(say, p) for p in items[:3])


def _line(say: Replies, p: Product) -> str:
    return say.say("product_line", title=p.title, id=p.id, price=say.money(p.price, p.currency))


def _order(say: Replies, view: OrderView) -> str:
    o = view.order
    line = say.say("order", id=o.id, placed=o.placed_at.date().isoformat(),
                   items=say.items(sum(i.quantity for i in o.items)), total=say.money(o.total, o.currency))  # fmt: skip
    if o.status == "delivered" and o.delivered_at:
        line += say.say("order_delivered", date=o.delivered_at.date().isoformat())
    elif o.status == "shipped":
        line += say.say("order_shipped")
        if o.estimated_delivery:
            line += say.say("order_arriving", date=o.estimated_delivery)
    else:
        status = say.texts.get(f"status_{o.status}", o.status)
        line += say.say("order_status", status=status)
    if o.tracking_number and o.status in ("shipped", "delivered"):
        line += say.say("order_tracking", number=o.tracking_number)
    note = say.say(f"return_{view.return_state}", date=view.return_date)
    return line + say.say("order_returns", note=note)


def orders(say: Replies, views: Sequence[OrderView], hidden: Sequence[str], needs_login: bool) -> str:
    """Order facts straight from the order records (the assistant never lets the model state them)."""
    if needs_login:
        return say.say("orders_sign_in")
    lines = []
    if hidden:
        lines.append(say.say("order_not_found", ids=", ".join(hidden)))
    elif not views:
        return say.say("no_orders")
    lines += [_order(say, view) for view in views]
    return "\n".join(lines)


def policy(say: Replies, passages: Sequence[Passage]) -> str:
    if not passages:
        return say.say("no_policy")
    return " ".join(say.say("from_policy", title=say.topic(p.title), text=p.text) for p in passages[:2])


def policy_clause(say: Replies, passages: Sequence[Passage], clause: str) -> str:
    """One clause of a policy, quoted with its policy's title: what the shop does say, after an answer that
    said otherwise was cut."""
    passage = next((p for p in passages if clause in p.text), passages[0] if passages else None)
    return say.say("from_policy", title=say.topic(passage.title) if passage else "", text=clause)


def sponsored(say: Replies, product: Product, line: str | None = None) -> str:
    """The line a sponsored product gets after an answer: labelled, the record's own facts, and the approved
    creative's line (claim-checked against the same record) when there is one."""
    price = f" — {say.money(product.price, product.currency)}"
    return f"{say.word('sponsored')}: {product.title} [{product.id}]{price}" + (f". {line}" if line else "")
