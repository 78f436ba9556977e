"""One claim checker for chat replies and product copy: the factual claims a text makes about products, each
checked against the product records (and the policy passages shown with them).

Claims extracted (English; Chinese terms through ``app.guard.claims_zh``):
- numbers with units ("2200 W", "4-person", "40 hours", "four people"): the number must be in the record;
- attribute values the catalog uses anywhere ("black", "Alexa", "oversized"): the product's record must hold it;
- yes/no features the catalog has ("noise cancelling", "milk frother"): the product's flag must be true;
- benefit, health, care and fit claims ("waterproof", "reduces inflammation", "machine washable", "runs small"):
  the record must state them;
- stock ("in stock", "sold out") against the record; names written a letter off a product's own ("Heart" for
  "Hearth").
A negated claim ("it is not waterproof", "the listing doesn't mention black": a "not" a few words before it
in the same clause) claims the opposite: it is supported unless the record states the thing. Which products a
sentence is about is the caller's to say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.guard.claims_zh import zh_claims
from retrieval.catalog import Product
from retrieval.vocabulary import STOP_WORDS, ShopVocabulary, attribute_phrase, content_words, stem, tokens

_UNITS = (
    r"w|watts?|kw|kilowatts?|l|litres?|liters?|ml|millilitres?|milliliters?|mah|wh|v|volts?|hours?|hrs?|h|"
    r"minutes?|mins?|seconds?|days?|weeks?|months?|years?|yrs?|g|grams?|kg|kilos?|kilograms?|lbs?|pounds?|oz|"
    r"cm|mm|m|metres?|meters?|inch(?:es)?|in|\"|ft|feet|hz|khz|ghz|gb|tb|mb|bar|psi|dpi|°c|°f|c|f|degrees?|%|"
    r"percent|people|persons?|person|seats?|cups?|programs?|programmes?|settings?|modes?|speeds?|pieces?|pcs|"
    r"bags?|packs?|servings?|calories|kcal|mg|spf|x"
)
_NUMBER_UNIT = re.compile(rf"(?<![\w.])(\d+(?:[.,]\d+)?)\s?-?\s?({_UNITS})(?![a-z])", re.IGNORECASE)
_SPF = re.compile(r"\b(spf|ipx?|ip)\s?(\d+)", re.IGNORECASE)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "single": 1}  # fmt: skip
_WORD_NUMBER_UNIT = re.compile(
    rf"\b({'|'.join(_WORD_NUMBERS)})[- ](person|people|persons|year|years|hour|hours|cup|cups|seat|seats|"
    r"month|months|day|days)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NEGATION = re.compile(
    r"\b(not|no|never|without|doesn'?t|does not|isn'?t|is not|aren'?t|are not|don'?t|do not|can'?t|cannot|"
    r"won'?t|neither|nor|lacks?)\b|不|没有|无",
    re.IGNORECASE,
)
EPISTEMIC = re.compile(
    r"\b(?:doesn'?t|does not|don'?t|do not|isn'?t|is not|not|never)\s+(?:say|mention|list|state|specify|show|include "
    r"(?:any )?(?:information|details))|\bnot (?:listed|mentioned|stated|specified|shown)|\bno (?:information|mention|"
    r"details?)|\b(?:can'?t|cannot|unable to) (?:confirm|tell|say)|没有说明|没有提到",
    re.IGNORECASE,
)
_CLAUSE_START = re.compile(
    r"[,;:()\u2014\uff0c\u3001]|\b(?:but|and|while|whereas|although|though|however)\b", re.IGNORECASE
)
_NEGATION_REACH = 6  # words before a claim that a "not" can still be about it
# claim → what a record must say to support it (benefit, health, care, fit, safety, certification)
BENEFITS: list[tuple[str, str, str]] = [
    ("waterproof", r"\bwater ?proof\b", r"waterproof|ip6[78]|ipx[78]"),
    ("water resistant", r"\bwater[- ]resist\w*", r"water[ _-]?resist|ipx?\d|hydrostatic"),
    ("splash proof", r"\bsplash[- ](?:proof|resistant)\b", r"splash|ipx?[4-8]"),
    ("for swimming", r"\b(?:swim\w*|underwater)\b", r"(?<!not for )swim|ipx8"),
    ("dustproof", r"\bdust ?proof\b", r"dust|ip[56]\d"),
    ("shockproof", r"\b(?:shock ?proof|drop[- ]proof|rugged)\b", r"shock|drop|rugged"),
    ("breathable", r"\bbreathab\w+", r"breathab"),
    ("hypoallergenic", r"\bhypo-?allergenic\b", r"hypoallergenic"),
    ("antibacterial", r"\banti-?(?:bacterial|microbial)\b", r"antibacterial|antimicrobial"),
    ("non-toxic", r"\bnon-?toxic\b", r"non-?toxic"),
    ("bpa-free", r"\bbpa[- ]free\b", r"bpa"),
    ("dishwasher safe", r"\bdishwasher[- ]safe\b|\bdishwasher\b", r"dishwasher"),
    ("microwave safe", r"\bmicrowave[- ]safe\b", r"microwave"),
    ("machine washable", r"\bmachine[- ]wash\w*", r"machine[ _-]?wash"),
    ("hand wash", r"\bhand[- ]wash\w*", r"hand[ _-]?wash"),
    ("dry clean", r"\bdry[- ]clean\w*", r"dry[ _-]?clean"),
    ("runs small", r"\bruns? small\b|\bsize up\b", r"runs small"),
    ("runs large", r"\bruns? (?:large|big)\b|\bsize down\b", r"runs (?:large|big)"),
    ("true to size", r"\btrue to size\b|\bfits true\b", r"true to size"),
    ("wrinkle-free", r"\bwrinkle[- ](?:free|resistant|proof)\b", r"wrinkle"),
    ("stain resistant", r"\bstain[- ](?:resistant|proof)\b", r"stain"),
    ("uv protection", r"\buv[- ]protect\w*|\bsun protection\b|\bupf\b", r"uv|spf|upf|sun"),
    ("organic", r"\borganic\b", r"organic"),
    ("vegan", r"\bvegan\b", r"vegan"),
    ("gluten-free", r"\bgluten[- ]free\b", r"gluten[ _-]?free"),
    ("recycled", r"\brecycled\b", r"recycled"),
    ("eco-friendly", r"\b(?:eco[- ]friendly|sustainabl[ey]|biodegradable|carbon[- ]neutral)\b", r"eco|sustainab"),
    ("fragrance-free", r"\b(?:fragrance|scent|perfume)[- ]free\b|\bunscented\b", r"fragrance[ _-]?free|unscented"),
    ("sulfate-free", r"\bsulfate[- ]free\b", r"sulfate[ _-]?free"),
    ("energy efficient", r"\benergy[- ](?:efficient|saving)\b", r"energy"),
    ("health claim", r"\b(?:reduces? inflammation|anti-?inflammatory|heals?|cures?|therapeutic|detox\w*|"
     r"boosts? (?:your )?immun\w*|relieves? (?:pain|stress)|soothing|soothes|gentle on (?:the |your )?skin|"
     r"anti-?aging|clinically|dermatologist\w*|medical[- ]grade|promotes? (?:sleep|healing)|improves? (?:sleep|"
     r"health))\b", r"inflammat|heal|cure|therapeutic|detox|immun|relie|sooth|gentle|aging|clinical|"
     r"dermatolog|medical"),
]  # fmt: skip
_BENEFITS = [(label, re.compile(claim, re.IGNORECASE), re.compile(evidence, re.IGNORECASE))
             for label, claim, evidence in BENEFITS]  # fmt: skip
_IN_STOCK = re.compile(r"\b(?:in stock|available now|ready to ship|ships today)\b", re.IGNORECASE)
_OUT_OF_STOCK = re.compile(r"\b(?:out of stock|sold out|unavailable|not (?:in stock|available))\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")


@dataclass
class Record:
    """What one product's data says, ready to check claims against."""

    id: str
    text: str  # every field, lower-cased (attribute names as phrases)
    numbers: set[float]
    values: set[str]
    flags: dict[str, bool]
    names: set[str]  # title and brand words as written
    in_stock: bool | None = None
    attributes: set[str] = field(default_factory=set)  # the attribute names it has
    units: dict[float, set[str | None]] = field(default_factory=dict)  # number → the unit families it has

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
        for name, value in facts.items():
            phrase = attribute_phrase(name)
            if isinstance(value, bool):
                flags[phrase] = value
                parts.append(phrase if value else f"no {phrase}")
                continue
            items = value if isinstance(value, list | tuple) else [value]
            rendered = ", ".join(str(v) for v in items)
            values.update(str(v).lower() for v in items)
            parts.append(f"{re.sub(r'[._]+', ' ', name)}: {rendered}")
        text = "\n".join(parts).lower()
        numbers = numbers_in(text)
        names = set(re.findall(r"[A-Za-z]{4,}", f"{facts.get('title', '')} {facts.get('brand', '')}"))
        return cls(record_id, text, numbers, values, flags, names, in_stock, set(facts), _units_of(text))


