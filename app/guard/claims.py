"""One claim checker for chat replies and product copy: the factual claims a text makes about products, each
checked against the product records (and the policy passages shown with them).

Claims extracted (English; Chinese terms through ``app.guard.claims_zh``):
- numbers with units ("2200 W", "4-person", "40 hours", "four people"): the number must be in the record with a
  unit of the same kind (the 4 of "IPX4" is part of a code and supports no "4 meters");
- attribute values the catalog uses anywhere ("black", "Alexa", "oversized"): the product's record must hold it;
- yes/no features the catalog has ("noise cancelling", "milk frother"): the product's flag must be true;
- benefit, health, care and fit claims ("waterproof", "reduces inflammation", "machine washable", "runs small"):
  the record must state them; so must "<x>-free" / "free of <x>" ("nut-free") and allergy safety;
- "comes in a variety of colours", "several sizes": the record must list more than one value of it;
- stock ("in stock", "sold out") against the record; names written a letter off a product's own ("Heart" for
  "Hearth").
A negated claim (a "not" a few words before it, in the same clause) claims an absence: "not waterproof" needs a
record that denies it, "doesn't come in black" a record that lists its colours without black; "the listing
doesn't say …" is always allowed. For a yes/no question, the question's own words that no record holds
("touchscreen") may only be reported as not in the listing. Which products a sentence is about is the caller's
to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from re import Pattern

from app.guard.claim_terms import (
    BENEFIT_PATTERNS,
    CAPITALISED,
    COUNTED,
    EPISTEMIC,
    FREE_OF,
    IN_STOCK,
    NUMBER,
    NUMBER_UNIT,
    OUT_OF_STOCK,
    POLAR,
    QUESTION_VERBS,
    SPF,
    VARIETY,
    WORD_NUMBER_UNIT,
    WORD_NUMBERS,
    as_number,
    denies,
    in_code,
    negated_before,
    norm,
    numbers_in,
    one_edit,
    root,
    signed,
    states,
    unit_family,
)
from app.guard.claims_zh import zh_claims
from retrieval.catalog import Product
from retrieval.vocabulary import (
    STOP_WORDS,
    ShopVocabulary,
    ValueMatch,
    attribute_phrase,
    content_words,
    stem,
    tokens,
)


@dataclass
class Record:
    """What one product's data says, ready to check claims against."""

    id: str
    text: str  # every field, lower-cased (attribute names as phrases)
    values: set[str]
    flags: dict[str, bool]
    names: set[str]  # title and brand words as written
    in_stock: bool | None = None
    attributes: set[str] = field(default_factory=set)  # the attribute names it has
    units: dict[float, set[str | None]] = field(default_factory=dict)  # number → the unit families it has
    words: set[str] = field(default_factory=set)  # its words, normalised as claim phrases are
    counts: dict[str, int] = field(default_factory=dict)  # attribute name → how many values it lists

    @classmethod
    def of(cls, product: Product) -> Record:
        return cls.from_facts(
            product.id,
            {
                "title": product.title,
                "brand": product.brand,
                "category": product.category,
                "description": product.description,
                **product.attributes,
            },
            in_stock=product.in_stock,
        )

    @classmethod
    def from_facts(cls, record_id: str, facts: Mapping[str, object], in_stock: bool | None = None) -> Record:
        parts: list[str] = []
        values: set[str] = set()
        flags: dict[str, bool] = {}
        counts: dict[str, int] = {}
        for name, value in facts.items():
            phrase = attribute_phrase(name)
            if isinstance(value, bool):
                flags[phrase] = value
                parts.append(phrase if value else f"no {phrase}")
                continue
            items = value if isinstance(value, list | tuple) else [value]
            counts[name] = len(items)
            rendered = ", ".join(str(v) for v in items)
            values.update(str(v).lower() for v in items)
            parts.append(f"{re.sub(r'[._]+', ' ', name)}: {rendered}")
        text = "\n".join(parts).lower()
        names = set(re.findall(r"[A-Za-z]{4,}", f"{facts.get('title', '')} {facts.get('brand', '')}"))
        words = {norm(t) for t in tokens(text)}
        return cls(record_id, text, values, flags, names, in_stock, set(facts), _units_of(text), words, counts)


