"""Faithfulness check: extract the claims a piece of copy makes and compare them with the product's attributes.

Claims extracted: colours, materials, sizes, numbers with units (percentages, prices, dimensions), certifications,
superlatives, medical and safety claims, and any pattern in the settings' banned list. A claim is supported when
the attributes (or the title, brand and category) state it; everything else is listed in
``checks.unsupported_claims``.

Chinese copy is checked with a lexicon of Chinese terms mapped onto the same English vocabulary (the attributes
are English): "真丝" is a silk claim, "防水" a waterproof claim, "最舒适" a superlative. Chinese has no word
boundaries, so the longest term at each position wins ("丝绒" is velvet, not silk).
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

# Chinese term → the English claim it makes (colour, material, certification, health/safety, fit, superlative)
ZH_COLOURS = {
    "黑色": "black", "白色": "white", "纯白": "white", "红色": "red", "酒红": "burgundy", "蓝色": "blue",
    "海军蓝": "navy", "藏青": "navy", "绿色": "green", "橄榄绿": "olive", "橄榄色": "olive", "灰色": "grey",
    "粉色": "pink", "粉红": "pink", "黄色": "yellow", "芥末黄": "mustard", "紫色": "purple", "棕色": "brown",
    "咖啡色": "brown", "米色": "beige", "卡其": "khaki", "金色": "gold", "银色": "silver", "橙色": "orange",
    "奶油色": "cream", "象牙白": "ivory", "驼色": "camel", "薰衣草紫": "lavender", "珊瑚色": "coral",
}  # fmt: skip
ZH_MATERIALS = {
    "纯棉": "cotton", "棉质": "cotton", "全棉": "cotton", "棉": "cotton", "亚麻": "linen", "麻料": "linen",
    "真丝": "silk", "桑蚕丝": "silk", "丝绸": "silk", "丝绒": "velvet", "天鹅绒": "velvet", "羊毛": "wool",
    "美利奴": "merino", "羊绒": "cashmere", "涤纶": "polyester", "聚酯纤维": "polyester", "尼龙": "nylon",
    "粘胶": "viscose", "人造丝": "rayon", "氨纶": "spandex", "莱卡": "lycra", "牛仔布": "denim", "丹宁": "denim",
    "真皮": "leather", "皮革": "leather", "麂皮": "suede", "雪纺": "chiffon", "蕾丝": "lace", "灯芯绒": "corduroy",
    "莫代尔": "modal", "天丝": "tencel", "竹纤维": "bamboo", "缎面": "satin", "羊驼毛": "alpaca",
}  # fmt: skip
ZH_CERTIFICATIONS = {
    "有机": "organic", "再生": "recycled", "可回收": "recycled", "环保": "eco-friendly", "纯素": "vegan",
    "可持续": "sustainable", "公平贸易": "fair trade", "可降解": "biodegradable",
}  # fmt: skip
ZH_HEALTH_SAFETY = {
    "防水": "waterproof", "抗菌": "antibacterial", "防晒": "uv protection", "防紫外线": "uv protection",
    "低敏": "hypoallergenic", "防过敏": "hypoallergenic", "阻燃": "flame retardant", "防火": "fireproof",
    "无毒": "non-toxic", "治疗": "therapeutic", "治愈": "cures", "医用级": "medical grade", "免烫": "wrinkle-free",
    "防污": "stain-resistant",
}  # fmt: skip
ZH_FIT = {"小个子": "petite", "大码": "plus size", "孕妇": "maternity", "宽松版": "oversized", "修身": "slim fit"}
ZH_SUPERLATIVES = ["最好", "最佳", "最舒适", "最优质", "第一", "完美", "顶级", "终极", "保证", "无与伦比", "畅销"]
ZH_SIZE_CONTEXT = re.compile(
    r"(?:尺码|码数|尺寸|码)[:：]?\s*((?:(?:XXS|XS|3XL|XXL|XL|S|M|L|\d{1,2})(?:\s*(?:,|，|、|/|-|至|到|和|或)\s*)?)+)"
)
ZH_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s?(厘米|毫米|英寸|克|天|年|个月)")
ZH_PRICE = re.compile(r"(\d+(?:\.\d{1,2})?)\s?(?:美元|美金)")


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


def _terms(table: Iterable[str]) -> re.Pattern[str]:
    """Longest term first, so at each position the longest one matches."""
    return re.compile("|".join(re.escape(t) for t in sorted(table, key=len, reverse=True)))


_ZH_TABLES: list[tuple[re.Pattern[str], Mapping[str, str]]] = [
    (_terms(t), t) for t in (ZH_COLOURS, ZH_MATERIALS, ZH_CERTIFICATIONS, ZH_HEALTH_SAFETY, ZH_FIT)
]
_ZH_ALL = _terms([*ZH_COLOURS, *ZH_MATERIALS, *ZH_CERTIFICATIONS, *ZH_HEALTH_SAFETY, *ZH_FIT, *ZH_SUPERLATIVES])
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _sizes_in(text: str) -> list[str]:
    found = []
    for pattern in (_SIZE_CONTEXT, ZH_SIZE_CONTEXT):
        for match in pattern.finditer(text):
            found.extend(re.findall(r"XXS|XS|3XL|XXL|XL|S|M|L|\d{1,2}", match.group(1)))
    return found


def _english_supported(english: str, facts: str) -> bool:
    words = english.lower().replace("-", " ").split()
    same = {"gray": "grey", "grey": "gray"}.get(words[0])
    return english.lower() in facts or words[0] in facts or (same is not None and same in facts)


def check_copy(
    texts: Sequence[str], attributes: Mapping[str, object], banned: Sequence[str] = ()
) -> FaithfulnessReport:
    """The claims in the copy (all fields together) and those the attributes do not support."""
    copy = "\n".join(texts)
    facts = facts_text(attributes)
    price = attributes.get("price")
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
    if _CJK.search(copy):
        for match in _ZH_ALL.finditer(copy):  # leftmost-longest: each character is part of one term at most
            term = match.group(0)
            english = next((table[term] for _, table in _ZH_TABLES if term in table), None)
            claim(term, english is not None and _english_supported(english, facts))
        for match in ZH_NUMBER_UNIT.finditer(copy):
            claim(match.group(0), match.group(1) in facts)
        for match in ZH_PRICE.finditer(copy):
            claim(match.group(0), isinstance(price, int | float) and abs(float(match.group(1)) - float(price)) < 0.01)
    known_sizes = {s.lower() for s in _listed(attributes.get("size") or attributes.get("sizes"))}
    for size in _sizes_in(copy):
        claim(f"size {size}", size.lower() in known_sizes)
    for match in _NUMBER_UNIT.finditer(copy):
        number = match.group(1)
        claim(match.group(0), number in facts)
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


def mentions(value: object, text: str) -> bool:
    """Whether the text names the attribute value (any of a list), in English or through the Chinese lexicon."""
    values = [str(v).lower() for v in (value if isinstance(value, list | tuple) else [value])]
    lowered = text.lower()
    if any(v in lowered for v in values):
        return True
    tables = (ZH_COLOURS, ZH_MATERIALS, ZH_CERTIFICATIONS, ZH_HEALTH_SAFETY, ZH_FIT)
    return any(term in text for table in tables for term, english in table.items() if english in values)