@dataclass(frozen=True)
class Claim:
    text: str
    kind: str  # number, value, feature, benefit, stock, name, term (Chinese lexicon)
    supported: bool


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


_FAMILIES: dict[str, set[str]] = {
    "time": {"h", "hr", "hrs", "hour", "hours", "minute", "minutes", "min", "mins", "second", "seconds", "day",
             "days", "week", "weeks", "month", "months", "year", "years", "yr", "yrs"},
    "mass": {"g", "gram", "grams", "kg", "kilo", "kilos", "kilogram", "kilograms", "lb", "lbs", "pound", "pounds",
             "oz", "mg"},
    "volume": {"l", "litre", "litres", "liter", "liters", "ml", "millilitre", "millilitres", "milliliter",
               "milliliters"},
    "length": {"cm", "mm", "m", "metre", "metres", "meter", "meters", "inch", "inches", "in", '"', "ft", "feet"},
    "power": {"w", "watt", "watts", "kw", "kilowatt", "kilowatts"},
    "people": {"people", "person", "persons", "seat", "seats"},
    "temperature": {"°c", "°f", "c", "f", "degree", "degrees"},
    "data": {"gb", "tb", "mb"},
    "frequency": {"hz", "khz", "ghz"},
}  # fmt: skip
_FAMILY_OF = {unit: family for family, units in _FAMILIES.items() for unit in units}


