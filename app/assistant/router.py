"""How a turn is routed, from the shop's own data: ids that exist in it, product names from its catalog, the
share of the message's words its catalog uses, its policy passages, and the nearest multilingual intent
examples. Every decision is explained in ``TurnIntent.reasons``.

Order of the checks: a request for a person, then the customer's orders, greetings, products named (by id or by
name, or those shown before), policy passages, personal suggestions, catalog words, off-topic examples; what is
left is a product search when the message reads like one and off-topic otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from app.assistant.examples import EXAMPLES
from app.assistant.filters import parse_filters
from app.assistant.intents import (
    ASKING_FOR_CUE,
    COMPARE_CUE,
    FIND_CUE,
    GREETING_CUE,
    HANDOFF_CUE,
    ORDER_CUE,
    QUESTION_CUE,
    RECOMMEND_CUE,
    REFERENCE_CUE,
    SEARCH_CUE,
    Intent,
    TurnIntent,
)
from app.assistant.knowledge import ShopKnowledge
from app.assistant.understand import QueryUnderstanding
from app.config import RoutingSettings
from retrieval.embed import Encoder
from retrieval.policies import PolicyHit, PolicyIndex
from retrieval.search import query_route
from retrieval.translate import QueryTranslator
from retrieval.vocabulary import ShopVocabulary


class ExampleIndex:
    """The intent examples embedded once (multilingual encoder); a message's best cosine per intent."""

    def __init__(self, encoder: Encoder, examples: dict[str, list[str]] | None = None) -> None:
        self.encoder = encoder
        self.examples = examples or EXAMPLES
        self._labels: list[str] = []
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[list[str], np.ndarray]:
        with self._lock:
            if self._vectors is None:
                texts = [text for texts in self.examples.values() for text in texts]
                self._labels = [label for label, texts in self.examples.items() for _ in texts]
                self._vectors = np.asarray(self.encoder.encode(texts), dtype=np.float32)
            return self._labels, self._vectors

    def warm(self) -> None:
        self._load()

    def nearest(self, text: str) -> list[tuple[str, float]]:
        labels, vectors = self._load()
        query = np.asarray(self.encoder.encode([text])[0], dtype=np.float32)
        scores = vectors @ query
        best: dict[str, float] = {}
        for label, score in zip(labels, scores.tolist(), strict=True):
            best[label] = max(best.get(label, -1.0), score)
        return sorted(best.items(), key=lambda kv: -kv[1])