@dataclass(frozen=True)
class Claim:
    text: str
    kind: str  # number, value, feature, benefit, stock, name, term (Chinese lexicon), policy
    supported: bool
    source: str = ""  # the text it was read against, where one decided it (a policy clause)


@dataclass
class ClaimReport:
    claims: list[Claim] = field(default_factory=list)

    @property
    def unsupported(self) -> list[Claim]:
        return [c for c in self.claims if not c.supported]

    @property
    def ok(self) -> bool:
        return not self.unsupported

    def extend(self, other: ClaimReport) -> None:
        self.claims.extend(other.claims)


def _units_of(text: str) -> dict[float, set[str | None]]:
    """Each number of a record with the unit families it appears with: the unit written after it, else a unit
    word of its line's label ("battery hours: 30", "persons: 4"), else none."""
    found: dict[float, set[str | None]] = {}
    for line in text.splitlines():
        label, _, rest = line.partition(": ") if ": " in line else ("", "", line)
        label_family = next((f for w in re.split(r"[\s._]+", label) if (f := unit_family(w))), None)
        explicit = {m.start(1): unit_family(m.group(2)) for m in NUMBER_UNIT.finditer(rest)}
        for match in NUMBER.finditer(rest):
            family = "code" if in_code(rest, match) else explicit.get(match.start()) or label_family
            found.setdefault(signed(rest, match.start(), as_number(match.group(0))), set()).add(family)
    return found


def _number_supported(value: float, unit: str, records: Sequence[Record], context: set[float]) -> bool:
    """The number is in a record with a unit of the same kind (or none written), or in a passage shown."""
    unit = unit.lower()
    candidates = {value}
    if unit in {"kw", "kilowatt", "kilowatts", "l", "litre", "litres", "liter", "liters", "kg", "kilo", "kilos"}:
        candidates.add(round(value * 1000, 3))
    if unit in {"ml", "millilitre", "millilitres", "milliliter", "milliliters", "g", "grams", "gram", "w"}:
        candidates.add(round(value / 1000, 3))
    if any(abs(c - n) < 1e-6 for c in candidates for n in context):
        return True
    family = unit_family(unit)
    for record in records:
        for number, families in record.units.items():
            same = family is None or family in families or None in families
            if same and any(abs(c - number) < 1e-6 for c in candidates):
                return True
    return False


QUOTED = 0.8  # share of a sentence's words a policy passage shown holds, for the sentence to be quoting it