def unit_family(unit: str) -> str | None:
    return _FAMILY_OF.get(unit.lower().strip())


def _units_of(text: str) -> dict[float, set[str | None]]:
    """Each number of a record with the unit families it appears with: the unit written after it, else a unit
    word of its line's label ("battery hours: 30", "persons: 4"), else none."""
    found: dict[float, set[str | None]] = {}
    for line in text.splitlines():
        label, _, rest = line.partition(": ") if ": " in line else ("", "", line)
        label_family = next((f for w in re.split(r"[\s._]+", label) if (f := unit_family(w))), None)
        explicit = {m.start(1): unit_family(m.group(2)) for m in _NUMBER_UNIT.finditer(rest)}
        for match in _NUMBER.finditer(rest):
            family = explicit.get(match.start()) or label_family
            found.setdefault(_as_number(match.group(0)), set()).add(family)
    return found


def numbers_in(text: str) -> set[float]:
    """Every number a text states, in digits or as a word ("one-hour slot", "seven days a week")."""
    found = {_as_number(n) for n in _NUMBER.findall(text)}
    found |= {float(v) for w, v in _WORD_NUMBERS.items() if re.search(rf"\b{w}\b", text, re.IGNORECASE)}
    return found


def _as_number(text: str) -> float:
    return (
        float(text.replace(",", ""))
        if text.count(",") != 1 or len(text.split(",")[1]) == 3
        else float(text.replace(",", "."))
    )


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


