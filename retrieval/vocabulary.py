"""The shop's own vocabulary, read from its catalog: what words its products use, which attribute values they
have, what their names are and what shape their ids take. Routing and query understanding ask this instead of
word lists about one trade, so a shop of any kind is understood from its feed alone.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from retrieval.catalog import Product
from retrieval.compounds import COMPOUNDING, PART, split_compound
from retrieval.number_words import numbers_in

# letters and digits of any script (``Käfig``, ``größe``, ``café`` are one word each), a run of Han characters apart
_TOKEN = re.compile(r"[^\W_\u3400-\u9fff]+(?:[.'][^\W_\u3400-\u9fff]+)*|[\u3400-\u9fff]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_NUMERIC = re.compile(r"^[\d.,']+[a-z]{0,2}$")  # 20, 1.7, 400ml-style sizes: no name on their own
# function words of English questions; none of them names a product in any trade
_STOP_TEXT = """a an the and or but of for to in on at by with from into about as is are was were be been being do
does did have has had i me my we our you your it its this that these those there here what which who whom whose
when where why how can could would should will shall may might must not no yes any some something anything
please thanks thank hi hello hey want wanted need needs looking look find show tell give get got buy like love
also very really just one ones more most less much many lot lots under over below above than around up down out
off only own same so too s t don doesn isn aren im i'm it's what's whats sell carry stock available offer
suggest recommend best good nice great cheap cheapest price cost costs dollars usd budget all"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


_NAME_WORDS = 4  # a name is matched by its most distinctive words: a long title is not harder to name


def stem(word: str) -> str:
    """A light English plural stem: ``headphones`` → ``headphone``, ``dresses`` → ``dress``, ``batteries`` →
    ``battery``; enough to match a shopper's word against the catalog's in either number."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def tokens(text: str) -> list[str]:
    """Lower-cased words and numbers (``1.7l`` stays one token); each run of Han characters is one token."""
    return [t.lower() for t in _TOKEN.findall(text)]


def content_words(text: str, stop: frozenset[str] = STOP_WORDS, stemmer: Callable[[str], str] = stem) -> list[str]:
    """The stems of a message's words that could name something (stop words and bare numbers removed)."""
    return [stemmer(t) for t in tokens(text) if t not in stop and not t.isdigit() and not _HAN.match(t)]


@functools.cache
def _snowball(language: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(language) if language in snowballstemmer.algorithms() else None


@functools.lru_cache(maxsize=200_000)
def language_stem(language: str, word: str) -> str:
    """A word's stem in a catalog's language (Snowball: ``Hunde`` and ``Hund`` → ``hund``); English keeps the
    light plural stem above, a language without a stemmer the word itself."""
    if language == "english":
        return stem(word)
    stemmer = _snowball(language)
    w = word.lower()
    return str(stemmer.stemWord(w)) if stemmer is not None and not _HAN.match(w) else w


def han_bigrams(text: str) -> set[str]:
    runs = _HAN.findall(text)
    joined = "".join(runs)
    grams = {joined[i : i + 2] for i in range(len(joined) - 1)}
    return {g for g in grams if len(g) == 2 and all(_HAN.match(ch) for ch in g)}


def attribute_phrase(name: str) -> str:
    """``noise_cancelling`` → ``noise cancelling``; ``nutrition.protein_g`` → ``protein``: how a shopper says it."""
    last = name.split(".")[-1]
    words = [w for w in re.split(r"[_\-\s]+", last) if w and w not in {"g", "kg", "ml", "l", "w", "in", "mm", "c"}]
    return " ".join(words).lower()


@dataclass(frozen=True)
class ValueMatch:
    attribute: str  # the attribute's name in the feed
    value: str  # the value as the catalog writes it ("navy", "Alexa", "true" for a yes/no attribute)
    phrase: str  # the words of the message that matched


Wanted = dict[str, tuple[bool, frozenset[str]]]  # attribute → (a yes/no value asked for, the others case-folded)


def wanted_values(matches: Sequence[ValueMatch]) -> Wanted:
    """Named values grouped by attribute, built once so each product is checked with set lookups."""
    flags: set[str] = set()
    grouped: dict[str, set[str]] = {}
    for match in matches:
        values = grouped.setdefault(match.attribute, set())
        if match.value == "true":
            flags.add(match.attribute)
        else:
            values.add(match.value.lower())
    return {attribute: (attribute in flags, frozenset(values)) for attribute, values in grouped.items()}


def held_attributes(product: Product, wanted: Wanted) -> list[str]:
    """The attributes whose named values the product's record has, each once (a yes/no one: set to true; others
    compared case-insensitively, any item of a list)."""
    held = []
    for attribute, (flag, values) in wanted.items():
        value = product.attributes.get(attribute)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if (flag and value is True) or any(v is not None and str(v).lower() in values for v in items):
            held.append(attribute)
    return held


def holds(product: Product, match: ValueMatch) -> bool:
    """Whether the product's record has the value (a yes/no attribute: set to true)."""
    return bool(held_attributes(product, wanted_values([match])))


def _head_words(product: Product) -> list[str]:
    """The first and last word of each of a product's category segments and text values: the nouns a catalog
    names things by ("Sacs à dos": sacs, dos), never the grammar between them (à)."""
    phrases = product.category_path + [
        str(item) for value in product.attributes.values()
        for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)
    ]  # fmt: skip
    words = []
    for phrase in phrases:
        found = tokens(phrase)
        words += found[:1] + found[-1:] if len(found) > 1 else found
    return words


