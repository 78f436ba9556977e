"""What a turn may use, fetched for it: products (searched with the budget, price order and attribute values
the message names, or the products it names), policy passages, and the caller's own orders; then the
grounding data the reply is checked against."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from app.assistant.filters import parse_filters
from app.assistant.grounding import OPINION_PREFIX, GroundingData, amounts_in
from app.assistant.intents import Intent, TurnIntent
from app.assistant.tools import Caller, OrderTools, OrderView
from app.config import AssistantSettings
from app.personalization import PersonalizationService
from retrieval.catalog import Product, within
from retrieval.catalog_service import CatalogService, IndexUnavailableError
from retrieval.index.base import SearchFilters
from retrieval.number_words import numbers_in
from retrieval.policies import Passage, PolicyIndex
from retrieval.search import QuerySignals
from retrieval.vocabulary import ValueMatch, content_words

_SOLD_OUT_POOL = 24  # products searched, stock or not, for the sold-out ones that are what was asked for
_POOL = 8  # candidates searched per product shown, re-ranked by the attribute values the message names


@dataclass
class Retrieved:
    products: list[Product] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    orders: list[OrderView] = field(default_factory=list)
    hidden_orders: list[str] = field(default_factory=list)
    needs_login: bool = False
    filters_note: str = ""
    matched: dict[str, list[str]] = field(default_factory=dict)  # product id → attribute names it matched
    opinions: dict[str, str] = field(default_factory=dict)  # product id → what its reviews say (not facts)
    # what was asked for, when only sold-out products are it (``products`` then holds others of its category)
    sold_out: list[Product] = field(default_factory=list)


def matched_attributes(products: Sequence[Product], values: Sequence[ValueMatch]) -> dict[str, list[str]]:
    """For each product, the named attributes it holds (one attribute counts once, whichever of its named
    values it holds)."""
    signals = QuerySignals(values=tuple(values))
    return {p.id: signals.held(p) for p in products}


def _fits(product: Product, filters: SearchFilters) -> bool:
    low, high = filters.min_price, filters.max_price
    stock = filters.in_stock is None or product.in_stock == filters.in_stock  # a search never offers sold-out ones
    return stock and (high is None or product.price <= high) and (low is None or product.price >= low)


class Retriever:
    def __init__(
        self,
        settings: AssistantSettings,
        catalog: CatalogService,
        personalization: PersonalizationService,
        policies: PolicyIndex,
        orders: OrderTools,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.personalization = personalization
        self.policies = policies
        self.orders = orders
        # product id -> a line of what its reviews say, or None (set by the composition root)
        self.opinions: Callable[[str], str | None] = lambda product_id: None
        # a message's content words in the catalog's language (the shop vocabulary's, set by the composition root)
        self.words: Callable[[str], list[str]] = content_words
        self.numbers: Callable[[str], set[str]] = numbers_in  # "deux" as "2", in the catalog's language

    def retrieve(self, caller: Caller, message: str, intent: TurnIntent, previous: Sequence[str]) -> Retrieved:
        r = Retrieved()
        limit = self.settings.products_per_turn
        kind = intent.intent
        if kind in (Intent.FIND, Intent.RECOMMEND):
            if kind == Intent.RECOMMEND and caller.customer_id and not intent.values and intent.catalog < 0.5:
                recs = self.personalization.recommend(caller.customer_id, limit=limit)
                r.products = [item.product for item in recs.items]
            if not r.products:
                r.products = self._find(message, intent, limit, caller.customer_id, r)
        elif kind in (Intent.PRODUCT_QUESTION, Intent.COMPARE):
            wanted = list(dict.fromkeys([*intent.product_ids, *([] if intent.product_ids else previous)]))[:limit]
            found = self.catalog.get_many(wanted)
            r.products = [found[i] for i in wanted if i in found]
            if len(r.products) < (2 if kind == Intent.COMPARE else 1):
                seen = {p.id for p in r.products}
                more = self._search(message, SearchFilters(), limit, caller.customer_id)
                r.products += [p for p in more if p.id not in seen][: limit - len(r.products)]
            r.passages = self.policies.with_section(intent.policy_hits, self.settings.policy_passages)
            r.opinions = {p.id: line for p in r.products if (line := self.opinions(p.id))}
        elif kind == Intent.ORDER_STATUS:
            r.needs_login = caller.customer_id is None and not (caller.staff and intent.order_ids)
            if not r.needs_login:
                r.orders, r.hidden_orders = self.orders.lookup(caller, intent.order_ids, self.settings.orders_per_turn)
            r.passages = [h.passage for h in intent.policy_hits[:1]]
        elif kind == Intent.POLICY:  # only passages that answer it: none, and the shop has no policy on that
            r.passages = self.policies.with_section(intent.policy_hits, self.settings.policy_passages + 1)
        return r

    def _find(self, message: str, intent: TurnIntent, limit: int, user: str | None, r: Retrieved) -> list[Product]:
        """Search, then order by what the message asked for: the attribute values it names, the products it
        names, the category it names; search rank last. "Cheapest" sorts the best of them by price."""
        parsed = parse_filters(message)
        r.filters_note = parsed.description
        size = max(limit * _POOL, 24)
        pool: list[Product] = []
        if intent.category:  # the category the message names first, then the rest of the shop
            pool = self._search(message, replace(parsed.filters, category=intent.category), size, user)
        seen = {p.id for p in pool}
        if len(pool) < size:
            pool += [p for p in self._search(message, parsed.filters, size, user) if p.id not in seen]
        named = [p for p in self.catalog.get_many(list(intent.product_ids)).values() if _fits(p, parsed.filters)]
        pool = named + [p for p in pool if p.id not in {n.id for n in named}]
        r.matched = matched_attributes(pool, intent.values)
        in_category = {p.id for p in pool if intent.category and within(p.category, intent.category)}
        names = {p.id for p in named}
        position = {p.id: i for i, p in enumerate(pool)}  # the search order breaks ties
        ranked = sorted(
            pool, key=lambda p: (-len(r.matched[p.id]), p.id not in names, p.id not in in_category, position[p.id])
        )
        if parsed.sort:
            best = [p for p in ranked if p.id in in_category] or ranked[: max(limit * 3, 8)]
            best.sort(key=lambda p: p.price, reverse=parsed.sort == "price_desc")  # the cheapest relevant one
            ranked = best
        r.sold_out = self._sold_out(message, intent, parsed.filters, ranked, r.matched)
        if r.sold_out:  # in stock beside it: the same kind of product, offered as such
            return self._search(message, replace(parsed.filters, category=r.sold_out[0].category), limit, user)
        return ranked[:limit]

    def _sold_out(
        self, message: str, intent: TurnIntent, filters: SearchFilters, ranked: list[Product],
        matched: dict[str, list[str]],
    ) -> list[Product]:  # fmt: skip
        """What the message asks for when only sold-out products are it: the products it names, when no product
        in stock has the words it names them by; or those holding every attribute value it names, when no
        product in stock holds any. The reply then says they are sold out rather than offer others as if they
        were what was asked for ("Katzenstreu aus Holz" when the wood litter is sold out)."""
        if intent.product_ids:
            found = self.catalog.get_many(list(intent.product_ids)).values()
            priced = replace(filters, in_stock=None)
            named = [p for p in found if _fits(p, priced)]
            if named and not any(p.in_stock for p in named):
                said = self._terms(message)  # a number too: "une tente deux places" names "Tente 2 places"
                naming = [said & self._terms(p.title) for p in named]
                offered = [set(self.words(f"{p.title} {p.description}")) | self.numbers(p.title) for p in ranked]
                if all(n and not any(n <= words for words in offered) for n in naming):
                    return list(named)
        if intent.values and not any(matched.get(p.id) for p in ranked):
            wanted = len({v.attribute for v in intent.values})
            unstocked = replace(filters, in_stock=None, category=intent.category)  # personalised search drops them
            anything = [hit.product for hit in self.catalog.search(message, unstocked, _SOLD_OUT_POOL).hits]
            held = matched_attributes(anything, intent.values)
            return [p for p in anything if not p.in_stock and len(held[p.id]) == wanted][:3]
        return []

    def _terms(self, text: str) -> set[str]:
        return set(self.words(text)) | self.numbers(text)

    def _search(self, text: str, filters: SearchFilters, limit: int, user_id: str | None) -> list[Product]:
        if user_id:
            result, _ = self.personalization.search(text, filters, limit, None, user_id)
        else:
            result = self.catalog.search(text, filters, limit)
        return [hit.product for hit in result.hits]

    def grounding_data(self, r: Retrieved, message: str) -> GroundingData:
        data = GroundingData(products={p.id: p for p in r.products})
        data.allow_amounts(p.price for p in r.products)
        for view in r.orders:
            order = view.order
            data.order_ids.add(order.id)
            if order.tracking_number:
                data.tracking_numbers.add(order.tracking_number)
            data.allow_amounts([order.total, *(x for x in (order.subtotal, order.shipping) if x is not None)])
            for item in order.items:
                data.allow_amounts([item.unit_price, item.unit_price * item.quantity])
        item_ids = [i.product_id for v in r.orders for i in v.order.items]
        if item_ids:
            try:
                items = self.catalog.get_many(item_ids)
            except IndexUnavailableError:
                items = {}  # order answers come from the order record; the catalogue only adds product names
            data.products.update({k: v for k, v in items.items() if k not in data.products})
        for passage in r.passages:
            data.policy_docs.add(passage.doc)
            data.policy_texts.append(passage.text)
            data.allow_amounts(amounts_in(passage.text))
        # reviewers' opinions, shown as such, may be repeated as opinions ("reviewers say it runs small")
        data.policy_texts += [f"{OPINION_PREFIX}{line}" for line in r.opinions.values()]
        data.allow_amounts(amounts_in(message))
        return data
