"""Faithfulness check: extract the claims a piece of copy makes and compare them with the product's attributes.

Claims extracted: colours, materials, sizes, numbers with units (percentages, prices, dimensions), certifications,
superlatives, medical and safety claims, and any pattern in the settings' banned list. A claim is supported when
the attributes (or the title, brand and category) state it; everything else is listed in
``checks.unsupported_claims``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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
]
CERTIFICATIONS = [
    r"organic",
    r"recycled",
    r"vegan",
    r"fair[- ]trade",
    r"sustainabl[ey]",
    r"eco[- ]friendly",
    r"gots",
    r"oeko[- ]tex",
    r"cruelty[- ]free",
    r"carbon[- ]neutral",
    r"biodegradable",
]
HEALTH_SAFETY = [
    r"hypoallergenic",
    r"anti[- ]?bacterial",
    r"antimicrobial",
    r"uv[- ]protect\w*",
    r"spf ?\d*",
    r"waterproof",
    r"water[- ]resistant",
    r"fire[- ]?(proof|resistant)",
    r"flame[- ]retardant",
    r"non[- ]toxic",
    r"cures?",
    r"heals?",
    r"therapeutic",
    r"medical[- ]grade",
    r"wrinkle[- ](free|proof)",
    r"stain[- ](proof|resistant)",
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
_NUMBER_UNIT = re.compile(
    r"(\d+(?:\.\d+)?)\s?(%|percent|cm|mm|inch(?:es)?|in\b|\"|oz|g\b|gsm|days?|years?|months?)", re.IGNORECASE
)
_PRICE = re.compile(r"[$€£]\s?(\d+(?:\.\d{1,2})?)")


@dataclass(frozen=True)
class FaithfulnessReport:
    claims: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def faithful(self) -> bool:
        return not self.unsupported

    @property
    def supported_share(self) -> float:
        return 1.0 if not self.claims else 1 - len(self.unsupported) / len(self.claims)


def facts_text(attributes: Mapping[str, object]) -> str:
    """Everything the attributes state, lower-cased into one text (lists joined)."""
    parts = []
    for name, value in attributes.items():
        if value is False:  # "petite: false" must not make "petite" a supported claim
            continue
        if value is True:
            parts.append(name)
        elif isinstance(value, list | tuple):
            parts.append(f"{name}: " + ", ".join(str(v) for v in value))
        else:
            parts.append(f"{name}: {value}")
    return " \n".join(parts).lower()


def _words(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(patterns) + r")\b", re.IGNORECASE)


_COLOUR = _words(COLOURS)
_MATERIAL = _words(MATERIALS)
_CERT = _words(CERTIFICATIONS)
_HEALTH = _words(HEALTH_SAFETY)
_SUPERLATIVE = _words(SUPERLATIVES)
_FIT = _words([r"petite", r"plus[- ]size", r"maternity", r"tall", r"oversized", r"slim[- ]fit", r"relaxed[- ]fit"])


def _sizes_in(text: str) -> list[str]:
    found = []
    for match in _SIZE_CONTEXT.finditer(text):
        found.extend(re.findall(r"XXS|XS|3XL|XXL|XL|S|M|L|\d{1,2}", match.group(1)))
    return found


def check_copy(
    texts: Sequence[str], attributes: Mapping[str, object], banned: Sequence[str] = ()
) -> FaithfulnessReport:
    """The claims in the copy (all fields together) and those the attributes do not support."""
    copy = "\n".join(texts)
    facts = facts_text(attributes)
    claims: list[str] = []
    unsupported: list[str] = []

    def claim(text: str, supported: bool) -> None:
        key = text.lower()
        if key in (c.lower() for c in claims):
            return
        claims.append(text)
        if not supported:
            unsupported.append(text)

    for match in _COLOUR.finditer(copy):
        word = match.group(1).lower()
        same = {"gray": "grey", "grey": "gray"}.get(word)
        claim(match.group(1), word in facts or (same is not None and same in facts))
    for match in _MATERIAL.finditer(copy):
        claim(match.group(1), match.group(1).lower() in facts)
    for match in _CERT.finditer(copy):
        claim(match.group(1), match.group(1).lower() in facts)
    for match in _HEALTH.finditer(copy):
        claim(match.group(1), match.group(1).lower() in facts)
    for match in _FIT.finditer(copy):
        claim(match.group(1), match.group(1).lower().replace("-", " ").split(" ")[0] in facts)
    for match in _SUPERLATIVE.finditer(copy):
        claim(match.group(1), False)
    for pattern in banned:
        for match in re.finditer(pattern, copy, re.IGNORECASE):
            claim(match.group(0), False)
    known_sizes = {s.lower() for s in _listed(attributes.get("size") or attributes.get("sizes"))}
    for size in _sizes_in(copy):
        claim(f"size {size}", size.lower() in known_sizes)
    for match in _NUMBER_UNIT.finditer(copy):
        number = match.group(1)
        claim(match.group(0), number in facts)
    price = attributes.get("price")
    for match in _PRICE.finditer(copy):
        claim(match.group(0), isinstance(price, int | float) and abs(float(match.group(1)) - float(price)) < 0.01)
    return FaithfulnessReport(claims, unsupported)


def _listed(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)] if value else []


_SENTENCE = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s*")


def without_claims(text: str, unsupported: Sequence[str]) -> str:
    """The text without the sentences that make any of these claims."""
    if not unsupported:
        return text
    pattern = re.compile("|".join(re.escape(c) for c in unsupported), re.IGNORECASE)
    kept = [s for s in _SENTENCE.split(text) if s.strip() and not pattern.search(s)]
    return " ".join(kept).strip()
