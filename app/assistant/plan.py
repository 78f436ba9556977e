"""How is this turn answered? One place decides: screen the message, route it from the shop's data, fetch what
it may use, and choose the kind of answer. The LLM writes only ``GENERATE`` answers; everything else is built
from the records (orders never pass through the model) or from a template.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from app.assistant.grounding import GroundingData
from app.assistant.intents import Intent, TurnIntent
from app.assistant.retrieve import Retrieved, Retriever
from app.assistant.router import Router
from app.assistant.tools import Caller
from app.guard.injection import screen
from app.observability import Metrics
from retrieval.catalog_service import IndexUnavailableError

log = logging.getLogger(__name__)

PRODUCT_INTENTS = frozenset({Intent.FIND, Intent.RECOMMEND, Intent.PRODUCT_QUESTION, Intent.COMPARE})
MODEL_INTENTS = PRODUCT_INTENTS | {Intent.POLICY}  # the turns the LLM writes (when it is up)


class Answer(StrEnum):
    BLOCKED = "blocked"  # the input guard stopped it: a fixed refusal
    CATALOG_DOWN = "catalog_down"  # the index cannot answer: say so, degraded
    GREETING = "greeting"
    OUT_OF_SCOPE = "out_of_scope"
    HANDOFF = "handoff"  # a ticket for a person
    ORDERS = "orders"  # from the order records, never from the model
    FROM_DATA = "from_data"  # the LLM is not ready: a reply built from the retrieved data, degraded
    NO_POLICY = "no_policy"  # a policy question no passage of the shop's policies answers: say so, offer a person
    SOLD_OUT = "sold_out"  # what was asked for is out of stock, and nothing in stock is it: say so
    GENERATE = "generate"  # the LLM writes it from the retrieved data; every sentence is checked


def choose(intent: Intent, *, catalog_down: bool, llm_ready: bool, passages: int = 1, sold_out: bool = False) -> Answer:
    """The kind of answer for a routed turn (a table; tested without any model)."""
    if intent == Intent.BLOCKED:
        return Answer.BLOCKED
    if catalog_down:
        return Answer.CATALOG_DOWN
    if intent == Intent.POLICY and passages == 0:  # nothing to answer from: the model would make a policy up
        return Answer.NO_POLICY
    if sold_out:  # from the records: the model would offer something else as if it were the thing asked for
        return Answer.SOLD_OUT
    fixed = {
        Intent.GREETING: Answer.GREETING,
        Intent.OUT_OF_SCOPE: Answer.OUT_OF_SCOPE,
        Intent.HANDOFF: Answer.HANDOFF,
        Intent.ORDER_STATUS: Answer.ORDERS,
    }
    if intent in fixed:
        return fixed[intent]
    return Answer.GENERATE if llm_ready else Answer.FROM_DATA


@dataclass
class Plan:
    intent: TurnIntent
    retrieved: Retrieved
    data: GroundingData
    answer: Answer


class Planner:
    def __init__(self, router: Router, retriever: Retriever, metrics: Metrics) -> None:
        self.router = router
        self.retriever = retriever
        self.metrics = metrics

    def screen(self, message: str) -> str | None:
        """None when the message may go on, else why it is blocked (fail closed: a guard that errs blocks)."""
        try:
            screening = screen(message)
        except Exception:
            log.exception("input guard failed; blocking the turn")
            self.metrics.guard_decisions.labels("input", "error").inc()
            return "guard_error"
        self.metrics.guard_decisions.labels("input", "blocked" if screening.blocked else "pass").inc()
        return screening.category if screening.blocked else None

    def plan(
        self,
        caller: Caller,
        message: str,
        previous: Sequence[str],
        *,
        llm_ready: bool,
        tiebreak: Callable[[str, TurnIntent], TurnIntent] | None = None,
        screened: tuple[str | None] | None = None,
    ) -> Plan:
        """Runs in a worker thread: encoders, index and database are blocking. ``tiebreak`` decides the turns
        the router left to a default (``TurnIntent.alternatives``); ``screened`` is the input guard's answer
        when the caller already asked it (the message is screened once)."""
        blocked_as = self.screen(message) if screened is None else screened[0]
        if blocked_as is not None:
            intent = TurnIntent(Intent.BLOCKED, reasons=[blocked_as])
            return Plan(intent, Retrieved(), GroundingData(), Answer.BLOCKED)
        catalog_down = False
        intent = self.router.route(message, previous)  # routes on what it has when the index is down
        if tiebreak is not None and intent.alternatives:
            intent = tiebreak(message, intent)
        try:
            retrieved = self.retriever.retrieve(caller, message, intent, previous)
            data = self.retriever.grounding_data(retrieved, message)
        except IndexUnavailableError as exc:  # answer without the catalogue rather than fail the turn
            log.warning("product index unavailable during a chat turn", extra={"reason": str(exc)})
            retrieved, data, catalog_down = Retrieved(), GroundingData(), True
        if retrieved.sold_out:
            gone = ", ".join(p.id for p in retrieved.sold_out)
            intent = replace(intent, reasons=[*intent.reasons, f"sold out: {gone} (nothing in stock is it)"])
        answer = choose(intent.intent, catalog_down=catalog_down, llm_ready=llm_ready, passages=len(retrieved.passages),
                        sold_out=bool(retrieved.sold_out))  # fmt: skip
        return Plan(intent, retrieved, data, answer)
