"""The words claims are made of: units and their kinds, number words, negations and the honest "the listing
doesn't say", the benefit / health / care / fit lexicon, stock phrases, and the small text helpers the claim
checker reads sentences and records with."""

from __future__ import annotations

import re

from retrieval.vocabulary import stem

_UNITS = (
    r"w|watts?|kw|kilowatts?|l|litres?|liters?|ml|millilitres?|milliliters?|mah|wh|v|volts?|hours?|hrs?|h|"
    r"minutes?|mins?|seconds?|days?|weeks?|months?|years?|yrs?|g|grams?|kg|kilos?|kilograms?|lbs?|pounds?|oz|"
    r"cm|mm|m|metres?|meters?|inch(?:es)?|in|\"|ft|feet|hz|khz|ghz|gb|tb|mb|bar|psi|dpi|°c|°f|c|f|degrees?|%|"
    r"percent|people|persons?|person|seats?|cups?|programs?|programmes?|settings?|modes?|speeds?|pieces?|pcs|"
    r"bags?|packs?|servings?|calories|kcal|mg|spf|x"
)
NUMBER_UNIT = re.compile(rf"(?<![\w.])(\d+(?:[.,]\d+)?)\s?-?\s?({_UNITS})(?![^\W_])", re.IGNORECASE)
# a number and the word it counts, in any language ("450 Kalorien", "12 Monate"); not a price (the amounts are
# grounded apart), nor a number inside a code or an id
COUNTED = re.compile(
    r"(?<![\w.,/$€£-])(\d+(?:[.,]\d+)?)\s(?!(?:eur|euros?|usd|dollars?|gbp|pounds?|chf)\b)([^\W\d_]{3,})", re.IGNORECASE
)
SPF = re.compile(r"\b(spf|ipx?|ip)\s?(\d+)", re.IGNORECASE)
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "single": 1}  # fmt: skip
WORD_NUMBER_UNIT = re.compile(
    rf"\b({'|'.join(WORD_NUMBERS)})[- ](person|people|persons|year|years|hour|hours|cup|cups|seat|seats|"
    r"month|months|day|days)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NEGATION = re.compile(
    r"\b(not|no|never|without|doesn'?t|does not|isn'?t|is not|aren'?t|are not|don'?t|do not|can'?t|cannot|"
    r"won'?t|neither|nor|lacks?)\b|不|没有|无"
    # and in the other languages a catalog may be in ("n'est pas", "nicht", "non è"; not the "non-" of "non-stick")
    r"|\b(?:pas|ne|nicht|kein\w*|nie|jamais|sans|ohne|nunca|sin|senza|niet|geen|nooit|zonder)\b|\bn'|\bnon\b(?!-)",
    re.IGNORECASE,
)
EPISTEMIC = re.compile(
    r"\b(?:doesn'?t|does not|don'?t|do not|isn'?t|is not|not|never)\s+(?:say|mention|list|state|specify|show|include "
    r"(?:any )?(?:information|details))|\bnot (?:listed|mentioned|stated|specified|shown)|\bno (?:information|mention|"
    r"details?)|\b(?:can'?t|cannot|unable to) (?:confirm|tell|say)|没有说明|没有提到|没有注明"
    # the same in the other languages a catalog may be in
    r"|n'est pas (?:indiqu|précis|mentionn)\w*|ne (?:le )?précise pas|n'indique pas|pas d'information|"
    r"nicht angegeben|keine angaben?|keine informationen|no (?:se )?(?:indica|especifica|menciona)|"
    r"non (?:è )?(?:indicat|specificat)\w*|niet vermeld",
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
    ("energy efficient", r"\benergy[- ](?:efficient|saving)\b|\b(?:conserves?|saves?|saving) (?:energy|power)\b",
     r"energy|eco mode|power[ _-]?saving"),
    ("all seasons", r"\ball[- ]seasons?\b|\b(?:four|4)[- ]seasons?\b|\byear[- ]round\b|\bwinter camping\b",
     r"all[ _-]?season|(?:four|4)[ _-]?season|year[ _-]?round|winter"),
    ("care benefit", r"\bnourish\w*|\brepairs? (?:your )?(?:damaged|dry|split)\b|\bdeep[- ]cleans\w*|\bdetangl\w*",
     r"nourish|repair|deep[ _-]?clean|detangl"),
    ("wellbeing claim", r"\bhelps? (?:you )?(?:to )?(?:unwind|relax|de-?stress|fall asleep|sleep better)\b|"
     r"\bcalming\b|\bstress[- ]reliev\w*|\bde-?stress\w*", r"unwind|relax|stress|calm|sleep"),
    ("allergy safe", r"\b(?:safe|suitable|fine|ok(?:ay)?)\b(?:\s+\w+){0,5}\s+allerg\w*|"
     r"\ballerg\w*[- ](?:free|friendly|safe)\b|\bno (?:known )?allergens\b",
     r"allergen[ _-]?free|allergy[ _-]?(?:friendly|safe)|free (?:of|from) allergens|no allergens"),
    ("health claim", r"\b(?:reduces? inflammation|anti-?inflammatory|heals?|cures?|therapeutic|detox\w*|"
     r"boosts? (?:your )?immun\w*|relieves? (?:pain|stress)|soothing|soothes|gentle on (?:the |your )?skin|"
     r"anti-?aging|clinically|dermatologist\w*|medical[- ]grade|promotes? (?:sleep|healing)|improves? (?:sleep|"
     r"health))\b", r"inflammat|heal|cure|therapeutic|detox|immun|relie|sooth|gentle|aging|clinical|"
     r"dermatolog|medical"),
]  # fmt: skip
BENEFIT_PATTERNS = [(label, re.compile(claim, re.IGNORECASE), re.compile(evidence, re.IGNORECASE))
             for label, claim, evidence in BENEFITS]  # fmt: skip
