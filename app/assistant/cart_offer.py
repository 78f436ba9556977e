"""Adding to the cart from the chat, only after the customer said yes to one exact offer.

A message that asks to add something ("add the first one in M to my cart") gets a question back naming the
product, its variant and the quantity ("Shall I add …?"); that offer is stored with the reply. Only the next
message can accept it: a plain yes adds exactly that line (through ``CartService``: stock checked, a ``cart``
event for the recommender); a no drops it; anything else drops it too and is answered as a turn of its own.
No model is asked: nothing is added because of what a model wrote or a product text says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.assistant.grounding import CITED_ID, ID_TOKEN
from app.assistant.replies import Replies
from app.carts import VARIANT_ATTRIBUTES, CartError, CartService, CartView, offered
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService

ADD_CUE = re.compile(
    r"\b(add|put|place|pop)\b.{0,80}\b(to|in|into|on)\s+(my|the)\s+(shopping\s+)?(cart|basket|trolley|shopping bag)\b"
    r"|\badd (it|this|that|them|one|the \w+ one)\b|\bi'?ll (take|buy|have) (it|this|that|one|two|the)\b"
    r"|(加入|加到|放进|放入)购物车|加购|ajoute.{0,60}panier|in den warenkorb|al carrito"
    r"|(aggiungi|metti).{0,60}carrello",
    re.IGNORECASE,
)
YES = re.compile(
    r"^\s*(y|yes|yeah|yep|yup|sure|ok|okay|please|yes please|please do|go ahead|do it|add it|confirm(ed)?|absolutely"
    r"|of course|sounds good|that'?s right|correct|oui|sí|si|ja|sim)\b[\s!.,]*(please|thanks|thank you)?[\s!.]*$"
    r"|^\s*(是|是的|好|好的|可以|行|对|确认|嗯)[\s!.,！。]*$",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\s*(n|no|nope|nah|no thanks|not now|cancel|don'?t|do not|never ?mind|non|nein|não)\b|^\s*(不|不要|算了|取消)",
    re.IGNORECASE,
)
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1,
            "第一": 0, "第二": 1, "第三": 2}  # fmt: skip
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "a couple of": 2, "两": 2, "三": 3}
QUANTITY = re.compile(r"\b(\d{1,2})\s*(x|of|pieces|pcs|units|items)\b|\b(two|three|four|five|a couple of)\b"
                      r"|([两三])(件|个|条)", re.IGNORECASE)  # fmt: skip
_WORD = re.compile(r"[\w'-]+")
MAX_QUANTITY = 20


@dataclass
class CartOffer:
    """What the assistant asked the customer to confirm (or, with ``missing``, still needs to know)."""

    product_id: str
    title: str
    quantity: int = 1
    variant: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # variant names still to choose, first one asked for

    def public(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "quantity": self.quantity, "variant": self.variant,
                "missing": self.missing}  # fmt: skip

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> CartOffer | None:
        raw = meta.get("cart_offer")
        if not isinstance(raw, dict) or "product_id" not in raw:
            return None
        return cls(str(raw["product_id"]), str(raw.get("title", "")), int(raw.get("quantity", 1)),
                   dict(raw.get("variant") or {}), list(raw.get("missing") or []))  # fmt: skip

    def meta(self) -> dict[str, Any]:
        return {**self.public(), "title": self.title}


@dataclass
class CartTurn:
    reply: str
    product_ids: list[str]
    offer: CartOffer | None = None  # asked now, to be confirmed by the next message
    cart: CartView | None = None  # the cart after a confirmed add


def variant_options(product: Product) -> dict[str, list[str]]:
    """The cart's variant names (size, colour) → the values this product offers (those it has)."""
    return {key: values for key in VARIANT_ATTRIBUTES if (values := offered(product, key))}


def named_values(message: str, values: list[str]) -> list[str]:
    """The values the message names as whole words; short ones (S, M, XL) only as written, in capitals."""
    words = _WORD.findall(message)
    lowered = message.casefold()
    found = []
    for value in values:
        if len(value) <= 2:
            if value in words:
                found.append(value)
        elif re.search(rf"(?<!\w){re.escape(value.casefold())}(?!\w)", lowered):
            found.append(value)
    return found


def quantity_in(message: str) -> int:
    match = QUANTITY.search(message)
    if match is None:
        return 1
    if match.group(1):
        return max(1, min(int(match.group(1)), MAX_QUANTITY))
    return NUMBERS.get((match.group(3) or match.group(4) or "").lower(), 1)


