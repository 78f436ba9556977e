"""What a message asks of the catalog, in the catalog's own terms: the category it names (by the category's
words, else by being like its products), the attribute values it names, and the products it names. The router
reads it to route a turn; the product search reads it to put first what meets the query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from app.assistant.knowledge import ShopKnowledge
from app.config import RoutingSettings
from retrieval.search import QuerySignals, query_route
from retrieval.translate import QueryTranslator
from retrieval.vocabulary import ShopVocabulary, ValueMatch


class QueryUnderstanding:
    def __init__(
        self, knowledge: ShopKnowledge, settings: RoutingSettings, translator: QueryTranslator | None = None
    ) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.translator = translator
        # a shop's searches repeat (head queries): their reading is kept while the catalog version serves
        self._cache: OrderedDict[str, QuerySignals] = OrderedDict()
        self._cached_for: ShopVocabulary | None = None
        self._lock = threading.Lock()

    def signals(self, text: str) -> QuerySignals:
        """The category, values and names of a search query (what ``ProductSearch`` orders by); the same text
        reads the same while the vocabulary (built per catalog version) is the same."""
        vocabulary = self.knowledge.vocabulary()
        size = self.settings.signals_cache
        with self._lock:
            if self._cached_for is not vocabulary:
                self._cache.clear()
                self._cached_for = vocabulary
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        signals = self._read(text, vocabulary)
        with self._lock:
            if size and self._cached_for is vocabulary:
                self._cache[text] = signals
                while len(self._cache) > size:
                    self._cache.popitem(last=False)
        return signals

    def _read(self, text: str, vocabulary: ShopVocabulary) -> QuerySignals:
        named = [pid for pid, score in vocabulary.named(text) if score >= self.settings.name_threshold]
        translated = self.translation(text)
        category = self.category(text, vocabulary.message_words(text), vocabulary, [], translated)
        return QuerySignals(category, tuple(self.values(text, vocabulary, translated)), tuple(named))

    def values(self, text: str, vocabulary: ShopVocabulary, translated: str | None) -> list[ValueMatch]:
        """The catalog's attribute values the message names; a Chinese message's also through its dictionary
        translation (``translation(text)``: ``我想要无线耳机``, "I want wireless headphones", names ``wireless``)."""
        found = vocabulary.value_matches(text)
        if translated:
            known = {(m.attribute, m.value) for m in found}
            found += [m for m in vocabulary.value_matches(translated) if (m.attribute, m.value) not in known]
        return found

    def category(
        self, text: str, words: Sequence[str], vocabulary: ShopVocabulary, reasons: list[str], translated: str | None
    ) -> str | None:
        """The category a message asks for: by the catalog's category words (and its translation's) when a leaf
        word (or two) says it, else the category whose products the message is most like when one clearly leads,
        else a weaker word."""
        lexical = vocabulary.category_for([*words, *(vocabulary.words(translated) if translated else [])])
        if lexical is not None and lexical[1] >= 2:
            reasons.append(f"category {lexical[0]} (its words)")
            return lexical[0]
        s = self.settings
        if query_route(text, self.knowledge.language()) == "english" and words:
            like = self.knowledge.nearest_category(text)
            if like is not None and like[1] >= s.category_similarity and like[2] >= s.category_margin:
                reasons.append(f"category {like[0]} (like its products {like[1]:.2f}, margin {like[2]:.2f})")
                return like[0]
        if lexical is not None:
            reasons.append(f"category {lexical[0]} (a word of it)")
            return lexical[0]
        return None

    def translation(self, text: str) -> str | None:
        """The dictionary translation of a non-English message (Chinese: CC-CEDICT), or None: read once per
        message and handed to ``values`` and ``category``."""
        if self.translator is None or not self.knowledge.language().english or query_route(text) != "multilingual":
            return None
        translation = self.translator.translate(text)
        return " ".join(translation.words) if translation is not None else None