@dataclass
class ShopVocabulary:
    """Built once per catalog version from every product."""

    strong: dict[str, int] = field(default_factory=dict)  # stem → products whose title/category/brand use it
    medium: set[str] = field(default_factory=set)  # stems of attribute names and values only
    weak: set[str] = field(default_factory=set)  # stems seen only in descriptions
    han: set[str] = field(default_factory=set)  # Han-character bigrams of titles, categories, values
    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # phrase → [(attribute, value)]
    flags: dict[str, str] = field(default_factory=dict)  # phrase of a yes/no attribute → its name
    name_tokens: dict[str, set[str]] = field(default_factory=dict)  # title/brand stem → product ids
    titles: dict[str, list[str]] = field(default_factory=dict)  # product id → title stems
    categories: dict[str, int] = field(default_factory=dict)  # full category path → products in it
    products: int = 0
    stop: frozenset[str] = STOP_WORDS  # English grammar words and those of the catalog's language
    language: str = "english"  # the catalog's, as BM25 and Snowball name it: how its words are stemmed

    @classmethod
    def build(
        cls, products: Iterable[Product], stop: frozenset[str] = frozenset(), language: str = "english"
    ) -> ShopVocabulary:
        """``stop``: the grammar words of the catalog's language beside English ("für", "mit" name nothing),
        less the nouns the catalog names its categories and values with (stopwords-iso's French list holds
        "tente" and "dos": "Camping > Tentes", "Sacs à dos"); ``language``: its stems ("Leine" and "Leinen" are
        one word)."""
        products = list(products)
        v = cls(language=language)
        named = {v.stem(t) for p in products for t in _head_words(p)}
        v.stop = STOP_WORDS | {w for w in stop if v.stem(w) not in named}
        strong: Counter[str] = Counter()
        for p in products:
            v.products += 1
            seen: set[str] = set()
            leaf = p.category_path[-1] if p.category_path else ""
            if p.category:
                v.categories[p.category] = v.categories.get(p.category, 0) + 1
            # a title in another script still has a name shoppers type: its Han bigrams, its category's leaf
            # and its short values (``jasmine`` rice whose title is 泰国香米)
            extra = [str(x) for x in p.attributes.values() if isinstance(x, str) and len(x) <= 20]
            other_script = f" {leaf} {' '.join(extra)} {p.description}" if _HAN.search(p.title) else ""
            name_text = f"{p.title} {p.brand}{other_script}"
            title_stems = [v.stem(t) for t in tokens(name_text) if t not in v.stop and not _HAN.match(t)]
            title_stems += sorted(han_bigrams(p.title))
            v.titles[p.id] = title_stems
            for s in set(title_stems):
                v.name_tokens.setdefault(s, set()).add(p.id)
            texts = [p.title, p.brand, p.category]
            attribute_texts: list[str] = []
            for name, value in p.attributes.items():
                phrase = attribute_phrase(name)
                attribute_texts.append(phrase)
                if isinstance(value, bool):
                    if value:
                        v.flags.setdefault(phrase, name)
                    continue
                for item in value if isinstance(value, list) else [value]:
                    text = str(item).strip()
                    if text and not _is_number(text):
                        attribute_texts.append(text)
                        v.values.setdefault(text.lower(), [])
                        if (name, text) not in v.values[text.lower()]:
                            v.values[text.lower()].append((name, text))
            for text in texts:
                seen.update(v.words(text))
                v.han |= han_bigrams(text)
            for text in attribute_texts:
                v.medium.update(v.words(text))
                v.han |= han_bigrams(text)
            strong.update(seen)
            v.weak.update(v.words(p.description))
        v.strong = dict(strong)
        v.medium -= set(v.strong)
        v.weak -= set(v.strong) | v.medium
        return v

    # ---- what a message says about the catalog ---------------------------------------------------------------
    def stem(self, word: str) -> str:
        return language_stem(self.language, word)

    def words(self, text: str) -> list[str]:
        """``content_words`` in the catalog's language: its grammar words removed too, its stems."""
        return content_words(text, self.stop, self.stem)

    def message_words(self, text: str) -> list[str]:
        """``words`` of a shopper's message; in a language that writes compounds as one word, a compound the
        catalog does not use read as the catalog words it is made of ("Hundefutter" → hund, futter)."""
        if self.language not in COMPOUNDING:
            return self.words(text)
        found: list[str] = []
        for token in tokens(text):
            if token in self.stop or token.isdigit() or _HAN.match(token):
                continue
            word = self.stem(token)
            parts = [] if word in self._known else split_compound(token, self._known, self.stem)
            found += [self.stem(p) for p in parts] or [word]
        return found

    def compound_parts(self, text: str) -> list[str]:
        """The parts of the message's compounds the catalog does not use, as written ("hunde", "futter"): words
        a keyword search can match where the compound matches nothing."""
        if self.language not in COMPOUNDING:
            return []
        found: list[str] = []
        for token in tokens(text):
            if len(token) > 2 * PART and token not in self.stop and self.stem(token) not in self._known:
                found += split_compound(token, self._known, self.stem)
        return found

    @cached_property
    def _known(self) -> set[str]:
        return set(self.strong) | self.medium | self.weak

    def coverage(self, words: Sequence[str]) -> float:
        """Share of the message's content words the catalog uses: a title, category or brand word counts 1, an
        attribute's word 0.75, a word seen only in descriptions 0.5."""
        if not words:
            return 0.0
        score = sum(
            1.0 if w in self.strong else 0.75 if w in self.medium else 0.5 if w in self.weak else 0.0 for w in words
        )
        return score / len(words)

    def strong_words(self, words: Sequence[str]) -> int:
        """How many of the words are title, category or brand words of the catalog."""
        return sum(1 for w in words if w in self.strong)

    def han_overlap(self, text: str) -> float:
        grams = han_bigrams(text)
        return len(grams & self.han) / len(grams) if grams else 0.0

    def named(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        """Products the message names by their own words, best first: the idf-weighted share of a title's
        distinctive words present in the message (``the Trailhead dome tent`` → the 4-person dome tent)."""
        present = {self.stem(t) for t in tokens(text)} | han_bigrams(text) | numbers_in(text, self.language)
        idf, totals = self._name_weights
        hit: dict[tuple[str, bool], float] = {}
        worded: set[str] = set()  # products matched by a word, not by numbers alone
        for word in present:
            weight = idf.get(word)
            if weight is None:  # unknown, or shared by too many titles to name one
                continue
            script = bool(_HAN.match(word))
            for pid in self.name_tokens[word]:
                hit[(pid, script)] = hit.get((pid, script), 0.0) + weight
                if not _NUMERIC.match(word):
                    worded.add(pid)
        best: dict[str, float] = {}
        for (pid, script), weight in hit.items():
            if pid not in worded:  # "under 20 €" names no "Hay 20 l"; "Arcbook 14" is named by "Arcbook"
                continue
            # each script scored on its own: a Chinese title's bigrams do not dilute its English words
            share = weight / totals[(pid, script)]
            share = 1.0 if share > 1 - 1e-9 else share  # the same words summed in another order: not 0.99…
            best[pid] = max(best.get(pid, 0.0), share)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:limit]

    @cached_property
    def _category_words(self) -> dict[str, list[set[str]]]:
        """Each category path's segments as sets of their content words."""
        return {path: [set(self.words(segment)) for segment in path.split(" > ")] for path in self.categories}

    @cached_property
    def _name_weights(self) -> tuple[dict[str, float], dict[tuple[str, bool], float]]:
        """The idf of each name word that names few enough products, and per product and script the weight of
        its most distinctive name words (what a message must hold to name it wholly)."""
        cap = max(5, self.products // 5)  # a word many titles share names no product
        idf = {w: math.log(1 + self.products / len(ids)) for w, ids in self.name_tokens.items()}
        totals: dict[tuple[str, bool], float] = {}
        for pid, words in self.titles.items():
            for script in (False, True):
                part = sorted((idf[w] for w in set(words) if bool(_HAN.match(w)) == script), reverse=True)
                totals[(pid, script)] = sum(part[:_NAME_WORDS])
        return {w: weight for w, weight in idf.items() if len(self.name_tokens[w]) <= cap}, totals

    def category_for(self, words: Sequence[str]) -> tuple[str, int] | None:
        """The category a message asks for by the catalog's own category words (``headphones`` → ``Electronics >
        Audio > Headphones``): the paths whose segments hold most of its words, a leaf word counting double; when
        several paths tie, their common prefix (``gaming`` → ``Electronics > Gaming``). A word of the top level
        alone ("home", "general") names no category. Returns the prefix and its score (2 or more: a leaf word, or
        two words)."""
        wanted = set(words)
        if not wanted or not self.categories:
            return None
        scores: dict[str, tuple[int, int]] = {}
        for path, segments in self._category_words.items():
            score = top_level = 0
            for depth, segment_words in enumerate(segments):
                if depth == 0 and len(segments) > 1:  # names no category alone, but tells tied ones apart
                    top_level = len(wanted & segment_words)  # ("cat" + "dry food": Cat > Food > Dry Food)
                    continue
                score += len(wanted & segment_words) * (2 if depth == len(segments) - 1 else 1)
            if score:
                scores[path] = (score, top_level)
        if not scores:
            return None
        best = max(scores.values())
        top = [path.split(" > ") for path, score in scores.items() if score == best]
        prefix: list[str] = []
        for parts in zip(*top, strict=False):
            if len(set(parts)) != 1:
                break
            prefix.append(parts[0])
        return (" > ".join(prefix), best[0]) if prefix else None

    def value_matches(self, text: str) -> list[ValueMatch]:
        """Attribute values of the catalog that the message names (``navy``, ``Alexa``, ``noise cancelling``),
        longest phrase first, each message word used once."""
        lowered = " " + " ".join(tokens(text)) + " "
        found: list[ValueMatch] = []
        for phrase, needle, pairs in self._needles:
            if needle in lowered:
                lowered = lowered.replace(needle, " ")
                found.extend(ValueMatch(name, value, phrase) for name, value in pairs)
        return found

    @cached_property
    def attribute_words(self) -> dict[str, set[str]]:
        """The last word of every attribute name, stemmed (``colour``, ``size``, ``setting``) → the names: what
        "comes in several colours" is about."""
        names = {name for pairs in self.values.values() for name, _ in pairs} | set(self.flags.values())
        found: dict[str, set[str]] = {}
        for name in names:
            words = attribute_phrase(name).split()
            if words:
                found.setdefault(self.stem(words[-1]), set()).add(name)
        return found

    @cached_property
    def _needles(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(phrase, its tokens padded with spaces, its attribute values), longest phrase first: built once, read
        for every message and every clause of every reply."""
        candidates = [(phrase, pairs) for phrase, pairs in self.values.items() if len(phrase) > 2]
        candidates += [(phrase, [(name, "true")]) for phrase, name in self.flags.items() if len(phrase) > 2]
        needles = [(phrase, " " + " ".join(tokens(phrase)) + " ", pairs) for phrase, pairs in candidates]
        return sorted((n for n in needles if n[1].strip()), key=lambda n: -len(n[0]))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class IdShape:
    """The shape of a set of ids (``VL-HP-0101`` → ``VL-[A-Z]{2}-\\d{4}``), learnt from the ids themselves."""

    pattern: re.Pattern[str]
    upper: bool = True  # every known id is upper-case: ids typed in lower case are read as upper case

    @classmethod
    def learn(cls, ids: Sequence[str], min_share: float = 0.05) -> IdShape | None:
        """A pattern matching the common shapes among ``ids`` (each shape held by ≥ ``min_share`` of them);
        literal letter runs are kept where every id of the shape shares them."""
        if not ids:
            return None
        shapes: dict[tuple[tuple[str, int], ...], list[list[str]]] = {}
        for raw in ids:
            runs = re.findall(r"[A-Za-z]+|\d+|[^A-Za-z\d]+", raw)
            key = tuple(("a" if r.isalpha() else "9" if r.isdigit() else r, len(r)) for r in runs)
            shapes.setdefault(key, []).append(runs)
        alternatives = []
        for key, members in shapes.items():
            if len(members) < max(1, min_share * len(ids)):
                continue
            parts = []
            for position, (kind, length) in enumerate(key):
                values = {m[position].upper() for m in members}
                if kind == "a":
                    parts.append(re.escape(next(iter(values))) if len(values) == 1 else f"[A-Za-z]{{{length}}}")
                elif kind == "9":
                    parts.append(f"\\d{{{length}}}" if length < 3 else f"\\d{{{length - 1},{length + 1}}}")
                else:
                    parts.append(re.escape(kind))
            alternatives.append("".join(parts))
        if not alternatives:
            return None
        body = "|".join(sorted(alternatives, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)
        return cls(pattern, all(i == i.upper() for i in ids))

    def find(self, text: str) -> list[str]:
        found = (m.group(0) for m in self.pattern.finditer(text))
        return list(dict.fromkeys(f.upper() if self.upper else f for f in found))
