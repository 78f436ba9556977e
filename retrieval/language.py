"""The language a shop's catalog is written in, read from its products (or set): what BM25 stems and drops as
stop words, whether MiniLM (English only) or the multilingual vector carries a query, and which words of a
message are only grammar.

Read from the catalog, not from each query: a shopper's two or three words ("linen dress", "Katzenfutter") are
too few to tell a language by, and a shop's customers write the language its catalog is in.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from retrieval.catalog import Product

# ISO 639-1 → the BM25 analyser of that language (qdrant-edge's stemmers and stop words); also the languages
# detection chooses among, so a catalog is never read as a language search could not serve
BM25_LANGUAGES = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "hu": "hungarian", "id": "indonesian",
    "it": "italian", "ja": "japanese", "ne": "nepali", "nl": "dutch", "no": "norwegian", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish", "zh": "chinese",
}  # fmt: skip
SAMPLE = 400  # products read to tell a catalog's language: enough for a clear majority, cheap per version
MAJORITY = 0.6  # share of the sampled products one other language needs before it replaces English


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1

    @property
    def bm25(self) -> str:
        return BM25_LANGUAGES[self.code]

    @property
    def english(self) -> bool:
        return self.code == "en"


ENGLISH = Language("en")


def language(code: str) -> Language:
    """A configured language by its ISO code; ValueError for one search has no analyser for."""
    code = code.strip().lower()
    if code not in BM25_LANGUAGES:
        raise ValueError(f"unsupported shop language {code!r}; one of {', '.join(sorted(BM25_LANGUAGES))}")
    return Language(code)


@functools.cache
def _identifier() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(BM25_LANGUAGES))
    return identifier


def detect(products: Iterable[Product]) -> Language:
    """The language most of the products' titles and descriptions are written in (English unless another one
    holds a clear majority: a few foreign names in an English catalog change nothing)."""
    identifier = _identifier()
    votes: Counter[str] = Counter()
    for n, product in enumerate(products):
        if n >= SAMPLE:
            break
        text = f"{product.title}. {product.description}".strip()
        if text:
            code, _probability = identifier.classify(text)  # type: ignore[attr-defined]
            votes[str(code)] += 1
    total = sum(votes.values())
    if not total:
        return ENGLISH
    code, count = votes.most_common(1)[0]
    return Language(code) if code != "en" and count / total >= MAJORITY else ENGLISH


@functools.cache
def stop_words(code: str) -> frozenset[str]:
    """A language's grammar words (stopwords-iso); none for English (the vocabulary keeps its own list)."""
    if code == "en":
        return frozenset()
    import stopwordsiso

    return frozenset(w.lower() for w in stopwordsiso.stopwords(code))


class CatalogLanguage:
    """The served catalog's language: the setting when one is set, else read from the products of each index
    version (``products`` reads them)."""

    def __init__(self, setting: str, version: Callable[[], str], products: Callable[[], Iterable[Product]]) -> None:
        self.fixed = None if setting == "auto" else language(setting)
        self._version = version
        self._products = products
        self._lock = threading.Lock()
        self._read: tuple[str, Language] | None = None

    def current(self) -> Language:
        if self.fixed is not None:
            return self.fixed
        version = self._version()
        with self._lock:
            if self._read is not None and self._read[0] == version:
                return self._read[1]
        try:
            read = detect(self._products())
        except Exception:  # the index is unavailable: the last language read serves until it is back
            with self._lock:
                return self._read[1] if self._read is not None else ENGLISH
        with self._lock:
            self._read = (version, read)
        return read

    def of(self, products: Iterable[Product]) -> Language:
        """The language of products about to be indexed into an empty (or replaced) catalog."""
        return self.fixed if self.fixed is not None else detect(products)