class CartAssistant:
    def __init__(self, carts: CartService, catalog: CatalogService) -> None:
        self.carts = carts
        self.catalog = catalog

    @staticmethod
    def wants_to_add(message: str) -> bool:
        return bool(ADD_CUE.search(message))

    def handle(
        self, customer_id: str | None, message: str, pending: CartOffer | None, previous: list[str],
        cart_id: str | None, say: Replies,
    ) -> CartTurn | None:  # fmt: skip
        """The cart turn for ``message``, or None when it is no cart turn (any pending offer then lapses)."""
        if pending is None and not self.wants_to_add(message):
            return None
        if pending is not None:
            if YES.search(message) and not pending.missing:
                return self._accept(customer_id, pending, cart_id, say)
            if NO.search(message):
                return CartTurn(say.say("cart_declined"), [])
            product = self.catalog.get(pending.product_id)
            if product is not None and pending.missing:
                chosen = named_values(message, variant_options(product).get(pending.missing[0], []))
                if len(chosen) == 1:
                    pending.variant[pending.missing.pop(0)] = chosen[0]
                    return self._ask(product, pending, say)
        if not self.wants_to_add(message):
            return None
        if customer_id is None:
            return CartTurn(say.say("cart_sign_in"), [])
        product = self._product_meant(message, previous)
        if product is None:
            return CartTurn(say.say("cart_which"), [])
        if not product.in_stock:
            return CartTurn(say.say("cart_out_of_stock", title=product.title, id=product.id), [product.id])
        offer = CartOffer(product.id, product.title, quantity_in(message))
        for key, values in variant_options(product).items():
            chosen = values if len(values) == 1 else named_values(message, values)
            if len(chosen) == 1:
                offer.variant[key] = chosen[0]
            else:
                offer.missing.append(key)
        return self._ask(product, offer, say)

    def _product_meant(self, message: str, previous: list[str]) -> Product | None:
        named = list(dict.fromkeys(CITED_ID.findall(message) + ID_TOKEN.findall(message)))
        found = self.catalog.get_many(named) if named else {}
        if found:
            return found[next(i for i in named if i in found)]
        shown = self.catalog.get_many(previous) if previous else {}
        candidates = [shown[p] for p in previous if p in shown]
        lowered = message.casefold()
        for word, position in ORDINALS.items():
            said = re.search(rf"(?<!\w){word}(?!\w)" if word.isascii() else word, lowered)
            if said and candidates and position < len(candidates):
                return candidates[position]
        if not candidates:  # nothing shown yet: the best match for the words (the customer confirms or not)
            hits = self.catalog.search(message, limit=3).hits
            candidates = [h.product for h in hits]
            if not candidates:
                return None
        words = {w.casefold() for w in _WORD.findall(message) if len(w) > 2}
        overlap = sorted(((len(words & {w.casefold() for w in _WORD.findall(p.title)}), n) for n, p in
                          enumerate(candidates)), reverse=True)  # fmt: skip
        if overlap and overlap[0][0] > 0 and (len(overlap) == 1 or overlap[0][0] > overlap[1][0]):
            return candidates[overlap[0][1]]
        if len(candidates) == 1 or not shown or re.search(r"\b(it|this|that)\b|这件|那件|它", lowered):
            return candidates[0]
        return None

    def _ask(self, product: Product, offer: CartOffer, say: Replies) -> CartTurn:
        if offer.missing:
            key = offer.missing[0]
            values = say.listing(variant_options(product)[key])
            return CartTurn(say.say("cart_variant", option=key, title=product.title, id=product.id, values=values),
                            [product.id], offer)  # fmt: skip
        chosen = "".join(say.say("cart_in", value=v) for v in offer.variant.values())
        each = say.say("cart_each", price=say.money(product.price, product.currency))
        key = "cart_confirm_many" if offer.quantity > 1 else "cart_confirm_one"
        return CartTurn(say.say(key, n=offer.quantity, title=product.title, id=product.id, chosen=chosen, each=each),
                        [product.id], offer)  # fmt: skip

    def _accept(self, customer_id: str | None, offer: CartOffer, cart_id: str | None, say: Replies) -> CartTurn:
        if customer_id is None:
            return CartTurn(say.say("cart_sign_in"), [])
        product = self.catalog.get(offer.product_id)
        if product is None:
            return CartTurn(say.say("cart_gone"), [])
        try:
            cart = self._cart_of(customer_id, cart_id, product.currency)
            view = self.carts.add(cart, customer_id, False, offer.product_id, offer.quantity, offer.variant)
        except CartError as exc:
            return CartTurn(say.say("cart_failed", error=exc), [offer.product_id])
        units = sum(line.quantity for line in view.cart.lines)
        chosen = "".join(say.say("cart_in", value=v) for v in offer.variant.values())
        reply = say.say("cart_added", n=offer.quantity, title=offer.title, id=offer.product_id, chosen=chosen,
                        items=say.items(units), subtotal=say.money(view.cart.subtotal, view.cart.currency),
                        url=view.checkout_url)  # fmt: skip
        return CartTurn(reply, [offer.product_id], cart=view)

    def _cart_of(self, customer_id: str, cart_id: str | None, currency: str) -> str:
        """The cart the widget holds (when it is this customer's), else their newest one in the product's
        currency, else a new one."""
        if cart_id is not None:
            try:
                return self.carts.get(cart_id, customer_id, False).cart.id
            except CartError:
                pass
        latest = self.carts.store.latest(customer_id, currency)
        return latest.id if latest is not None else self.carts.create(customer_id, currency).cart.id