class ClaimChecker:
    """Checks sentences against records; ``vocabulary`` (the shop's catalog) says which words are attribute
    values and yes/no features at all, so a value claimed for the wrong product is caught in any trade."""

    def __init__(self, vocabulary: ShopVocabulary | None = None, common_values: Iterable[str] = ()) -> None:
        self.vocabulary = vocabulary
        self.common_values = {v.lower() for v in common_values}

    def check(
        self, sentence: str, records: Sequence[Record], context: Sequence[str] = (), asked: Sequence[str] = ()
    ) -> ClaimReport:
        """The claims of one sentence; each is supported when any of ``records`` (or ``context``, the policy
        passages shown) states it. ``asked``: words of the customer's question that no record or passage holds
        ("touchscreen"): a sentence that affirms one answers what the data cannot."""
        report = ClaimReport()

        def negated(at: str) -> bool:
            return _negated_before(sentence, at)

        context_text = "\n".join(context).lower()
        context_numbers = numbers_in(context_text)
        seen: set[str] = set()

        def add(text: str, kind: str, supported: bool) -> None:
            key = f"{kind}:{text.lower()}"
            if key not in seen:
                seen.add(key)
                report.claims.append(Claim(text, kind, supported))

        for match in _NUMBER_UNIT.finditer(sentence):
            value = _as_number(match.group(1))
            add(match.group(0).strip(), "number", _number_supported(value, match.group(2), records, context_numbers))
        for match in _SPF.finditer(sentence):
            add(match.group(0), "number", _number_supported(float(match.group(2)), "", records, context_numbers))
        for match in _WORD_NUMBER_UNIT.finditer(sentence):
            value = float(_WORD_NUMBERS[match.group(1).lower()])
            add(
                match.group(0),
                "number",
                negated(match.group(0)) or _number_supported(value, "", records, context_numbers),
            )
        lowered = sentence.lower()
        epistemic = bool(EPISTEMIC.search(sentence))  # "the listing doesn't say …": the honest answer
        contrast = False
        for phrase in self._values_in(sentence):
            held = any(_holds(r, phrase) for r in records)
            if negated(phrase):  # "doesn't come in black": only where the record lists that attribute's values
                listed = any(a in r.attributes for r in records for a in self._attributes_of(phrase))
                add(phrase, "value", epistemic or (not held and listed))
            else:
                contrast = contrast or held
                add(phrase, "value", held)
        for phrase in self._features_in(sentence):
            flag = [r.flags.get(phrase) for r in records]
            stated = any(f is True for f in flag) or any(_has_phrase(r.text, phrase) for r in records if phrase
                                                         not in r.flags)  # fmt: skip
            if negated(phrase):  # "no noise cancelling": the record must say no
                add(phrase, "feature", epistemic or (False in flag and True not in flag))
            else:
                contrast = contrast or stated
                add(phrase, "feature", stated)
        for label, claim, evidence in _BENEFITS:
            found = claim.search(sentence)
            if found:
                stated = any(_states(r.text, evidence) for r in records) or _states(context_text, evidence)
                if negated(found.group(0)):  # "not for swimming": the record must deny it
                    denied = any(_denies(r.text, claim) for r in records) or _denies(context_text, claim)
                    add(label, "benefit", epistemic or (denied and not stated))
                else:
                    add(label, "benefit", stated)
        in_stock = [r.in_stock for r in records if r.in_stock is not None]
        if in_stock and _OUT_OF_STOCK.search(lowered):
            add("out of stock", "stock", not all(in_stock))
        elif in_stock and (found := _IN_STOCK.search(lowered)) and not negated(found.group(0)):
            add("in stock", "stock", any(in_stock))
        names = set().union(*(r.names for r in records)) if records else set()
        for word in _CAPITALISED.findall(sentence):
            near = next((n for n in names if n != word and _one_edit(word.lower(), n.lower())), None)
            if near is not None and word not in names:
                add(word, "name", False)
        for term, supported in zh_claims(sentence, [r.text for r in records] + [context_text]):
            add(term, "term", supported)
        words = {_root(t) for t in tokens(sentence)}
        for term in asked:
            if _root(term) not in words or epistemic:
                continue  # "the listing doesn't say whether it has a touchscreen" is the honest answer
            if negated(term) and contrast:
                continue  # "it works with Alexa, not Google Assistant": what it has, against what was asked
            add(term, "unknown", False)  # affirmed or denied, the data holds neither
        return report

    def _values_in(self, sentence: str) -> list[str]:
        found: list[str] = []
        if self.vocabulary is not None:
            found = [m.phrase for m in self.vocabulary.value_matches(sentence) if m.value != "true"]
        words = set(tokens(sentence))
        found += [v for v in self.common_values if v in words and v not in found]
        return [f for f in found if len(f) > 2 and f not in STOP_WORDS]

    def _attributes_of(self, phrase: str) -> set[str]:
        if self.vocabulary is None:
            return set()
        return {name for name, _ in self.vocabulary.values.get(phrase, [])}

    def _features_in(self, sentence: str) -> list[str]:
        if self.vocabulary is None:
            return []
        return [m.phrase for m in self.vocabulary.value_matches(sentence) if m.value == "true"]


