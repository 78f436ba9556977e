"""What a chat turn is about, decided by deterministic rules (English and Chinese cues).

Rules, not the LLM: the decision is instant (no extra prefill on CPU), testable, and it is what drives tool
access: the model never chooses to open an order. A turn can need several sources (an order *and* the returns
policy), so the result is a primary intent plus the policy topics it touches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Intent(StrEnum):
    GREETING = "greeting"
    FIND = "find"  # search the catalog for something
    RECOMMEND = "recommend"  # personal suggestions
    PRODUCT_QUESTION = "product_question"  # about products already named or shown
    COMPARE = "compare"
    ORDER_STATUS = "order_status"  # orders, tracking, returns of an order
    POLICY = "policy"  # returns, shipping, sizing, payment
    HANDOFF = "handoff"  # complaint or a request for a person
    OUT_OF_SCOPE = "out_of_scope"
    BLOCKED = "blocked"  # the input guard stopped it (prompt injection, extraction attempt, …)


ORDER_ID = re.compile(r"\b[Oo]\d{5,}\b")
PRODUCT_ID = re.compile(r"\b[Pp]\d{3,}\b")

_HANDOFF = re.compile(
    r"\b(complain\w*|terrible|awful|horrible|disgust\w*|furious|angry|unacceptable|worst|rude|scam|fraud\w*|lawyer|"
    r"sue|talk to (a |an )?(human|person|agent|someone|manager)|speak (to|with) (a |an )?(human|person|agent|"
    r"someone|manager)|real person|human agent|customer service rep\w*|manager)\b"
    r"|投诉|人工|真人|经理|太差|气死",
    re.IGNORECASE,
)
_ORDER = re.compile(
    r"\b(my orders?|the order|order (number|status|no)|where is my|where's my|track\w*|parcel|package|"
    r"deliver(ed|y) (status|date)|has it shipped|when will (it|my)|did (it|my order) ship|cancel( my)? order|"
    r"return (my|the|this) order|refund (for|of) (my|the) order|my purchase)\b"
    r"|订单|物流|快递|包裹|到货",
    re.IGNORECASE,
)
POLICY_TOPICS: dict[str, re.Pattern[str]] = {
    "returns": re.compile(
        r"\b(return\w*|refund\w*|exchang\w*|send (it )?back|money back|final sale)\b|退货|退款|换货", re.IGNORECASE
    ),
    "shipping": re.compile(
        r"\b(ship\w*|deliver\w*|postage|express|canada|how long (does|will) (it|delivery) take|arrive)\b"
        r"|运费|发货|配送|邮寄",
        re.IGNORECASE,
    ),
    "sizing": re.compile(
        r"\b(siz(e|es|ing)|fit(s|ting)?|measure\w*|bust|waist|hips|petite|runs? (small|large|big)|true to size)\b"
        r"|尺码|尺寸|码数",
        re.IGNORECASE,
    ),
    "payment": re.compile(
        r"\b(pay(ment|ing|pal)?|credit card|visa|mastercard|amex|apple pay|google pay|gift cards?|charged?|"
        r"sales tax|tax|currency)\b|付款|支付|信用卡",
        re.IGNORECASE,
    ),
}
_POLICY_WORD = re.compile(r"\b(polic(y|ies)|rules?|terms)\b|政策", re.IGNORECASE)
_COMPARE = re.compile(
    r"\b(compare|comparison|difference|differ|versus|vs\.?|which (one )?(is|would be) (better|warmer|cheaper))\b"
    r"|比较|对比|哪个更",
    re.IGNORECASE,
)
_RECOMMEND = re.compile(
    r"\b(recommend\w*|suggest\w*|for me|what should i (buy|get|wear)|something (nice|new)|surprise me|"
    r"based on (my|what i))\b|推荐|建议",
    re.IGNORECASE,
)
_FIND = re.compile(
    r"\b(looking for|look for|show me|do you (have|sell|carry)|find|search|need (a|an|some)|want (a|an|some)|"
    r"any\b|under \$?\d|below \$?\d|cheaper|less than|in stock|available)\b|我想要?|有没有|找|想买",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(it|its|this|that|these|those|them|they|the (first|second|third|last|other|cheaper|one)|one of them|"
    r"either|both)\b|这件|那件|它|第一|第二",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|thanks?( you)?|thank you|ok(ay)?|bye|你好|谢谢)[\s!.,?]*$",
    re.IGNORECASE,
)
CLOTHING = re.compile(
    r"\b(dress\w*|tops?|tees?|t-shirts?|shirts?|blouses?|tanks?|camis?|knits?|sweaters?|cardigans?|pullovers?|"
    r"jumpers?|hoodies?|jackets?|coats?|trench\w*|blazers?|vests?|parkas?|outerwear|jeans|denim|pants|trousers|"
    r"leggings|joggers|shorts|skirts?|jumpsuits?|rompers?|swim\w*|bikinis?|lounge\w*|pajamas?|pyjamas?|sleep\w*|"
    r"robes?|bras?|intimates?|lingerie|tights|socks|outfits?|clothes|clothing|wear|wardrobe|silk|cotton|linen|"
    r"wool|cashmere|fleece|lace|satin|leather|colou?rs?|navy|black|white|red|blue|green|pink|grey|gray|beige|"
    r"brown|burgundy|ivory|olive|yellow|purple|floral|striped|wedding|party|summer|winter|work|office|beach)\b"
    r"|裙|衣|裤|外套|毛衣|衬衫|泳|睡衣|夹克|大衣|连衣裙|上衣",
    re.IGNORECASE,
)
_OFF_TOPIC = re.compile(
    r"\b(weather|poem|joke|recipe|capital of|president|stock market|bitcoin|crypto|homework|python|javascript|"
    r"write (me )?(a|an) (essay|story|program|code)|translate|politic\w*|election|football|movie)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TurnIntent:
    intent: Intent
    policy_topics: tuple[str, ...] = ()
    order_ids: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()
    refers_back: bool = False  # "is it available in blue?": about the products of the previous turn
    reasons: list[str] = field(default_factory=list, compare=False)


def classify(message: str, *, has_previous_products: bool = False) -> TurnIntent:
    """The intent of one customer message (``has_previous_products``: the last reply showed products)."""
    text = message.strip()
    order_ids = tuple(dict.fromkeys(m.upper() for m in ORDER_ID.findall(text)))
    product_ids = tuple(dict.fromkeys(m.upper() for m in PRODUCT_ID.findall(text)))
    topics = tuple(name for name, pattern in POLICY_TOPICS.items() if pattern.search(text))
    refers_back = has_previous_products and bool(_REFERENCE.search(text))

    def result(intent: Intent, *reasons: str) -> TurnIntent:
        return TurnIntent(intent, topics, order_ids, product_ids, refers_back, list(reasons))

    if _HANDOFF.search(text):
        return result(Intent.HANDOFF, "complaint or request for a person")
    if order_ids or _ORDER.search(text):
        return result(Intent.ORDER_STATUS, "order id" if order_ids else "order words")
    if _GREETING.match(text):
        return result(Intent.GREETING, "greeting")
    if _COMPARE.search(text) and (product_ids or has_previous_products or CLOTHING.search(text)):
        return result(Intent.COMPARE, "comparison")
    if product_ids or refers_back:
        return result(Intent.PRODUCT_QUESTION, "product ids" if product_ids else "refers to shown products")
    if topics and (_POLICY_WORD.search(text) or not CLOTHING.search(text) or _asks_policy_question(text)):
        return result(Intent.POLICY, f"policy topics {', '.join(topics)}")
    if _RECOMMEND.search(text):
        return result(Intent.RECOMMEND, "asks for suggestions")
    if _OFF_TOPIC.search(text) and not CLOTHING.search(text):
        return result(Intent.OUT_OF_SCOPE, "off-topic words")
    if _FIND.search(text) or CLOTHING.search(text):
        return result(Intent.FIND, "shopping words")
    if has_previous_products and len(text.split()) <= 8:
        return result(Intent.PRODUCT_QUESTION, "short follow-up")
    return result(Intent.OUT_OF_SCOPE, "nothing the shop can help with")


_POLICY_QUESTION = re.compile(
    r"\b(can i|how (long|much|do i)|do you (ship|accept|take)|is (shipping|delivery|it) free|what (is|are) your|"
    r"(what|which) size|should i (take|get|order|size)|between (two )?sizes|do .{1,20} expire)\b"
    r"|可以|能不能|吗",
    re.IGNORECASE,
)


def _asks_policy_question(text: str) -> bool:
    return bool(_POLICY_QUESTION.search(text))
