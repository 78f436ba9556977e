"""Chinese claim terms mapped onto the English words a record states (records are mostly English): "真丝" is a
silk claim, "防水" a waterproof claim. Chinese has no word boundaries, so the longest term at each position wins
("丝绒" is velvet, not silk). A term is supported when a record says it in either language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

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


ZH_BENEFITS = {"祛痘": "acne", "消炎": "inflammation", "美白": "whitening", "抗衰老": "anti-aging", "助眠": "sleep",
               "适合游泳": "swim", "可机洗": "machine wash", "干洗": "dry clean", "无香": "fragrance-free"}  # fmt: skip


def _terms(table: Iterable[str]) -> re.Pattern[str]:
    """Longest term first, so at each position the longest one matches."""
    return re.compile("|".join(re.escape(t) for t in sorted(table, key=len, reverse=True)))


ZH_TABLES: list[Mapping[str, str]] = [
    ZH_COLOURS,
    ZH_MATERIALS,
    ZH_CERTIFICATIONS,
    ZH_HEALTH_SAFETY,
    ZH_FIT,
    ZH_BENEFITS,
]
ZH_ALL = _terms([term for table in ZH_TABLES for term in table])
ZH_SUPERLATIVE = _terms(ZH_SUPERLATIVES)
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_of(term: str) -> str | None:
    return next((table[term] for table in ZH_TABLES if term in table), None)


def english_supported(english: str, facts: str) -> bool:
    words = english.lower().replace("-", " ").split()
    same = {"gray": "grey", "grey": "gray"}.get(words[0])
    return english.lower() in facts or words[0] in facts or (same is not None and same in facts)


def zh_claims(text: str, evidence: Sequence[str]) -> list[tuple[str, bool]]:
    """(term, supported) for each Chinese claim term of ``text`` (leftmost-longest, each character once)."""
    if not CJK.search(text):
        return []
    joined = "\n".join(evidence).lower()
    out = []
    for match in ZH_ALL.finditer(text):
        term = match.group(0)
        english = english_of(term)
        out.append((term, term in joined or (english is not None and english_supported(english, joined))))
    return out