class ClaimChecker:
    """Checks sentences against records; ``vocabulary`` (the shop's catalog) says which words are attribute
    values and yes/no features at all, so a value claimed for the wrong product is caught in any trade."""

    def __init__(self, vocabulary: ShopVocabulary | None = None, common_values: Iterable[str] = ()) -> None:
        self.vocabulary = vocabulary
        self.common_values = {v.lower() for v in common_values}
        # a catalog in another language: its stems (inflections: "orthopädische" ~ "Orthopädisches") and its
        # grammar words, where a question's words are matched to the records'
        foreign = vocabulary is not None and vocabulary.language != "english"
        self.foreign = foreign
        self.root: Callable[[str], str] = vocabulary.stem if foreign and vocabulary is not None else root
        self.words: Callable[[str], list[str]] = vocabulary.words if vocabulary is not None else content_words

    def unknown_terms(self, question: str, records: Sequence[Record], context: Sequence[str] = ()) -> list[str]:
        return unknown_terms(question, records, context, self.root, self.words)

    def absent_attributes(self, question: str, records: Sequence[Record]) -> list[str]:
        """For a question that asks for a value ("De quelle couleur est …?"), the catalog's attribute words in it
        that no record shown has as an attribute or in its text: any value given for those is made up."""
        if self.vocabulary is None or POLAR.search(question):
            return []
        attributes = self.vocabulary.attribute_words
        have = {self.root(t) for r in records for t in tokens(r.text)}
        absent = []
        for word in dict.fromkeys(self.words(question)):
            names = attributes.get(word, set())
            if names and not any(n in r.attributes for r in records for n in names) and self.root(word) not in have:
                absent.append(word)
        return absent

    def check(
        self,
        sentence: str,
        records: Sequence[Record],
        context: Sequence[str] = (),
        asked: Sequence[str] = (),
        said: Iterable[float] = (),
    ) -> ClaimReport:
        """The claims of one sentence; each is supported when any of ``records`` (or ``context``, the policy
        passages shown) states it. ``asked``: words of the customer's question that no record or passage holds
        ("touchscreen"): a sentence that affirms one answers what the data cannot. ``said``: the numbers of the
        customer's own message (a reply may repeat them)."""
        report = ClaimReport()

        def negated(at: str) -> bool:
            return negated_before(sentence, at)

        context_text = "\n".join(context).lower()
        context_numbers = numbers_in(context_text) | set(said)
        seen: set[str] = set()

        def add(text: str, kind: str, supported: bool) -> None:
            key = f"{kind}:{text.lower()}"
            if key not in seen:
                seen.add(key)
                report.claims.append(Claim(text, kind, supported))

        units = list(NUMBER_UNIT.finditer(sentence))
        for match in units:
            value = signed(sentence, match.start(1), as_number(match.group(1)))
            add(match.group(0).strip(), "number", _number_supported(value, match.group(2), records, context_numbers))
        if self.foreign:  # units in another language are not in the English list: any number a record lacks
            read = [range(m.start(), m.end()) for m in units]
            for match in COUNTED.finditer(sentence):
                if not any(match.start() in span for span in read) and not in_code(sentence, match):
                    value = signed(sentence, match.start(1), as_number(match.group(1)))
                    add(match.group(0), "number", _number_supported(value, "", records, context_numbers))
        for match in SPF.finditer(sentence):
            add(match.group(0), "number", _number_supported(float(match.group(2)), "", records, context_numbers))
        for match in WORD_NUMBER_UNIT.finditer(sentence):
            value = float(WORD_NUMBERS[match.group(1).lower()])
            add(
                match.group(0),
                "number",
                negated(match.group(0)) or _number_supported(value, "", records, context_numbers),
            )
        lowered = sentence.lower()
        matches = self.vocabulary.value_matches(sentence) if self.vocabulary is not None else []
        epistemic = bool(EPISTEMIC.search(sentence))  # "the listing doesn't say …": the honest answer
        contrast = False
        # a sentence that repeats a policy passage shown ("if food arrives damaged …") says the passage's words,
        # not a product's values: a value word of the catalog in it is the passage's
        written = [t for t in tokens(sentence) if len(t) > 2]
        quoting = bool(written) and sum(t in context_text for t in written) >= QUOTED * len(written)
        for phrase in self._values_in(sentence, matches):
            held = any(_holds(r, phrase) for r in records) or (quoting and phrase.lower() in context_text)
            if negated(phrase):  # "doesn't come in black": only where the record lists that attribute's values
                listed = any(a in r.attributes for r in records for a in self._attributes_of(phrase))
                add(phrase, "value", epistemic or (not held and listed))
            else:  # a value of its own, not a word of its name, is an answer that contrasts with what was asked
                contrast = contrast or (held and not any(phrase in r.text.split("\n", 1)[0] for r in records))
                add(phrase, "value", held)
        for phrase in [m.phrase for m in matches if m.value == "true"]:  # the catalog's yes/no features
            flag = [r.flags.get(phrase) for r in records]
            stated = any(f is True for f in flag) or any(
                _has_phrase(r.words, phrase) for r in records if phrase not in r.flags
            )
            if negated(phrase):  # "no noise cancelling": the record must say no
                add(phrase, "feature", epistemic or (False in flag and True not in flag))
            else:
                add(phrase, "feature", stated)
        record_texts = [r.text for r in records]

        def benefit(label: str, said: str, evidence: Pattern[str], denial: Pattern[str], where: list[str]) -> None:
            """Supported when a record or passage states it; said negated ("not for swimming"), when a text of
            ``where`` denies it and none states it."""
            stated = any(states(t, evidence) for t in record_texts) or states(context_text, evidence)
            if negated(said):
                add(label, "benefit", epistemic or (any(denies(t, denial) for t in where) and not stated))
            else:
                add(label, "benefit", stated)

        for label, claim, evidence in BENEFIT_PATTERNS:
            if found := claim.search(sentence):
                benefit(label, found.group(0), evidence, claim, [*record_texts, context_text])
        for found in FREE_OF.finditer(sentence):
            if any(claim.search(found.group(0)) for _, claim, _ in BENEFIT_PATTERNS):
                continue  # the lexicon read it already
            word = stem((found.group(1) or found.group(2)).lower())
            evidence = re.compile(rf"\b{re.escape(word)}\w*[ _-]?free\b|\bfree (?:of|from) {re.escape(word)}")
            benefit(f"{word}-free", found.group(0), evidence, evidence, record_texts)
        for found in VARIETY.finditer(sentence):
            about = self._attribute_names(found.group(1))
            if about and not negated(found.group(0)):
                many = any(r.counts.get(name, 0) > 1 for r in records for name in about)
                add(found.group(0), "value", many)
        in_stock = [r.in_stock for r in records if r.in_stock is not None]
        if in_stock and OUT_OF_STOCK.search(lowered):
            add("out of stock", "stock", not all(in_stock))
        elif in_stock and (found := IN_STOCK.search(lowered)) and not negated(found.group(0)):
            add("in stock", "stock", any(in_stock))
        names = set().union(*(r.names for r in records)) if records else set()
        for word in CAPITALISED.findall(sentence):
            near = next((n for n in names if n != word and one_edit(word.lower(), n.lower())), None)
            if near is not None and word not in names:
                add(word, "name", False)
        for term, supported in zh_claims(sentence, [r.text for r in records] + [context_text]):
            add(term, "term", supported)
        words = {self.root(t) for t in tokens(sentence)}
        for term in asked:
            if self.root(term) not in words or epistemic:
                continue  # "the listing doesn't say whether it has a touchscreen" is the honest answer
            if negated(term) and contrast:
                continue  # "it works with Alexa, not Google Assistant": what it has, against what was asked
            add(term, "unknown", False)  # affirmed or denied, the data holds neither
        return report

    def _values_in(self, sentence: str, matches: Sequence[ValueMatch]) -> list[str]:
        found = [m.phrase for m in matches if m.value != "true"]
        words = set(tokens(sentence))
        found += [v for v in self.common_values if v in words and v not in found]
        return [f for f in found if len(f) > 2 and f not in STOP_WORDS]

    def _attribute_names(self, word: str) -> set[str]:
        """The catalog's attribute names whose last word is ``word`` ("colours" → colour, color_options …)."""
        if self.vocabulary is None:
            return set()
        stems = {stem(word.lower()), norm(word.lower())}
        return set().union(*(self.vocabulary.attribute_words.get(s, set()) for s in stems))

    def _attributes_of(self, phrase: str) -> set[str]:
        if self.vocabulary is None:
            return set()
        return {name for name, _ in self.vocabulary.values.get(phrase, [])}