_SPELLINGS = {"gray": "grey", "color": "colour", "aluminum": "aluminium", "favor": "favour", "center": "centre"}


def _norm(word: str) -> str:
    w = stem(word)
    return _SPELLINGS.get(w, w)


# verbs and fillers of product questions: echoing them answers nothing ("does it *work* with Alexa?")
_QUESTION_VERBS = frozenset(
    [
        "work",
        "come",
        "take",
        "make",
        "use",
        "keep",
        "hold",
        "last",
        "suit",
        "wear",
        "need",
        "fit",
        "good",
        "well",
        "long",
        "many",
        "much",
        "tell",
        "know",
        "able",
        "allow",
        "include",
        "contain",
        "offer",
        "happen",
        "mean",
        "help",
        "enough",
        "still",
        "ever",
        "also",
        "really",
        "exactly",
    ]
)


_POLAR = re.compile(r"^\s*(is|are|does|do|did|can|could|will|would|has|have|was|were)\b|吗", re.IGNORECASE)


def unknown_terms(question: str, records: Sequence[Record], context: Sequence[str] = ()) -> list[str]:
    """For a yes/no question, its own words that no record or passage shown holds (names aside): what the data
    cannot answer ("Does the Arcbook 14 have a *touchscreen*?"). A wh-question's answer is a value, and values
    are checked as such."""
    if not _POLAR.search(question):
        return []
    have = {_root(t) for r in records for t in tokens(r.text)} | {_root(t) for c in context for t in tokens(c)}
    names = {n.lower() for r in records for n in r.names}
    return [
        w
        for w in dict.fromkeys(content_words(question))
        if _root(w) not in have and w not in names and w not in _QUESTION_VERBS and len(w) > 3
    ]


def _root(word: str) -> str:
    """A plural and past/progressive stem, for matching a question's word to a record's ("filled" ~ "fill")."""
    w = stem(word)
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _negated_before(sentence: str, phrase: str) -> bool:
    """A negation in the same clause, at most a few words before the claim's first mention."""
    at = sentence.lower().find(phrase.lower())
    if at < 0:
        return bool(NEGATION.search(sentence))
    before = sentence[:at]
    starts = [m.end() for m in _CLAUSE_START.finditer(before)]
    clause = before[starts[-1] :] if starts else before
    words = clause.split()[-_NEGATION_REACH:]
    return bool(NEGATION.search(" ".join(words)))


def _has_phrase(text: str, phrase: str) -> bool:
    stems = [_norm(t) for t in tokens(phrase)]
    have = {_norm(t) for t in tokens(text)}
    return bool(stems) and all(s in have for s in stems)


def _holds(record: Record, phrase: str) -> bool:
    """The record holds this value: a yes/no attribute by its flag, anything else by its words."""
    if phrase in record.flags:
        return record.flags[phrase]
    return phrase in record.values or _has_phrase(record.text, phrase)


def _states(text: str, evidence: re.Pattern[str]) -> bool:
    """The record says it, in a clause that does not deny it ("not for swimming" states no swimming)."""
    for clause in re.split(r"[.;\n]|, (?=but|not)", text):
        if evidence.search(clause) and not re.search(r"\bnot\b|\bno\b|\bnon-(?!toxic)", clause):
            return True
    return False


def _denies(text: str, evidence: re.Pattern[str]) -> bool:
    """The record says it is not so ("IPX4 splash resistant, not for swimming")."""
    return any(
        evidence.search(clause) and re.search(r"\bnot\b|\bno\b", clause)
        for clause in re.split(r"[.;\n]|, (?=but|not)", text)
    )


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
