"""The assistant's turn: memory → plan (screen, route, retrieve, choose the answer: ``plan.py``) → the answer
(template, order records, or the LLM streamed through the checks: ``generate.py``) → citations → store.

``Assistant.turn`` yields events as they happen (``Token`` pieces, then ``Products``, then ``Done`` with the
final reply); the JSON route collects them, the SSE routes forward them. The LLM only writes text: which orders
and products a turn may use is decided before the model is called, from the caller's identity.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage

from app.ads.service import AdService, Placement
from app.assistant import templates
from app.assistant.cart_offer import CartAssistant, CartOffer
from app.assistant.generate import Generated, Generator
from app.assistant.grounding import CITED_ID, GroundingData, check, cite_refs, expand_refs
from app.assistant.handoff import open_handoff
from app.assistant.intents import Intent, TurnIntent
from app.assistant.knowledge import ShopKnowledge
from app.assistant.memory import recall
from app.assistant.plan import MODEL_INTENTS, PRODUCT_INTENTS, Answer, Plan, Planner
from app.assistant.prompt import TurnPrompt
from app.assistant.replies import Replies, for_turn
from app.assistant.retrieve import Retrieved, Retriever
from app.assistant.router import ExampleIndex, Router
from app.assistant.tiebreak import LLMTiebreak
from app.assistant.tools import Caller, OrderTools
from app.assistant.turn_events import Done, Products, Token, TurnEvent, TurnResult
from app.config import AssistantSettings
from app.guard.claims import ClaimChecker
from app.guard.output import LeakDetector, sanitize_text
from app.guard.pii import redact
from app.llm.service import LLMService
from app.observability import Metrics
from app.personalization import PersonalizationService
from app.store.conversations import Conversation, ConversationStore
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService
from retrieval.policies import PolicyIndex

log = logging.getLogger(__name__)


class ConversationNotFoundError(LookupError):
    """No such conversation, or not one the caller may see."""


@dataclass(frozen=True)
class LLMTurn:
    """One turn as the model sees it, with a reply grounded by construction (see ``Assistant.llm_turn``)."""

    intent: str
    messages: list[BaseMessage]
    reference: str  # as the model writes it: products cited by their cards' references
    product_ids: list[str]
    policy_docs: list[str]
    refs: dict[str, str]  # reference -> product id (empty when cards show the ids)

    @property
    def reply(self) -> str:
        """The reference as the customer reads it (and the history keeps it): product ids in place of refs."""
        return expand_refs(self.reference, self.refs)


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
        knowledge: ShopKnowledge,
        examples: ExampleIndex | None = None,
        carts: CartAssistant | None = None,
        ads: AdService | None = None,
    ) -> None:
        self.settings = settings
        self.shop_name = shop_name
        self.llm = llm
        self.catalog = catalog
        self.policies = policies
        self.conversations = conversations
        self.metrics = metrics
        self.knowledge = knowledge
        self.carts = carts
        self.ads = ads
        self.examples = examples or ExampleIndex(catalog.searcher.multilingual)
        self.router = Router(knowledge, self.examples, policies, settings.routing, catalog.searcher.translator)
        self.retriever = Retriever(settings, catalog, personalization, policies, orders)
        self.planner = Planner(self.router, self.retriever, metrics)
        self.prompt = TurnPrompt(shop_name, settings.shop_description, settings.short_refs)
        self.tiebreak = (
            LLMTiebreak(llm, shop_name, settings.shop_description, settings.routing, metrics)
            if settings.routing.llm_tiebreak
            else None
        )
        self.system_prompt = self.prompt.system
        self.generator = Generator(llm, LeakDetector(self.system_prompt), metrics, settings.first_token_timeout_s)

    def warm(self) -> None:
        """Embed the intent examples and read the catalog's vocabulary before the first customer waits for it."""
        self.examples.warm()
        self.knowledge.vocabulary()

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
        max_tokens: int | None = None,
        cart_id: str | None = None,
    ) -> AsyncIterator[TurnEvent]:
        """Answer one message in ``conversation`` (loaded by ``conversation_for``, which checks access), or in a
        new one. ``history`` (stateless callers such as the OpenAI-compatible route) replaces the stored
        conversation; with ``persist`` the turn is stored in a conversation (created when None);
        ``max_tokens`` may lower, never raise, the caller's role cap on the reply. Every streamed sentence has
        passed the grounding and claim checks: nothing is taken back later. A cart request in a stored
        conversation is answered by ``CartAssistant`` (an offer, added to ``cart_id`` or the customer's cart
        only once the next message confirms it)."""
        started = time.perf_counter()
        if conversation is not None:
            if conversation.customer_id and caller.staff:
                caller = Caller(caller.owner, conversation.customer_id, True)
        elif persist:
            conversation = await asyncio.to_thread(self.conversations.create, caller.owner, caller.customer_id)

        summary = ""
        past: list[tuple[str, str]] = list(history or [])
        model_past, earlier_refs = past, {}
        previous_products: list[str] = []
        offer: CartOffer | None = None
        if conversation is not None and history is None:
            memory = recall(conversation, self.settings.history_tokens)
            past, model_past, summary = memory.history, memory.model_history, memory.summary
            if memory.changed:
                await asyncio.to_thread(
                    self.conversations.set_summary, conversation.id, memory.summary, memory.summarized_upto
                )
            for stored in reversed(conversation.messages):
                if stored.role == "assistant":
                    previous_products = list(stored.meta.get("products") or [])
                    earlier_refs = dict(stored.meta.get("refs") or {})
                    offer = CartOffer.from_meta(stored.meta)
                    break
        elif past:
            previous_products = await asyncio.to_thread(self._ids_in_history, past)

        say = for_turn(message, self.knowledge.language())  # replies written from data, in the customer's words
        cart = None  # cart turns need the stored conversation: an offer is accepted by the next message only
        answered = ""
        screened: tuple[str | None] | None = None
        if self.carts is not None and conversation is not None and history is None:
            if offer is not None or self.carts.wants_to_add(message):  # the input guard first, as for any turn
                screened = (await asyncio.to_thread(self.planner.screen, message),)
            if screened is not None and screened[0] is None:
                cart = await asyncio.to_thread(
                    self.carts.handle, caller.customer_id, message, offer, previous_products, cart_id, say
                )
        if cart is not None:
            cited = [{"type": "product", "id": p} for p in cart.product_ids]
            result = TurnResult(conversation.id if conversation else None, cart.reply, cart.product_ids, cited,
                                False, "cart", refs=earlier_refs, reasons=["a cart request or offer"])  # fmt: skip
            result.cart_offer = cart.offer.public() if cart.offer else None
            result.cart = cart.cart.public() if cart.cart else None
            self.metrics.chat_turns.labels("cart").inc()
            yield Token(result.reply)
            found = await asyncio.to_thread(self.catalog.get_many, cart.product_ids)
            yield Products([found[p] for p in cart.product_ids if p in found])
        else:
            # encoders, index and database in a worker thread: other turns keep streaming meanwhile
            ready = self.llm.state == "ready"
            tiebreak = None
            if self.tiebreak is not None and ready:
                tiebreak = functools.partial(self.tiebreak.decide, loop=asyncio.get_running_loop())
            plan = await asyncio.to_thread(
                self.planner.plan, caller, message, previous_products, llm_ready=ready, tiebreak=tiebreak,
                screened=screened,
            )  # fmt: skip
            intent, retrieved = plan.intent, plan.retrieved
            self.metrics.chat_turns.labels(intent.intent.value).inc()
            result = TurnResult(
                conversation_id=conversation.id if conversation else None,
                reply="",
                products=[],
                citations=[],
                handoff=False,
                intent=intent.intent.value,
                retrieved_products=[p.id for p in retrieved.products],
                reasons=list(intent.reasons),
                refs=earlier_refs,
            )
            if plan.answer == Answer.GENERATE:
                cap = self.settings.staff_reply_max_tokens if caller.staff else self.settings.reply_max_tokens
                budget = min(cap, max_tokens) if max_tokens else cap
                async for text in self._generate(message, plan, model_past, summary, result, started, budget, say):
                    yield Token(text)
            else:
                result.reply = await asyncio.to_thread(
                    self._answer_from_data, plan, caller, conversation, message, past, result, say
                )
                yield Token(result.reply)

            self._finish(result, intent, retrieved)
            by_id = {p.id: p for p in retrieved.products}
            shown = [by_id[p] for p in result.products if p in by_id]
            sponsored = await asyncio.to_thread(self._sponsored, caller, message, intent, shown)
            answered = result.reply  # what the assistant said: the model's later turns see only this
            if sponsored is not None:  # after the answer, labelled: never part of the assistant's own advice
                note = templates.sponsored(say, sponsored.product, sponsored.line)
                result.reply = f"{result.reply}\n\n{note}"
                result.products.append(sponsored.product.id)
                result.sponsored = [{"product_id": sponsored.product.id, "campaign_id": sponsored.campaign_id,
                                     "impression_id": sponsored.impression_id}]  # fmt: skip
                yield Token(f"\n\n{note}")
                shown.append(sponsored.product)
            if shown:
                yield Products(shown, {s["product_id"]: s for s in result.sponsored})
        if conversation is not None and persist:
            meta = {k: v for k, v in result.public().items() if k not in ("conversation_id", "reply")}
            user_meta: dict[str, Any] = {"intent": result.intent}
            if result.model_turn:  # what the model saw and said, so the next request extends this one
                user_meta["model_view"] = result.model_turn
            if result.model_turn or result.sponsored:
                meta["model_view"] = cite_refs(answered, result.refs)
            meta["refs"] = result.refs
            if cart is not None and cart.offer is not None:  # only the next message can accept it
                meta["cart_offer"] = cart.offer.meta()
            await asyncio.to_thread(
                self.conversations.append_turn, conversation.id, message, result.reply, meta, user_meta
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
                "claims_cut": len(result.claims_cut),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        yield Done(result)

    def _answer_from_data(
        self,
        plan: Plan,
        caller: Caller,
        conversation: Conversation | None,
        message: str,
        past: Sequence[tuple[str, str]],
        result: TurnResult,
        say: Replies,
    ) -> str:
        topics = list(self.policies.docs.values())
        answer, r = plan.answer, plan.retrieved
        if answer == Answer.BLOCKED:
            return templates.blocked(say)
        if answer == Answer.CATALOG_DOWN:
            result.degraded = result.fallback = True
            self.metrics.chat_degraded.inc()
            return templates.catalog_unavailable(say)
        if answer == Answer.GREETING:
            return templates.greeting(say, self.shop_name, topics)
        if answer == Answer.OUT_OF_SCOPE:
            return templates.out_of_scope(say, self.shop_name, topics)
        if answer == Answer.HANDOFF:
            ticket, result.conversation_id = open_handoff(
                self.conversations, caller, conversation, message, past, plan.intent.reasons
            )
            self.metrics.chat_handoffs.inc()
            result.handoff, result.ticket_id = True, ticket
            return templates.handoff(say, ticket)
        if answer == Answer.ORDERS:  # order facts come from the record, never from the model
            return templates.orders(say, r.orders, r.hidden_orders, r.needs_login)
        if answer == Answer.NO_POLICY:
            return templates.policy(say, [])
        if answer == Answer.SOLD_OUT:
            return templates.sold_out(say, r.sold_out, r.products)
        result.degraded = result.fallback = True  # FROM_DATA: the LLM is not ready
        return self._fallback(plan.intent, r, say)

    async def _generate(
        self,
        message: str,
        plan: Plan,
        past: Sequence[tuple[str, str]],
        summary: str,
        result: TurnResult,
        started: float,
        max_tokens: int,
        say: Replies,
    ) -> AsyncIterator[str]:
        if self.llm.backend.sends_text_out:  # nothing personal leaves the process for a remote LLM
            message, summary = redact(message), redact(summary)
            past = [(role, redact(content)) for role, content in past]
        refs = self.prompt.refs(plan.retrieved, result.refs)
        plan.data.refs = {ref: pid for pid, ref in refs.items()}  # the cards of this turn only
        seen = "\n".join(text for role, text in past if role == "user")
        result.model_turn = self.prompt.turn(message, plan.intent, plan.retrieved, refs, seen)
        result.refs = {**result.refs, **refs}
        messages = self.prompt.messages(result.model_turn, summary, past)
        result.prompt_tokens_estimate = len(str(messages[-1].content)) // 4
        checker = ClaimChecker(self.knowledge.vocabulary())
        out = Generated()
        question = message if plan.intent.intent in (Intent.PRODUCT_QUESTION, Intent.COMPARE, Intent.POLICY) else ""
        async for text in self.generator.stream(messages, plan.data, checker, out, started, max_tokens, question):
            yield text
        result.ttft_s = out.ttft_s
        result.claims_checked = len(out.claims)
        result.claims_supported = sum(c.supported for c in out.claims)
        result.claims_cut = list(dict.fromkeys(c.text for c in out.cut))
        result.dropped_ids, result.unsupported_amounts = out.dropped_ids, out.unsupported_amounts
        result.repaired = out.repaired or out.leaked
        reply = out.reply
        if out.failed:  # backend down or timed out: answer from the retrieved data
            result.degraded = result.fallback = True
            result.repaired = out.pieces_sent
            reply = self._fallback(plan.intent, plan.retrieved, say)
            yield ("\n" if out.pieces_sent else "") + reply
        elif out.cut and plan.intent.intent in (Intent.PRODUCT_QUESTION, Intent.COMPARE):
            # what was cut is not in the data: say so once, with what the data does hold
            said = templates.says_not_in_listing(reply)
            products = plan.retrieved.products
            about = await asyncio.to_thread(self.knowledge.attributes_about, products[0], message) if products else []
            note = templates.not_in_listing(say, products, said=said, about=about)
            if reply.endswith((",", ";")):  # the clause after it was cut: finish the sentence
                note = say.word("but") + " " + note[0].lower() + note[1:]
            reply = f"{reply} {note}".strip() if reply else note
            yield (" " if out.pieces_sent else "") + note
        elif denied := [c.source for c in out.cut if c.kind == "policy"]:
            note = templates.policy_clause(say, plan.retrieved.passages, denied[0])  # what the policy does say
            reply = f"{reply} {note}".strip() if reply else note
            yield (" " if out.pieces_sent else "") + note
        elif not any(ch.isalnum() for ch in reply):  # nothing useful left: a safe answer from the data
            reply = self._fallback(plan.intent, plan.retrieved, say, message)
            result.repaired = result.fallback = True
            yield ("\n" if out.pieces_sent else "") + reply
        result.reply = reply

    def llm_turn(
        self,
        caller: Caller,
        message: str,
        past: Sequence[tuple[str, str]] = (),
        previous_products: Sequence[str] = (),
    ) -> LLMTurn | None:
        """The messages the model gets for ``message`` and a reply built only from the retrieved data (the
        fine-tuning target), through the same plan as a served turn; None for turns the model never writes."""
        plan = self.planner.plan(caller, message, list(previous_products), llm_ready=True)
        if plan.answer != Answer.GENERATE or plan.intent.intent not in MODEL_INTENTS:
            return None
        refs = self.prompt.refs(plan.retrieved)
        turn = self.prompt.turn(message, plan.intent, plan.retrieved, refs)
        say = for_turn(message, self.knowledge.language())
        return LLMTurn(
            intent=plan.intent.intent.value,
            messages=self.prompt.messages(turn, "", past),
            reference=cite_refs(self._fallback(plan.intent, plan.retrieved, say), refs),
            refs={ref: pid for pid, ref in refs.items()},
            product_ids=[p.id for p in plan.retrieved.products],
            policy_docs=[p.doc for p in plan.retrieved.passages],
        )

    def _finish(self, result: TurnResult, intent: TurnIntent, r: Retrieved) -> None:
        report = check(result.reply, GroundingData(products={p.id: p for p in [*r.products, *r.sold_out]}))
        named = report.named_products
        if not named and intent.intent in PRODUCT_INTENTS and not result.handoff:
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

    def _sponsored(self, caller: Caller, message: str, intent: TurnIntent, shown: list[Product]) -> Placement | None:
        """One sponsored product after a product-finding answer for a shopper (the ads' own rules decide)."""
        if self.ads is None or caller.customer_id is None or intent.intent not in (Intent.FIND, Intent.RECOMMEND):
            return None
        placed = self.ads.place("chat", query=message, user_id=caller.customer_id, organic=shown,
                                positions=[len(shown)], limit=len(shown) + 1)  # fmt: skip
        return placed[0] if placed else None

    def _fallback(self, intent: TurnIntent, r: Retrieved, say: Replies, message: str = "") -> str:
        if intent.intent == Intent.ORDER_STATUS:
            return templates.orders(say, r.orders, r.hidden_orders, r.needs_login)
        if intent.intent == Intent.POLICY:
            return templates.policy(say, r.passages)
        if intent.intent == Intent.PRODUCT_QUESTION and r.products:
            about = self.knowledge.attributes_about(r.products[0], message)
            return templates.not_in_listing(say, r.products, about=about)
        return templates.products(say, r.products, r.filters_note)

    def _ids_in_history(self, past: Sequence[tuple[str, str]]) -> list[str]:
        for role, content in reversed(past):
            if role == "assistant":
                ids = list(dict.fromkeys(CITED_ID.findall(content)))
                found = self.catalog.get_many(ids) if ids else {}
                return [i for i in ids if i in found]
        return []