def unknown_terms(
    question: str,
    records: Sequence[Record],
    context: Sequence[str] = (),
    rooted: Callable[[str], str] = root,
    words: Callable[[str], list[str]] = content_words,
) -> list[str]:
    """For a yes/no question, its own words that no record or passage shown holds (names aside): what the data
    cannot answer ("Does the Arcbook 14 have a *touchscreen*?"). A wh-question's answer is a value, and values
    are checked as such. ``rooted`` and ``words``: the catalog language's stems and content words."""
    if not POLAR.search(question):
        return []
    have = {rooted(t) for r in records for t in tokens(r.text)} | {rooted(t) for c in context for t in tokens(c)}
    names = {n.lower() for r in records for n in r.names}
    return [
        w
        for w in dict.fromkeys(words(question))
        if rooted(w) not in have and w not in names and w not in QUESTION_VERBS and len(w) > 3
    ]


def _has_phrase(words: set[str], phrase: str) -> bool:
    stems = [norm(t) for t in tokens(phrase)]
    return bool(stems) and all(s in words for s in stems)


def _holds(record: Record, phrase: str) -> bool:
    """The record holds this value: a yes/no attribute by its flag, anything else by its words."""
    if phrase in record.flags:
        return record.flags[phrase]
    return phrase in record.values or _has_phrase(record.words, phrase)
