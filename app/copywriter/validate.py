"""Faithfulness check of product copy: the shared claim checker (``app.guard.claims``) run over every field
against the product's attributes, plus what only copy must avoid: superlatives, the settings' banned patterns,
sizes and prices the attributes do not list.

Colours and materials are claims in any trade; the common ones below are checked even when the copy is written
from raw attributes with no catalog around it, and the catalog's own values (``vocabulary``) are added when
there is one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.guard.claims import ClaimChecker, Record
from app.guard.claims_zh import (
    CJK,
    ZH_NUMBER_UNIT,
    ZH_PRICE,
    ZH_SIZE_CONTEXT,
    ZH_SUPERLATIVE,
    ZH_TABLES,
)
from retrieval.vocabulary import ShopVocabulary

COLOURS = [
    "beige",
    "black",
    "blue",
    "bronze",
    "brown",
    "burgundy",
    "camel",
    "charcoal",
    "coral",
    "cream",
    "gold",
    "gray",
    "green",
    "grey",
    "ivory",
    "khaki",
    "lavender",
    "lilac",
    "maroon",
    "mauve",
    "mint",
    "multi",
    "mustard",
    "navy",
    "nude",
    "olive",
    "orange",
    "pink",
    "plum",
    "purple",
    "red",
    "rose",
    "rust",
    "sage",
    "silver",
    "tan",
    "taupe",
    "teal",
    "turquoise",
    "white",
    "wine",
    "yellow",
]
MATERIALS = [
    "acrylic",
    "alpaca",
    "bamboo",
    "cashmere",
    "chiffon",
    "corduroy",
    "cotton",
    "crepe",
    "denim",
    "elastane",
    "fleece",
    "flannel",
    "hemp",
    "jersey",
    "lace",
    "leather",
    "linen",
    "lycra",
    "merino",
    "modal",
    "mohair",
    "nylon",
    "polyester",
    "rayon",
    "satin",
    "silk",
    "spandex",
    "suede",
    "tencel",
    "tweed",
    "twill",
    "velvet",
    "viscose",
    "wool",
    "steel",
    "stainless steel",
    "aluminium",
    "aluminum",
    "glass",
    "ceramic",
    "plastic",
    "wood",
    "walnut",
    "oak",
    "carbon",
    "titanium",
]
SUPERLATIVES = [
    r"best",
    r"#\s?1",
    r"number one",
    r"finest",
    r"perfect",
    r"ultimate",
    r"world'?s",
    r"guaranteed",
    r"unbeatable",
    r"best[- ]selling",
    r"award[- ]winning",
]
LETTER_SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"]
_SIZE_CONTEXT = re.compile(r"\bsizes?\s+((?:(?:XXS|XS|S|M|L|XL|XXL|3XL|\d{1,2})(?:\s*(?:,|/|-|to|and|or)\s*)?)+)")
_PRICE = re.compile(r"[$€£]\s?(\d+(?:\.\d{1,2})?)")
_SENTENCE = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s*")


@dataclass(frozen=True)
class FaithfulnessReport:
    claims: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # claim → its kind (number, value, benefit, …)

    @property
    def faithful(self) -> bool:
        return not self.unsupported

    @property
    def supported_share(self) -> float:
        return 1.0 if not self.claims else 1 - len(self.unsupported) / len(self.claims)

    @property
    def unsupported_benefits(self) -> list[str]:
        """Health, benefit, care and fit claims no attribute states (the copy eval's zero target)."""
        return [c for c in self.unsupported if self.kinds.get(c) in {"benefit", "term"}]


def facts_text(attributes: Mapping[str, object]) -> str:
    """Everything the attributes state, lower-cased into one text (lists joined)."""
    return Record.from_facts("", attributes).text


def _words(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(patterns) + r")\b", re.IGNORECASE)


_SUPERLATIVE = _words(SUPERLATIVES)
_COMMON_VALUES = [*COLOURS, *MATERIALS, "petite", "plus size", "maternity", "tall", "oversized", "slim fit"]


def _sizes_in(text: str) -> list[str]:
    found = []
    for pattern in (_SIZE_CONTEXT, ZH_SIZE_CONTEXT):
        for match in pattern.finditer(text):
            found.extend(re.findall(r"XXS|XS|3XL|XXL|XL|S|M|L|\d{1,2}", match.group(1)))
    return found


def check_copy(
    texts: Sequence[str],
    attributes: Mapping[str, object],
    banned: Sequence[str] = (),
    vocabulary: ShopVocabulary | None = None,
) -> FaithfulnessReport:
    """The claims in the copy (all fields together) and those the attributes do not support."""
    copy = "\n".join(texts)
    record = Record.from_facts(str(attributes.get("id", "")), attributes)
    checker = ClaimChecker(vocabulary, _COMMON_VALUES)
    price = attributes.get("price")
    claims: list[str] = []
    unsupported: list[str] = []
    kinds: dict[str, str] = {}

    def claim(text: str, supported: bool, kind: str) -> None:
        key = text.lower()
        if key in (c.lower() for c in claims):
            if not supported and key not in (u.lower() for u in unsupported):
                unsupported.append(next(c for c in claims if c.lower() == key))
            return
        claims.append(text)
        kinds[text] = kind
        if not supported:
            unsupported.append(text)

    for sentence in re.split(r"(?<=[.!?\u3002\uff01\uff1f])\s+|\n+", copy):
        for found in checker.check(sentence, [record]).claims:
            claim(found.text, found.supported, found.kind)
    for match in _SUPERLATIVE.finditer(copy):
        claim(match.group(1), False, "superlative")
    for match in ZH_SUPERLATIVE.finditer(copy):
        claim(match.group(0), False, "superlative")
    for pattern in banned:
        for match in re.finditer(pattern, copy, re.IGNORECASE):
            claim(match.group(0), False, "banned")
    if CJK.search(copy):
        for match in ZH_NUMBER_UNIT.finditer(copy):
            claim(match.group(0), match.group(1) in record.text, "number")
        for match in ZH_PRICE.finditer(copy):
            claim(match.group(0), _is_price(match.group(1), price), "price")
    known_sizes = {s.lower() for s in _listed(attributes.get("size") or attributes.get("sizes"))}
    for size in _sizes_in(copy):
        claim(f"size {size}", size.lower() in known_sizes, "size")
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s?(%|percent)", copy, re.IGNORECASE):
        claim(match.group(0), match.group(1) in record.text, "number")
    for match in _PRICE.finditer(copy):
        claim(match.group(0), _is_price(match.group(1), price), "price")
    return FaithfulnessReport(claims, unsupported, kinds)


def _is_price(text: str, price: object) -> bool:
    return isinstance(price, int | float) and abs(float(text) - float(price)) < 0.01


def _listed(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)] if value else []


def supported_sentences(text: str, supported: Callable[[str], bool]) -> str:
    """The text without the sentences that fail ``supported`` on their own. Each sentence is checked again
    rather than searched for the claims: the check names some claims by their kind ("health claim", "any-free")
    and not by the words that make them ("relieves stress", "free from any additives")."""
    kept = [s for s in _SENTENCE.split(text) if s.strip() and supported(s)]
    return " ".join(kept).strip()


def mentions(value: object, text: str) -> bool:
    """Whether the text names the attribute value (any of a list), in English or through the Chinese lexicon."""
    values = [str(v).lower() for v in (value if isinstance(value, list | tuple) else [value])]
    lowered = text.lower()
    if any(v in lowered for v in values):
        return True
    return any(term in text for table in ZH_TABLES for term, english in table.items() if english in values)
