"""What a chat turn can be, and the few cues of customer-service language (English and Chinese; greetings in
the other languages the multilingual encoder reads too) that hold in any shop: asking for a person, asking
about one's order, comparing, referring back, greeting.

Nothing here knows what a shop sells: products, their names and attribute values, order-number shapes and
policy topics come from the shop's own data (``app.assistant.router``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from retrieval.policies import PolicyHit
from retrieval.vocabulary import ValueMatch


class Intent(StrEnum):
    GREETING = "greeting"
    FIND = "find"  # search the catalog for something
    RECOMMEND = "recommend"  # personal suggestions
    PRODUCT_QUESTION = "product_question"  # about products named, or shown before
    COMPARE = "compare"
    ORDER_STATUS = "order_status"  # orders, tracking, returns of an order
    POLICY = "policy"  # anything the shop's policy documents answer
    HANDOFF = "handoff"  # complaint or a request for a person
    OUT_OF_SCOPE = "out_of_scope"
    BLOCKED = "blocked"  # the input guard stopped it (prompt injection, extraction attempt, …)


HANDOFF_CUE = re.compile(
    r"\b(complain\w*|terrible|awful|horrible|disgust\w*|furious|angry|unacceptable|worst|rude|scam|fraud\w*|lawyer|"
    r"sue|talk to (a |an )?(human|person|agent|someone|manager)|speak (to|with) (a |an )?(human|person|agent|"
    r"someone|manager)|real person|human agent|customer service rep\w*|manager)\b"
    # complaints and asking for a person in the other Latin-script languages the multilingual encoder reads
    r"|\b(beschwer\w*|reklamation|frechheit|unverschämt|mitarbeiter(in|innen)?|menschen sprechen|plainte|réclamation|"
    r"inadmissible|un conseiller|queja|reclamación|reclamar|inaceptable|un agente|hablar con (una persona|alguien)|"
    r"reclamo|lamentela|inaccettabile|un operatore|klacht|onacceptabel|een medewerker|reclamação|inaceitável)\b"
    r"|投诉|人工|真人|经理|太差|气死",
    re.IGNORECASE,
)
ORDER_CUE = re.compile(
    r"\b(my orders?|the order|order (number|status|no)|where is my|where's my|track\w*|parcel|package|"
    r"deliver(ed|y) (status|date)|has it shipped|when will (it|my)|did (it|my order) ship|cancel( my)? order|"
    r"return (my|the|this) order|refund (for|of) (my|the) order|my purchase)\b"
    r"|订单|物流|快递|包裹|到货",
    re.IGNORECASE,
)
COMPARE_CUE = re.compile(
    r"\b(compare|comparison|difference|differ|versus|vs\.?|which (one )?(is|would be) \w+er|which (one )?is (more|less)"
    r"|which one|better)\b|比较|对比|哪个更|哪个",
    re.IGNORECASE,
)
RECOMMEND_CUE = re.compile(
    r"\b(recommend\w*|suggest\w*|for me|what should i (buy|get)|surprise me|based on (my|what i))\b|推荐|建议",
    re.IGNORECASE,
)
# asking a shop for things in the other Latin-script languages a catalog may be in ("habt ihr", "je cherche"):
# grammar of a search, not words of the catalog
ASKING_FOR = (
    r"habt ihr|haben sie|ich suche|suche|zeig(?:t|en sie)? mir|ich brauche|ich hätte gern|"
    r"avez-vous|vous avez|auriez-vous|je cherche|cherche|montrez-moi|il me faut|j'ai besoin d'?|je voudrais|"
    r"tienen|tenéis|busco|estoy buscando|muéstrame|necesito|avete|cerco|sto cercando|mostrami|ho bisogno di|"
    r"hebben jullie|heeft u|ik zoek|ik ben op zoek naar|laat me .{1,30} zien|vocês têm|procuro|estou procurando"
)
_ASKING = rf"(?<!\w)(?:{ASKING_FOR})(?!\w)"
ASKING_FOR_CUE = re.compile(_ASKING, re.IGNORECASE)
FIND_CUE = re.compile(
    r"\b(looking for|look for|show me|do you (have|sell|carry|stock)|find|search|need (a|an|some)|want (a|an|some)|"
    r"any \w+|under \$?\d+|below \$?\d+|cheaper|cheapest|less than|in stock|available|something (to|for))\b"
    rf"|我想要?|有没有|找|想买|有.{{0,8}}吗|{_ASKING}",
    re.IGNORECASE,
)
# asking to be shown things (not "is it available?", which asks about one product)
SEARCH_CUE = re.compile(
    r"\b(looking for|look for|show me|do you (have|sell|carry|stock)|find me|search|need (a|an|some)|want (a|an|some)|"
    rf"any \w+|something (to|for)|recommend|suggest)\b|我想要?|有没有|想买|有.{{0,8}}吗|{_ASKING}",
    re.IGNORECASE,
)
REFERENCE_CUE = re.compile(
    r"\b(it|its|this|that|these|those|them|they|the (first|second|third|last|other|cheaper|one)|one of them|"
    r"either|both)\b|这件|那件|这款|那款|它|第一|第二",
    re.IGNORECASE,
)
GREETING_CUE = re.compile(
    r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|thanks?( you)?|thank you|ok(ay)?|bye)( there)?[\s!.,?]*$"
    # the same in the other Latin-script languages the multilingual encoder reads (a shop's catalog may be in any)
    r"|^\s*[¡¿]?(hallo|guten (morgen|tag|abend)|danke( schön)?|tschüss|moin|servus|bonjour|bonsoir|salut|merci|"
    r"au revoir|hola|buen(os días|as tardes|as noches)|gracias|adiós|ciao|buongiorno|buonasera|grazie|arrivederci|olá|"
    r"bom dia|obrigad[oa]|tchau|hoi|goedemorgen|dank je( wel)?|bedankt|dzień dobry|dziękuję|cześć|merhaba|"
    r"teşekkürler|hej|tack)[\s!.,?¡¿]*$"
    r"|^\s*(你好|谢谢|再见)[\s!.,?！。？]*$",
    re.IGNORECASE,
)
QUESTION_CUE = re.compile(
    r"\?|？|^\s*(is|are|does|do|can|could|will|how|what|which|where|when|who)\b|吗|多少|几|怎么", re.IGNORECASE
)


@dataclass(frozen=True)
class TurnIntent:
    intent: Intent
    order_ids: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()  # named by id or by name in the message
    refers_back: bool = False  # "is it available in blue?": about the products of the previous turn
    policy_hits: tuple[PolicyHit, ...] = ()  # passages above the policy threshold: the turn touches policy
    values: tuple[ValueMatch, ...] = ()  # catalog attribute values the message names
    catalog: float = 0.0  # share of the message's words the catalog uses
    category: str | None = None  # the category path (prefix) the message names by the catalog's own words
    reasons: list[str] = field(default_factory=list, compare=False)
    # set where no signal decided and the router fell back to a default: the other kinds it could be
    alternatives: tuple[Intent, ...] = ()

    @property
    def policy_docs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(hit.passage.doc for hit in self.policy_hits))