IN_STOCK = re.compile(
    r"\b(?:in stock|available now|ready to ship|ships today|(?:is|are|it's|they're) (?:currently |still )?available"
    r"(?! in\b))",
    re.IGNORECASE,
)
# "<x>-free", "free of <x>" (nut-free, allergen-free, lactose-free): the record must say it of <x>; the fixed
# lexicon above already reads the common ones
FREE_OF = re.compile(r"\b([a-z]{3,})-free\b|\bfree (?:of|from) ([a-z]{3,})\b", re.IGNORECASE)
# "comes in a variety of colours", "several sizes": the record must list more than one value of that attribute
VARIETY = re.compile(
    r"\b(?:a (?:wide |large |good )?(?:variety|range|choice|selection) of|several|multiple|various|many|lots of|"
    r"different)\s+([a-z]+)",
    re.IGNORECASE,
)
OUT_OF_STOCK = re.compile(r"\b(?:out of stock|sold out|unavailable|not (?:in stock|available))\b", re.IGNORECASE)
CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")


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


def numbers_in(text: str) -> set[float]:
    """Every number a text states, in digits or as a word ("one-hour slot", "seven days a week")."""
    found = {signed(text, m.start(), as_number(m.group(0))) for m in NUMBER.finditer(text) if not in_code(text, m)}
    found |= {float(v) for w, v in WORD_NUMBERS.items() if re.search(rf"\b{w}\b", text, re.IGNORECASE)}
    return found


def in_code(text: str, number: re.Match[str]) -> bool:
    """The number is part of a code written after letters (the 4 of "IPX4", the 30 of "SPF30"), not a quantity."""
    before = text[number.start() - 1] if number.start() else ""
    return before.isascii() and before.isalpha()


def signed(text: str, start: int, value: float) -> float:
    """``value`` negative where a minus sign stands right before it and is no range's dash ("-5 C", not "0-5")."""
    sign = text[start - 1] if start else ""
    before = text[start - 2] if start > 1 else ""
    return -value if sign in ("-", "\u2212") and not before.isalnum() else value


def as_number(text: str) -> float:
    return (
        float(text.replace(",", ""))
        if text.count(",") != 1 or len(text.split(",")[1]) == 3
        else float(text.replace(",", "."))
    )


_SPELLINGS = {"gray": "grey", "color": "colour", "aluminum": "aluminium", "favor": "favour", "center": "centre"}


def norm(word: str) -> str:
    w = stem(word)
    return _SPELLINGS.get(w, w)


# verbs and fillers of product questions: echoing them answers nothing ("does it *work* with Alexa?")


QUESTION_VERBS = frozenset(
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


# yes/no questions: English and Chinese, and how German, French, Spanish, Italian and Dutch ones open
POLAR = re.compile(
    r"^\s*(is|are|does|do|did|can|could|will|would|has|have|was|were)\b|吗"
    r"|^\s*¿?(ist|sind|hat|haben|gibt es|kann|können|passt|passen|lässt sich|darf|wird|est-ce|y a-t-il|peut-on|"
    r"existe|tiene|tienen|hay|puede|sirve|è|c'è|può|heeft|zijn|kan)\b"
    # French inversion ("La veste est-elle imperméable ?"), unless a question word asks for a value
    r"|^(?!\s*(?:combien|quel\w*|où|quand|comment|pourquoi|qui|que|qu'|de quel\w*|à quel\w*|en quel\w*)\b)"
    r".*\w-(?:t-)?(?:il|elle|ils|elles|on|vous|je)\b",
    re.IGNORECASE,
)


def root(word: str) -> str:
    """A plural and past/progressive stem, for matching a question's word to a record's ("filled" ~ "fill")."""
    w = stem(word)
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


_SAID_NO = re.compile(r"\s*:\s*(?:no|non|nein|nee|not|否)\b", re.IGNORECASE)


def negated_before(sentence: str, phrase: str) -> bool:
    """A negation in the same clause, at most a few words before the claim's first mention; or the claim as a
    listed fact answered no ("rechargeable: non")."""
    at = sentence.lower().find(phrase.lower())
    if at >= 0 and _SAID_NO.match(sentence, at + len(phrase)):
        return True
    if at < 0:  # written with other punctuation ("IPX4 splash resistant" for "IPX4 (splash resistant)")
        words = re.findall(r"\w+", phrase)
        found = re.search(r"\W+".join(map(re.escape, words)), sentence, re.IGNORECASE) if words else None
        if found is None:
            return bool(NEGATION.search(sentence))
        at = found.start()
    before = sentence[:at]
    starts = [m.end() for m in _CLAUSE_START.finditer(before)]
    clause = before[starts[-1] :] if starts else before
    words = clause.split()[-_NEGATION_REACH:]
    return bool(NEGATION.search(" ".join(words)))


def states(text: str, evidence: re.Pattern[str]) -> bool:
    """The record says it, in a clause that does not deny it ("not for swimming" states no swimming)."""
    for clause in re.split(r"[.;\n]|, (?=but|not)", text):
        if evidence.search(clause) and not re.search(r"\bnot\b|\bno\b|\bnon-(?!toxic)", clause):
            return True
    return False


def denies(text: str, evidence: re.Pattern[str]) -> bool:
    """The record says it is not so ("IPX4 splash resistant, not for swimming")."""
    return any(
        evidence.search(clause) and re.search(r"\bnot\b|\bno\b", clause)
        for clause in re.split(r"[.;\n]|, (?=but|not)", text)
    )


def one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