class Router:
    def __init__(
        self,
        knowledge: ShopKnowledge,
        examples: ExampleIndex,
        policies: PolicyIndex,
        settings: RoutingSettings,
        translator: QueryTranslator | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.examples = examples
        self.policies = policies
        self.settings = settings
        self.translator = translator
        self.understanding = QueryUnderstanding(knowledge, settings, translator)

    def route(self, message: str, previous_products: Sequence[str] = ()) -> TurnIntent:
        s = self.settings
        text = message.strip()
        reasons: list[str] = []
        vocabulary = self.knowledge.vocabulary()
        order_ids = tuple(self.knowledge.order_ids_in(text))
        product_ids = self.knowledge.product_ids_in(text, exclude=set(order_ids))
        named = [(pid, score) for pid, score in vocabulary.named(text) if score >= s.name_threshold]
        if named and not product_ids:
            top = named[0][1]
            product_ids = [pid for pid, score in named if score >= top - 0.1]  # a tie names them all
            reasons.append("names " + ", ".join(f"{pid} ({score:.2f})" for pid, score in named[:3]))
        elif product_ids:
            reasons.append(f"product ids {', '.join(product_ids)}")
        translated = self.understanding.translation(text)
        values = tuple(self.understanding.values(text, vocabulary, translated))
        refers_back = bool(previous_products) and bool(REFERENCE_CUE.search(text))
        policy_hits = self._policy_hits(text, reasons, vocabulary, bool(product_ids))
        nearest = self.examples.nearest(text)
        top_example, top_score = nearest[0]
        example = top_example if top_score >= s.example_threshold else None
        reasons.append(f"nearest example {top_example} {top_score:.2f}")
        words = vocabulary.message_words(ASKING_FOR_CUE.sub(" ", text))  # "je cherche" is no word of the catalog
        catalog = max(vocabulary.coverage(words), vocabulary.han_overlap(text))
        budget = bool(parse_filters(text).description)  # a price bound or price order: a product search
        shown = bool(product_ids) or bool(previous_products)
        category = self.understanding.category(text, words, vocabulary, reasons, translated)

        def result(
            intent: Intent, why: str, hits: Sequence[PolicyHit] = policy_hits, unsure: Sequence[Intent] = ()
        ) -> TurnIntent:
            return TurnIntent(
                intent, order_ids, tuple(product_ids), refers_back, tuple(hits), values, catalog, category,
                [why, *reasons], tuple(i for i in unsure if i != intent),
            )  # fmt: skip

        # what a message none of the signals decided may be (the LLM tie-break chooses among them)
        unsure = (Intent.FIND, Intent.POLICY, Intent.OUT_OF_SCOPE) + ((Intent.PRODUCT_QUESTION,) if shown else ())

        if HANDOFF_CUE.search(text) or example == "handoff":
            return result(Intent.HANDOFF, "asks for a person or complains")
        order_example = example == "order_status" and not (policy_hits and policy_hits[0].score >= top_score)
        if order_ids or ORDER_CUE.search(text) or order_example:
            why = f"order id {', '.join(order_ids)}" if order_ids else "asks about an order"
            return result(Intent.ORDER_STATUS, why)
        if GREETING_CUE.match(text) or (example == "greeting" and not words):
            return result(Intent.GREETING, "greeting")
        if COMPARE_CUE.search(text) and (len(product_ids) > 1 or (shown and (refers_back or len(words) <= 4))):
            return result(Intent.COMPARE, "compares products")
        asks = bool(QUESTION_CUE.search(text))
        by_id = bool(product_ids) and not named
        if product_ids and (by_id or (asks and (not SEARCH_CUE.search(text) or named[0][1] >= s.sure_name))):
            return result(Intent.PRODUCT_QUESTION, "asks about products it names")
        if refers_back:
            return result(Intent.PRODUCT_QUESTION, "refers to the products shown before")
        searching = bool(FIND_CUE.search(text)) and (catalog >= s.catalog_threshold or budget)
        if policy_hits and (example == "policy" or not searching):
            return result(Intent.POLICY, f"policy {', '.join(dict.fromkeys(h.passage.doc for h in policy_hits))}")
        if example == "policy" and not product_ids:
            return result(Intent.POLICY, "like the policy examples")
        if RECOMMEND_CUE.search(text) or example == "recommend":
            if catalog >= s.catalog_threshold or values:  # "suggest a laptop" is a search for laptops
                return result(Intent.FIND, f"asks for suggestions of something (catalog words {catalog:.2f})")
            return result(Intent.RECOMMEND, "asks for suggestions")
        if example == "out_of_scope" and catalog < 1.0 and not values:
            return result(Intent.OUT_OF_SCOPE, "off-topic")
        if catalog >= s.catalog_threshold or values or product_ids or budget or vocabulary.strong_words(words):
            why = f"catalog words {catalog:.2f}" + (f", values {', '.join(v.value for v in values)}" if values else "")
            return result(Intent.FIND, why)
        if example in ("out_of_scope", "greeting"):
            return result(Intent.OUT_OF_SCOPE, "off-topic")
        if previous_products and len(text.split()) <= 8 and asks:
            return result(Intent.PRODUCT_QUESTION, "short follow-up", unsure=unsure)
        if FIND_CUE.search(text) or example == "find":
            return result(Intent.FIND, f"reads like a product search (catalog words {catalog:.2f})", unsure=unsure)
        if top_example == "policy" and top_score >= s.example_floor:
            return result(Intent.POLICY, "closest to the policy examples", unsure=unsure)
        # no signal of the shop at all: off-topic, not offered to the LLM (a probe of the model stays a template)
        return result(Intent.OUT_OF_SCOPE, "nothing the shop's data can answer")

    def _policy_hits(
        self, text: str, reasons: list[str], vocabulary: ShopVocabulary, names_products: bool
    ) -> tuple[PolicyHit, ...]:
        language = self.knowledge.language()
        hits = self.policies.search(text, 3)
        threshold = self.settings.policy_threshold
        multilingual = query_route(text, language) == "multilingual"
        if multilingual:
            threshold = self.settings.policy_threshold_multilingual  # USE's cosines run lower than MiniLM's
        if hits:
            reasons.append(f"best policy passage {hits[0].passage.id} {hits[0].score:.2f}")
        kept = tuple(h for h in hits if h.score >= threshold)
        if kept or not multilingual or names_products:
            return kept
        # USE can rank the right passage first at a cosine no threshold tells from chance ("Puis-je retourner
        # une veste …" 0.23): it counts when it shares a word with the message that is no word of the catalog
        own = {
            w for w in vocabulary.message_words(text)
            if w not in vocabulary.strong and w not in vocabulary.medium and len(w) > 3
        }  # fmt: skip
        for hit in hits[:1]:
            shared = own & set(vocabulary.message_words(hit.passage.indexed_text))
            if shared:
                reasons.append(f"policy passage {hit.passage.id} shares {', '.join(sorted(shared))}")
                return (hit,)
        return ()
