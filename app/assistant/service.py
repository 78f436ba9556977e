"""The assistant's turn: classify → retrieve → prompt → LLM (streamed) → grounding check → store.

``Assistant.turn`` yields events as they happen (``Token`` pieces, then ``Products``, then ``Done`` with the
final reply); the JSON route collects them, the SSE routes forward them. The LLM only writes text: which orders
and products a turn may use is decided here, from the caller's identity, before the model is called.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.assistant import templates
from app.assistant.context import fence, order_line, policy_line, product_card
from app.assistant.filters import parse_filters
from app.assistant.grounding import (
    CITED_ID,
    GroundingData,
    IdStreamGuard,
    SentenceGate,
    amounts_in,
    check,
    repair,
)
from app.assistant.intents import CLOTHING, Intent, TurnIntent, classify
from app.assistant.memory import recall
from app.assistant.tools import Caller, OrderTools, OrderView
from app.config import AssistantSettings
from app.guard.injection import screen
from app.guard.output import LeakDetector, sanitize_text
from app.guard.pii import redact
from app.llm.prompts import load_prompt
from app.llm.service import LLMService
from app.observability import Metrics
from app.personalization import PersonalizationService
from app.store.conversations import Conversation, ConversationStore
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService, IndexUnavailableError
from retrieval.index.base import SearchFilters
from retrieval.policies import Passage, PolicyIndex

log = logging.getLogger(__name__)

# per-turn instructions only where the system prompt's general rules are not enough (each token costs prefill)
_TASKS = {
    Intent.COMPARE: "compare these products, naming each by [id].",
}
_PRODUCT_INTENTS = {Intent.FIND, Intent.RECOMMEND, Intent.PRODUCT_QUESTION, Intent.COMPARE}
_DETAILED = {Intent.PRODUCT_QUESTION, Intent.COMPARE}
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +([.,;:!?])")


class ConversationNotFoundError(LookupError):
    """No such conversation, or not one the caller may see."""


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Products:
    items: list[Product]


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
        }
        if self.ticket_id:
            data["ticket_id"] = self.ticket_id
        data["grounding"] = {
            "dropped_ids": self.dropped_ids,
            "unsupported_amounts": self.unsupported_amounts,
            "fallback": self.fallback,
        }
        return data


@dataclass(frozen=True)
class Done:
    result: TurnResult


TurnEvent = Token | Products | Done


@dataclass(frozen=True)
class LLMTurn:
    """One turn as the model sees it, with a reply grounded by construction (see ``Assistant.llm_turn``)."""

    intent: str
    messages: list[BaseMessage]
    reference: str
    product_ids: list[str]
    policy_docs: list[str]


@dataclass
class _Retrieved:
    products: list[Product] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    orders: list[OrderView] = field(default_factory=list)
    hidden_orders: list[str] = field(default_factory=list)
    needs_login: bool = False
    filters_note: str = ""


class Assistant:
    def __init__(
        self,
        settings: AssistantSettings,
        shop_name: str,
        llm: LLMService,
        catalog: CatalogService,
        personalization: PersonalizationService,
        policies: PolicyIndex,
        orders: OrderTools,
        conversations: ConversationStore,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.shop_name = shop_name
        self.llm = llm
        self.catalog = catalog
        self.personalization = personalization
        self.policies = policies
        self.orders = orders
        self.conversations = conversations
        self.metrics = metrics
        self.system_prompt = load_prompt("assistant_system").render(shop_name=shop_name)
        self.turn_prompt = load_prompt("assistant_turn")
        self.leak_detector = LeakDetector(self.system_prompt)

    # ---- conversations -----------------------------------------------------------------------------
    def conversation_for(self, caller: Caller, conversation_id: str) -> Conversation:
        """The conversation when the caller owns it or is staff; otherwise not found."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None or not (caller.staff or conversation.owner == caller.owner):
            raise ConversationNotFoundError(conversation_id)
        return conversation

    # ---- one turn ----------------------------------------------------------------------------------
    async def turn(
        self,
        caller: Caller,
        message: str,
        conversation: Conversation | None = None,
        *,
        history: Sequence[tuple[str, str]] | None = None,
        persist: bool = True,
        by_sentence: bool = False,
        max_tokens: int | None = None,
    ) -> AsyncIterator[TurnEvent]:
        """Answer one message in ``conversation`` (loaded by ``conversation_for``, which checks access), or in a
        new one. ``history`` (stateless callers such as the OpenAI-compatible route) replaces the stored
        conversation; with ``persist`` the turn is stored in a conversation (created when None);
        ``by_sentence`` streams only sentences that passed the grounding check (nothing to take back later);
        ``max_tokens`` may lower, never raise, the caller's role cap on the reply."""
        started = time.perf_counter()
        if conversation is not None:
            if conversation.customer_id and caller.staff:
                caller = Caller(caller.owner, conversation.customer_id, True)
        elif persist:
            conversation = await asyncio.to_thread(self.conversations.create, caller.owner, caller.customer_id)

        summary = ""
        past: list[tuple[str, str]] = list(history or [])
        previous_products: list[str] = []
        if conversation is not None and history is None:
            memory = recall(conversation, self.settings.history_tokens)
            past, summary = memory.history, memory.summary
            if memory.changed:
                await asyncio.to_thread(
                    self.conversations.set_summary, conversation.id, memory.summary, memory.summarized_upto
                )
            for stored in reversed(conversation.messages):
                if stored.role == "assistant":
                    previous_products = list(stored.meta.get("products") or [])
                    break
        elif past:
            previous_products = await asyncio.to_thread(self._ids_in_history, past)

        blocked_as = self._screen(message)
        if blocked_as is not None:
            intent = TurnIntent(Intent.BLOCKED, reasons=[blocked_as])
        else:
            intent = classify(message, has_previous_products=bool(previous_products))
        self.metrics.chat_turns.labels(intent.intent.value).inc()
        catalog_down = False
        try:  # encoders, index and database in a worker thread: other turns keep streaming meanwhile
            retrieved, data = await asyncio.to_thread(
                self._retrieve_and_ground, caller, message, intent, previous_products
            )
        except IndexUnavailableError as exc:  # answer without the catalogue rather than fail the turn
            log.warning("product index unavailable during a chat turn", extra={"reason": str(exc)})
            retrieved, data, catalog_down = _Retrieved(), GroundingData(), True

        result = TurnResult(
            conversation_id=conversation.id if conversation else None,
            reply="",
            products=[],
            citations=[],
            handoff=False,
            intent=intent.intent.value,
            retrieved_products=[p.id for p in retrieved.products],
        )
        if intent.intent == Intent.BLOCKED:
            result.reply = templates.blocked()
            yield Token(result.reply)
        elif catalog_down:
            result.reply, result.degraded, result.fallback = templates.catalog_unavailable(), True, True
            self.metrics.chat_degraded.inc()
            yield Token(result.reply)
        elif intent.intent in (Intent.GREETING, Intent.OUT_OF_SCOPE, Intent.HANDOFF):
            result.reply = await asyncio.to_thread(
                self._templated_without_llm, intent, caller, conversation, message, past, result
            )
            yield Token(result.reply)
        elif intent.intent == Intent.ORDER_STATUS:  # order facts come from the record, never from the model
            result.reply = templates.orders(retrieved.orders, retrieved.hidden_orders, retrieved.needs_login)
            yield Token(result.reply)
        elif self.llm.state != "ready":
            result.reply, result.degraded, result.fallback = self._fallback(intent, retrieved), True, True
            yield Token(result.reply)
        else:
            cap = self.settings.staff_reply_max_tokens if caller.staff else self.settings.reply_max_tokens
            budget = min(cap, max_tokens) if max_tokens else cap
            events = self._generate(
                message, intent, retrieved, data, past, summary, result, started, by_sentence, budget
            )
            async for event in events:
                yield event

        self._finish(result, intent, retrieved, data)
        if result.products:
            by_id = {p.id: p for p in retrieved.products}
            yield Products([by_id[p] for p in result.products if p in by_id])
        if conversation is not None and persist:
            await asyncio.to_thread(
                self.conversations.append_turn,
                conversation.id,
                message,
                result.reply,
                meta={k: v for k, v in result.public().items() if k not in ("conversation_id", "reply")},
                user_meta={"intent": result.intent},
            )
        self.metrics.chat_latency.observe(time.perf_counter() - started)
        log.info(
            "chat turn",
            extra={
                "intent": result.intent,
                "products": len(result.products),
                "degraded": result.degraded,
                "repaired": result.repaired,
                "handoff": result.handoff,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        yield Done(result)

    async def _generate(
        self,
        message: str,
        intent: TurnIntent,
        retrieved: _Retrieved,
        data: GroundingData,
        past: Sequence[tuple[str, str]],
        summary: str,
        result: TurnResult,
        started: float,
        by_sentence: bool,
        max_tokens: int,
    ) -> AsyncIterator[TurnEvent]:
        remote = self.llm.backend.name != "embedded"
        if remote:  # nothing personal leaves the process for a remote LLM
            message, summary = redact(message), redact(summary)
            past = [(role, redact(content)) for role, content in past]
        messages = self._messages(message, intent, retrieved, summary, past)
        result.prompt_tokens_estimate = len(str(messages[-1].content)) // 4
        guard = IdStreamGuard(data)
        gate = SentenceGate(data) if by_sentence else None
        pieces: list[str] = []
        leaked = False
        try:
            async for piece in _first_within(
                self.llm.stream(messages, max_tokens=max_tokens), self.settings.first_token_timeout_s
            ):
                released = guard.feed(piece)
                if gate is not None:
                    released = gate.feed(released)
                if released and self._leaks("".join(pieces) + released):
                    leaked = True  # stop before the words that complete a copy of the instructions go out
                    break
                if released:
                    if result.ttft_s is None:
                        result.ttft_s = time.perf_counter() - started
                    pieces.append(released)
                    yield Token(released)
            tail = "" if leaked else guard.finish()
            if gate is not None and not leaked:
                tail = gate.feed(tail) + gate.finish()
            if tail and self._leaks("".join(pieces) + tail):
                leaked, tail = True, ""
            if tail:
                pieces.append(tail)
                yield Token(tail)
        except Exception as exc:  # backend down or timed out: answer from the retrieved data
            log.warning(
                "LLM failed during a chat turn; answering from data",
                extra={"error": type(exc).__name__, "detail": str(exc)[:200]},  # the PII filter redacts it
            )
            self.metrics.chat_degraded.inc()
            result.reply, result.degraded = self._fallback(intent, retrieved), True
            result.repaired, result.fallback = bool(pieces), True
            return
        result.dropped_ids = guard.dropped
        reply = _tidy("".join(pieces))
        report = check(reply, data)
        if guard.dropped or not report.ok:
            result.repaired = True
            self.metrics.chat_repairs.inc()
        if not report.ok:
            result.dropped_ids = list(dict.fromkeys([*result.dropped_ids, *report.invalid_ids]))
            result.unsupported_amounts = report.unsupported_amounts
            reply = repair(reply, data)
        if gate is not None and gate.dropped_sentences:
            result.repaired = True
        if leaked:  # the reply began to reproduce the instructions: answer from the data instead
            reply = ""
        if not any(ch.isalnum() for ch in reply):  # nothing useful left: a safe answer from the data
            reply = self._fallback(intent, retrieved)
            result.repaired = result.fallback = True
            if by_sentence:  # nothing was streamed that could contradict it
                yield Token(("" if not pieces else "\n") + reply)
        result.reply = reply

    # ---- guards (fail closed: a guard that errs blocks) ---------------------------------------------
    def _screen(self, message: str) -> str | None:
        """None when the message may go on, else why it is blocked."""
        try:
            screening = screen(message)
        except Exception:
            log.exception("input guard failed; blocking the turn")
            self.metrics.guard_decisions.labels("input", "error").inc()
            return "guard_error"
        self.metrics.guard_decisions.labels("input", "blocked" if screening.blocked else "pass").inc()
        return screening.category if screening.blocked else None

    def _leaks(self, text: str) -> bool:
        try:
            leaks = self.leak_detector.leaks(text)
        except Exception:
            log.exception("output guard failed; withholding the reply")
            self.metrics.guard_decisions.labels("output_leak", "error").inc()
            return True
        if leaks:
            self.metrics.guard_decisions.labels("output_leak", "blocked").inc()
        return leaks

    # ---- retrieval ---------------------------------------------------------------------------------
    def _retrieve_and_ground(
        self, caller: Caller, message: str, intent: TurnIntent, previous: list[str]
    ) -> tuple[_Retrieved, GroundingData]:
        retrieved = self._retrieve(caller, message, intent, previous)
        return retrieved, self._grounding_data(retrieved, message)

    def _retrieve(self, caller: Caller, message: str, intent: TurnIntent, previous: list[str]) -> _Retrieved:
        r = _Retrieved()
        limit = self.settings.products_per_turn
        kind = intent.intent
        if kind in (Intent.FIND, Intent.RECOMMEND):
            parsed = parse_filters(message)
            r.filters_note = parsed.description
            if kind == Intent.RECOMMEND and caller.customer_id and not _has_subject(message):
                recs = self.personalization.recommend(caller.customer_id, limit=limit)
                r.products = [item.product for item in recs.items]
            if not r.products:
                r.products = self._search(message, parsed.filters, limit, caller.customer_id)
        elif kind in (Intent.PRODUCT_QUESTION, Intent.COMPARE):
            wanted = list(dict.fromkeys([*intent.product_ids, *previous]))[:limit]
            found = self.catalog.get_many(wanted)
            r.products = [found[i] for i in wanted if i in found]
            if len(r.products) < (2 if kind == Intent.COMPARE else 1):
                seen = {p.id for p in r.products}
                more = self._search(message, SearchFilters(in_stock=True), limit, caller.customer_id)
                r.products += [p for p in more if p.id not in seen][: limit - len(r.products)]
            if intent.policy_topics:
                r.passages = self._policies(message, intent.policy_topics, 1)
        elif kind == Intent.ORDER_STATUS:
            r.needs_login = caller.customer_id is None and not (caller.staff and intent.order_ids)
            if not r.needs_login:
                r.orders, r.hidden_orders = self.orders.lookup(caller, intent.order_ids, self.settings.orders_per_turn)
        elif kind == Intent.POLICY:
            r.passages = self._policies(message, intent.policy_topics, self.settings.policy_passages)
        return r

    def _search(self, text: str, filters: SearchFilters, limit: int, user_id: str | None) -> list[Product]:
        if user_id:
            result, _ = self.personalization.search(text, filters, limit, None, user_id)
        else:
            result = self.catalog.search(text, filters, limit)
        return [hit.product for hit in result.hits if hit.product.in_stock][:limit]

    def _policies(self, message: str, topics: Sequence[str], limit: int) -> list[Passage]:
        docs = [t for t in topics if t in self.policies.docs] or None
        return [hit.passage for hit in self.policies.search(message, limit, docs)]

    # ---- prompt and grounding ----------------------------------------------------------------------
    def _prompt(self, message: str, intent: TurnIntent, r: _Retrieved, summary: str) -> str:
        note = ""
        if r.needs_login:
            note = "The customer is not signed in: no order can be looked up."
        elif r.hidden_orders:
            note = f"No order {', '.join(r.hidden_orders)} exists on this customer's account."
        elif intent.intent in _PRODUCT_INTENTS and not r.products:
            note = "No product in the catalog matches."
        return self.turn_prompt.render(
            summary=fence(summary, 600) if summary else "",
            products=[product_card(p, detailed=intent.intent in _DETAILED) for p in r.products],
            policies=[policy_line(p) for p in r.passages],
            orders=[order_line(v) for v in r.orders],
            note=note,
            task=_TASKS.get(intent.intent, ""),
            message=message,
        )

    def _messages(
        self, message: str, intent: TurnIntent, r: _Retrieved, summary: str, past: Sequence[tuple[str, str]]
    ) -> list[BaseMessage]:
        messages: list[BaseMessage] = [SystemMessage(self.system_prompt)]
        for role, content in past:
            messages.append(HumanMessage(content) if role == "user" else AIMessage(content))
        messages.append(HumanMessage(self._prompt(message, intent, r, summary)))
        return messages

    def llm_turn(
        self,
        caller: Caller,
        message: str,
        past: Sequence[tuple[str, str]] = (),
        previous_products: Sequence[str] = (),
    ) -> LLMTurn | None:
        """The messages the model gets for ``message`` and a reply built only from the retrieved data (the
        fine-tuning target); None for turns the model never writes (orders, greetings, hand-offs, blocked)."""
        if self._screen(message) is not None:
            return None
        intent = classify(message, has_previous_products=bool(previous_products))
        if intent.intent not in _PRODUCT_INTENTS and intent.intent != Intent.POLICY:
            return None
        retrieved = self._retrieve(caller, message, intent, list(previous_products))
        return LLMTurn(
            intent=intent.intent.value,
            messages=self._messages(message, intent, retrieved, "", past),
            reference=self._fallback(intent, retrieved),
            product_ids=[p.id for p in retrieved.products],
            policy_docs=[p.doc for p in retrieved.passages],
        )

    def _grounding_data(self, r: _Retrieved, message: str) -> GroundingData:
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
            data.allow_amounts(amounts_in(passage.text))
        data.allow_amounts(amounts_in(message))
        return data

    def _finish(self, result: TurnResult, intent: TurnIntent, r: _Retrieved, data: GroundingData) -> None:
        report = check(result.reply, data)
        shown = {p.id for p in r.products}
        named = [p for p in report.named_products if p in shown]
        if not named and intent.intent in _PRODUCT_INTENTS and not result.handoff:
            named = [p.id for p in r.products[:3]]  # the reply's basis, shown as cards
        result.products = named
        citations = [{"type": "product", "id": p} for p in named]
        citations += [{"type": "policy", "id": doc} for doc in dict.fromkeys(p.doc for p in r.passages)]
        citations += [{"type": "order", "id": v.order.id} for v in r.orders if v.order.id in result.reply]
        result.citations = citations
        clean = sanitize_text(result.reply).strip()
        if " ".join(clean.split()) != " ".join(result.reply.split()):
            result.repaired = True  # markup was removed: the final text differs from what was streamed
        result.reply = clean

    # ---- replies without the LLM -------------------------------------------------------------------
    def _templated_without_llm(
        self,
        intent: TurnIntent,
        caller: Caller,
        conversation: Conversation | None,
        message: str,
        past: Sequence[tuple[str, str]],
        result: TurnResult,
    ) -> str:
        if intent.intent == Intent.GREETING:
            return templates.greeting(self.shop_name)
        if intent.intent == Intent.OUT_OF_SCOPE:
            return templates.out_of_scope(self.shop_name)
        if conversation is None:  # stateless caller: the ticket still needs a conversation to point to
            conversation = self.conversations.create(caller.owner, caller.customer_id)
            result.conversation_id = conversation.id
        summary = recall(conversation, 0).summary if conversation.messages else ""
        recent = " | ".join(f"{role}: {' '.join(text.split())[:160]}" for role, text in list(past)[-4:])
        ticket = self.conversations.open_ticket(
            conversation.id,
            caller.customer_id,
            reason="; ".join(intent.reasons) or "handoff",
            summary=redact(
                "; ".join(part for part in [summary, recent, f"latest: {' '.join(message.split())[:300]}"] if part)
            ),
        )
        self.metrics.chat_handoffs.inc()
        result.handoff = True
        result.ticket_id = ticket.id
        return templates.handoff(ticket.id)

    def _fallback(self, intent: TurnIntent, r: _Retrieved) -> str:
        if intent.intent == Intent.ORDER_STATUS:
            return templates.orders(r.orders, r.hidden_orders, r.needs_login)
        if intent.intent == Intent.POLICY:
            return templates.policy(r.passages)
        return templates.products(r.products, r.filters_note)

    def _ids_in_history(self, past: Sequence[tuple[str, str]]) -> list[str]:
        for role, content in reversed(past):
            if role == "assistant":
                ids = list(dict.fromkeys(CITED_ID.findall(content)))
                found = self.catalog.get_many(ids) if ids else {}
                return [i for i in ids if i in found]
        return []


async def _first_within(stream: AsyncIterator[str], timeout_s: float) -> AsyncIterator[str]:
    """The stream, but its first piece must come within ``timeout_s`` (a slow backend degrades the turn instead
    of keeping the customer waiting for the whole LLM timeout)."""
    iterator = aiter(stream)
    try:
        first = await asyncio.wait_for(anext(iterator), timeout_s)
    except StopAsyncIteration:
        return
    except TimeoutError:
        await _close(iterator)
        raise
    yield first
    async for piece in iterator:
        yield piece


async def _close(iterator: AsyncIterator[str]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def _has_subject(message: str) -> bool:
    return bool(CLOTHING.search(message))


def _tidy(text: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip()
