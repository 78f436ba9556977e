"""The language a shop's catalog is written in, read from its products (or set): what BM25 stems and drops as
stop words, whether MiniLM (English only) or the multilingual vector carries a query, and which words of a
message are only grammar.

Read from the catalog, not from each query: a shopper's two or three words ("linen dress", "Katzenfutter") are
too few to tell a language by, and a shop's customers write the language its catalog is in.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
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
SAMPLE = 400  # products read to tell a catalog's language: plenty of grammar words, cheap per version


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


_WORD = re.compile(r"[^\W\d_]{2,}")
# a catalog in another script: the language that script is written in, of those search serves
_SCRIPTS = (("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("CYRILLIC", "ru"), ("GREEK", "el"),
            ("ARABIC", "ar"))  # fmt: skip
_OTHER_SCRIPTS = {"zh", "ja", "ru", "el", "ar"}
GRAMMAR_SHARE = 0.03  # weighted share of a text's words that are one language's grammar words, to be read as it
LEAD = 1.5  # how far that share must lead English's


@functools.cache
def _grammar_weights() -> dict[str, dict[str, float]]:
    """Each Latin-script language's grammar words (stopwords-iso; English: the vocabulary's short list, as the
    ISO one holds content words such as "free" and "top"), a word counting less the more languages share it."""
    import stopwordsiso

    from retrieval.vocabulary import STOP_WORDS

    codes = [c for c in BM25_LANGUAGES if c in stopwordsiso.langs() and c not in _OTHER_SCRIPTS]
    lists = {code: stop_words(code) for code in codes}
    lists["en"] = STOP_WORDS
    shared = Counter(w for words in lists.values() for w in words)
    return {code: {w: 1.0 / shared[w] for w in words} for code, words in lists.items()}


def _script(text: str) -> str | None:
    letters = [unicodedata.name(ch, "") for ch in text if ch.isalpha()]
    for name, code in _SCRIPTS:
        if letters and sum(1 for n in letters if n.startswith(name)) > len(letters) / 2:
            return code
    return None


def detect(products: Iterable[Product]) -> Language:
    """The language most of the products' titles and descriptions are written in: by their script, else by the
    grammar words they use ("für", "avec", "para"); English unless another language clearly leads (a few
    foreign names in an English catalog change nothing). Reads no model: it runs on each catalog version, in
    the serving process."""
    texts = [f"{p.title}. {p.description}" for _, p in zip(range(SAMPLE), products, strict=False)]
    script = _script(" ".join(texts))
    if script is not None:
        return Language(script)
    words = [w.lower() for text in texts for w in _WORD.findall(text)]
    if not words:
        return ENGLISH
    share = {code: score / len(words) for code, score in _grammar_scores(words).items()}
    best = max((code for code in share if code != "en"), key=lambda code: share[code])
    if share[best] >= GRAMMAR_SHARE and share[best] >= LEAD * share["en"]:
        return Language(best)
    return ENGLISH


def _grammar_scores(words: list[str]) -> dict[str, float]:
    return {code: sum(table.get(w, 0.0) for w in words) for code, table in _grammar_weights().items()}


MESSAGE_GRAMMAR_WORDS = 2  # grammar words of one language a message must use to be read as written in it


def detect_text(text: str) -> Language | None:
    """The language one message is clearly written in, or None when it is too short or mixed to tell ("linen
    dress", "Hallo", an id): by its script, else by its grammar words ("wo ist meine", "do you have"), the
    leader needing ``MESSAGE_GRAMMAR_WORDS`` of them and a ``LEAD`` over every other language."""
    script = _script(text)
    if script is not None:
        return Language(script)
    words = [w.lower() for w in _WORD.findall(text)]
    scores = _grammar_scores(words)
    ranked = sorted(scores, key=lambda code: scores[code], reverse=True)
    best, runner_up = ranked[0], ranked[1]
    table = _grammar_weights()[best]
    if sum(1 for w in words if w in table) >= MESSAGE_GRAMMAR_WORDS and scores[best] >= LEAD * scores[runner_up]:
        return Language(best)
    return None


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
