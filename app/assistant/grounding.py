"""Grounding: a reply may only name products retrieved for this turn and state amounts, order ids and tracking
numbers found in the data it was given.

``check`` lists what a finished reply names and what it invents; ``repair`` drops the sentences that invent
something; ``IdStreamGuard`` removes unknown ids from a stream as soon as they are complete, so a customer never
sees an invented product id even for a moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.guard.claim_terms import EPISTEMIC
from app.guard.claims import Claim, ClaimChecker, ClaimReport, Record
from app.guard.policy_answers import policy_answer
from retrieval.catalog import Product
from retrieval.vocabulary import STOP_WORDS, tokens

_BRACKET = re.compile(r"\[([^\[\]\n]{1,80})\]")
# an id cited the way the assistant writes them, "[P0123]" (replies, history, fine-tuning data and checks)
CITED_ID = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9._:/-]{0,127})\]")
# an id-like token: letters and at least three digits (P0123, O100001, 1Z1400943…); not a plain number
ID_TOKEN = re.compile(r"(?<![\w$])(?=[A-Za-z0-9._-]*[A-Za-z])(?=[A-Za-z0-9._-]*\d{3})[A-Za-z0-9][A-Za-z0-9._-]{2,40}\b")
_FIGURE = r"\d[\d,.]*\d|\d"  # 20, 19.99, 19,99 (a decimal comma), 1,200 and 1.200 (thousands)
_MONEY = re.compile(
    rf"(?:[$€£]\s?({_FIGURE}))|(?:({_FIGURE})\s?(?:[$€£]|dollars?|usd|euros?|eur|gbp|pounds|美元|元)(?![A-Za-z]))",
    re.IGNORECASE,
)
# Chinese and Japanese write no space after a full stop: their stops end a sentence by themselves
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])\s*|\n+")
_NUMBER_IN_TEXT = re.compile(_FIGURE)


def figure(raw: str) -> float | None:
    """The amount a written figure means: a last group of one or two digits is the cents (``19,99``, ``19.99``),
    groups of three are thousands (``1,200``, ``1.200``); None for what is no amount (``1.2.3``)."""
    parts = re.split(r"[.,]", raw)
    if len(parts) == 1:
        return float(raw)
    if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
        return float("".join(parts))
    if len(parts[-1]) in (1, 2) and all(len(p) == 3 for p in parts[1:-1]):
        return float(f"{''.join(parts[:-1])}.{parts[-1]}")
    return None


def amounts_in(text: str) -> set[float]:
    """Every number in a text, as a candidate amount (for policy passages and the customer's own words); a figure
    that reads two ways (``1,200``) allows both."""
    found: set[float] = set()
    for raw in _NUMBER_IN_TEXT.findall(text):
        value = figure(raw)
        if value is not None:
            found.add(value)
        if "," in raw and "." not in raw:
            found.add(float(raw.replace(",", ".")) if raw.count(",") == 1 else float(raw.replace(",", "")))
    return found


OPINION_PREFIX = "reviewers say: "  # how a line of review opinions is told from a policy passage among the texts


@dataclass
class GroundingData:
    """What this turn's reply may refer to."""

    products: dict[str, Product] = field(default_factory=dict)  # retrieved for this turn, in display order
    order_ids: set[str] = field(default_factory=set)
    tracking_numbers: set[str] = field(default_factory=set)
    policy_docs: set[str] = field(default_factory=set)
    policy_texts: list[str] = field(default_factory=list)  # the passages shown: claims may rest on them
    amounts: set[float] = field(default_factory=set)
    # the short reference a card was shown to the model with ("1" -> its product id); empty: cards show ids
    refs: dict[str, str] = field(default_factory=dict)

    def allow_amounts(self, values: Iterable[float]) -> None:
        self.amounts.update(round(v, 2) for v in values)

    @property
    def allowed_ids(self) -> set[str]:
        return {*self.products, *self.order_ids, *self.tracking_numbers}

    def amount_ok(self, value: float) -> bool:
        return any(abs(value - allowed) < 0.011 for allowed in self.amounts)


def cite_refs(text: str, refs: dict[str, str]) -> str:
    """``[P0123]`` -> ``[1]`` for the products in ``refs`` (id -> reference): a reply as the model writes it."""
    return CITED_ID.sub(lambda m: f"[{refs[m.group(1)]}]" if m.group(1) in refs else m.group(0), text)


_REFS = r"\s*#?\d{1,3}(?:\s*[,;]\s*#?\d{1,3})*\s*"  # "2", "1, 3", "#2": inside the brackets
_REF_BRACKET = re.compile(rf"\[({_REFS})\]")


def expand_refs(text: str, refs: dict[str, str]) -> str:
    """``[1]`` -> ``[P0123]`` (``refs``: reference -> id) in a whole text, as ``IdStreamGuard`` does in a stream;
    a reference to no card is left as written."""

    def expand(match: re.Match[str]) -> str:
        numbers = re.findall(r"\d+", match.group(1))
        return ", ".join(f"[{refs[n]}]" for n in numbers) if all(n in refs for n in numbers) else match.group(0)

    return _REF_BRACKET.sub(expand, text) if refs else text


@dataclass(frozen=True)
class GroundingReport:
    named_products: list[str]  # retrieved products the reply names (by id or exact title), in order
    invalid_ids: list[str]  # ids the reply names that it was not given
    unsupported_amounts: list[float]

    @property
    def ok(self) -> bool:
        return not self.invalid_ids and not self.unsupported_amounts


def _id_candidates(text: str) -> list[str]:
    found: list[str] = []
    for match in _BRACKET.finditer(text):
        for token in re.split(r"[,;\s]+", match.group(1)):
            token = token.strip(".:#")
            if token and ID_TOKEN.fullmatch(token):
                found.append(token)
    found.extend(ID_TOKEN.findall(_BRACKET.sub(" ", text)))
    return found


def _money(text: str) -> list[float]:
    values = []
    for match in _MONEY.finditer(text):
        value = figure(match.group(1) or match.group(2))
        if value is not None:
            values.append(value)
    return values


def check(reply: str, data: GroundingData) -> GroundingReport:
    allowed = data.allowed_ids
    invalid = [token for token in _id_candidates(reply) if token not in allowed]
    named: list[str] = []
    positions: list[tuple[int, str]] = []
    lowered = reply.lower()
    for product_id, product in data.products.items():
        spots = [m.start() for m in re.finditer(re.escape(product_id), reply)]
        title_at = lowered.find(product.title.lower())
        if title_at >= 0:
            spots.append(title_at)
        if spots:
            positions.append((min(spots), product_id))
    named = [product_id for _, product_id in sorted(positions)]
    unsupported = [value for value in _money(reply) if not data.amount_ok(value)]
    return GroundingReport(named, list(dict.fromkeys(invalid)), unsupported)


def repair(reply: str, data: GroundingData) -> str:
    """The reply without the sentences that name unknown ids or unsupported amounts (may be empty)."""
    kept = []
    for sentence in _SENTENCE.split(reply):
        if sentence.strip() and check(sentence, data).ok:
            kept.append(sentence.strip())
    return " ".join(kept).strip()


class IdStreamGuard:
    """Filters a token stream: a bracketed reference or id-like word is released only once it is complete and
    known; unknown ones are dropped. Everything else passes through at once."""

    MAX_HOLD = 80

    def __init__(self, data: GroundingData) -> None:
        self.allowed = data.allowed_ids
        self.refs = data.refs
        self._pending = ""
        self.dropped: list[str] = []

    def feed(self, piece: str) -> str:
        self._pending += piece
        out: list[str] = []
        while self._pending:
            text = self._pending
            start = text.find("[")
            if start == -1:
                safe, rest = _split_trailing_word(text)
                out.append(self._filter_words(safe))
                self._pending = rest
                break
            out.append(self._filter_words(text[:start]))
            end = text.find("]", start)
            if end == -1:
                if len(text) - start > self.MAX_HOLD or "\n" in text[start:]:
                    out.append(text[start])  # not a reference after all: release the bracket
                    self._pending = text[start + 1 :]
                    continue
                self._pending = text[start:]
                break
            out.append(self._bracket(text[start : end + 1]))
            self._pending = text[end + 1 :]
        return "".join(out)

    def finish(self) -> str:
        """Release what is held at the end of the stream (an unclosed bracket is plain text)."""
        text, self._pending = self._pending, ""
        out: list[str] = []
        while text:
            start = text.find("[")
            end = text.find("]", start) if start >= 0 else -1
            if start == -1 or end == -1:
                out.append(self._filter_words(text))
                break
            out.append(self._filter_words(text[:start]))
            out.append(self._bracket(text[start : end + 1]))
            text = text[end + 1 :]
        return "".join(out)

    def _bracket(self, token_text: str) -> str:
        if self.refs and _REF_BRACKET.fullmatch(token_text):  # "[2]" or "[1, 3]": the cards' references
            unknown = [n for n in re.findall(r"\d+", token_text) if n not in self.refs]
            if unknown:  # a card that was never shown
                self.dropped.extend(f"[{n}]" for n in unknown)
                return ""
            return expand_refs(token_text, self.refs)
        tokens = [t.strip(".:#") for t in re.split(r"[,;\s]+", token_text[1:-1]) if t.strip(".:#")]
        bad = [t for t in tokens if ID_TOKEN.fullmatch(t) and t not in self.allowed]
        if bad:
            self.dropped.extend(bad)
            return ""
        return token_text

    def _filter_words(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) in self.allowed:
                return match.group(0)
            self.dropped.append(match.group(0))
            return ""

        return ID_TOKEN.sub(replace, text)


def _split_trailing_word(text: str) -> tuple[str, str]:
    """(released, held): a word still being generated at the end is held back until it is complete."""
    match = re.search(r"[A-Za-z0-9._-]+$", text)
    if match is None:
        return text, ""
    return text[: match.start()], text[match.start() :]


class ClaimScope:
    """Checks each sentence's product claims against the products it is about: those it names (by id or by
    most of a title's own words); else those the sentence before named; else every product shown."""

    def __init__(self, data: GroundingData, checker: ClaimChecker, question: str = "") -> None:
        self.data = data
        self.checker = checker
        self.records = {pid: Record.of(p) for pid, p in data.products.items()}
        self.names = name_words(data)
        self._last: list[str] = []
        self.report = ClaimReport()
        records = list(self.records.values())
        # asked for a value of an attribute these records lack: a sentence giving one says a word of neither
        self.absent = checker.absent_attributes(question, records) if question and records else []
        unknown = checker.unknown_terms(question, records, data.policy_texts) if question and records else []
        self.asked = unknown + [w for w in self.absent if w not in unknown]  # no answer but "not listed" uses them
        self.known: set[str] = set()  # the words of the records and the question, when a value is asked for
        if self.absent:
            self.known = {w for r in records for w in checker.words(r.text)} | set(checker.words(question))
        self.said = amounts_in(question) if question else set()
        self.question = question
        self.passages = [t for t in data.policy_texts if not t.startswith(OPINION_PREFIX)]

    def about(self, sentence: str) -> list[str]:
        present = set(tokens(sentence))
        named = [pid for pid in self.records if pid in sentence]
        scored = [(len(words & present) / len(words), pid) for pid, words in self.names.items() if words]
        best = max((score for score, _ in scored), default=0.0)
        if best >= 0.5:
            named += [pid for score, pid in scored if score == best and pid not in named]
        if named:
            self._last = named
        return named or self._last or list(self.records)

    def check(self, sentence: str) -> ClaimReport:
        subjects = [self.records[pid] for pid in self.about(sentence)]
        report = self.checker.check(sentence, subjects, self.data.policy_texts, self.asked, self.said)
        if self.absent and not EPISTEMIC.search(sentence):
            new = [w for w in self.checker.words(sentence) if w not in self.known and not w.isdigit()]
            if new:  # "Le baudrier … est blanc." for a question about its colour, which its record lacks
                report.claims.append(Claim(f"{self.absent[0]}: {new[0]}", "value", False))
        if self.question and self.data.policy_docs:  # a yes or no to a policy question, against its clause
            answer = policy_answer(self.question, sentence, self.passages, self.checker.words)
            if answer is not None:
                said, clause, agrees = answer
                report.claims.append(Claim(f"{said}: {clause}", "policy", agrees, source=clause))
        self.report.extend(report)
        return report


def _name_words(title: str) -> set[str]:
    return {t for t in tokens(title) if len(t) > 2 and t not in STOP_WORDS}


def name_words(data: GroundingData) -> dict[str, set[str]]:
    """Each shown product's distinctive title words: how a sentence names a product without its id."""
    return {pid: _name_words(p.title) for pid, p in data.products.items()}


_LABEL_END = re.compile(r"\s[-\u2013\u2014:]\s|[,;(\n]|\s\$|\[")


def recite(sentence: str, names: dict[str, set[str]]) -> tuple[str, list[tuple[str, str]]]:
    """A cited id whose label names another shown product (``[208101] Green Tea Foaming Cleanser - $12.00``
    with 208101 the pu'er tea) is the wrong id: it is replaced by the product the label names, so claims are
    read against the right record and the customer's card link is the product described. The label is the words
    right after the bracket (up to a dash, a comma or a price) or right before it, as many as a title has; it
    names another product when it holds most of that one's title and clearly more of it than of the cited one's.
    ``names``: each shown product's title words (``name_words``)."""
    fixed: list[tuple[str, str]] = []

    def share(pid: str, after: list[str], before: list[str]) -> float:
        words = names[pid]
        if not words:
            return 0.0
        n = len(words) + 1  # "the" or a brand word before the title
        return max(len(words & set(after[:n])), len(words & set(before[-n:]))) / len(words)

    def replace(match: re.Match[str]) -> str:
        cited = match.group(1)
        if cited not in names:
            return match.group(0)
        rest = sentence[match.end() :]
        end = _LABEL_END.search(rest)
        after = tokens(rest[: end.start()] if end else rest[:80])
        head = sentence[: match.start()]
        before = tokens(head[max(head.rfind(c) for c in ",;:.\n]") + 1 :])
        own = share(cited, after, before)
        if own >= 0.75:
            return match.group(0)
        # a brand and a category word ("Trailhead ... Tent") are half of a sibling's title: the label names
        # the other product only when it holds clearly more of that one's title
        best = max(names, key=lambda pid: share(pid, after, before))
        if best != cited and share(best, after, before) >= max(0.75, own + 0.25):
            fixed.append((cited, best))
            return f"[{best}]"
        return match.group(0)

    return CITED_ID.sub(replace, sentence), fixed


class SentenceGate:
    """Releases a stream clause by clause, each only if it names nothing unknown and (with ``scope``) makes no
    product claim the data does not support: nothing unsupported reaches the customer, at the cost of a clause
    of latency."""

    def __init__(self, data: GroundingData, scope: ClaimScope | None = None) -> None:
        self.data = data
        self.scope = scope
        self._pending = ""
        self.dropped_sentences = 0
        self.cut: list[Claim] = []
        self.recited: list[tuple[str, str]] = []  # (id written, id of the product its label names)
        self._names = scope.names if scope is not None else name_words(data)  # read once, not per clause
        self._cutting = False  # a clause of this sentence was cut: its rest would be a fragment

    def feed(self, piece: str) -> str:
        self._pending += piece
        parts = _SENTENCE_END.split(self._pending)
        if len(parts) == 1:
            return ""
        *complete, self._pending = parts
        out = []
        held = ""
        for part in complete:
            held += part
            if _words(held) <= _HOLD_WORDS and not _ENDS_SENTENCE.search(held):
                continue  # "Yes," goes out with the clause it answers, or not at all
            out.append(self._pass(held))
            held = ""
        self._pending = held + self._pending
        return "".join(out)

    def finish(self) -> str:
        text, self._pending = self._pending, ""
        return self._pass(text) if text.strip() else text

    def _pass(self, sentence: str) -> str:
        if self._cutting:  # ", and are suitable for winter." after its subject was cut
            self._cutting = not _ENDS_SENTENCE.search(sentence)
            self.dropped_sentences += 1
            return ""
        sentence, fixed = recite(sentence, self._names)
        self.recited += fixed
        ok = check(sentence, self.data).ok
        if self.scope is not None and sentence.strip():
            claims = self.scope.check(sentence)
            if not claims.ok:
                self.cut.extend(claims.unsupported)
                ok = False
        if ok:
            return sentence
        self.dropped_sentences += 1
        self._cutting = not _ENDS_SENTENCE.search(sentence)
        return ""


_HOLD_WORDS = 3
_ENDS_SENTENCE = re.compile(r"[.!?\u3002\uff01\uff1f\n]\s*$")
# a sentence end, a clause end (comma, semicolon) or a line end (a list of products: one a line) after which a
# checked clause can already go out: claims and their negations are read clause by clause, so releasing clauses
# shows nothing a whole sentence would not. CJK punctuation is followed by no space.
_SENTENCE_END = re.compile(r"(?<=[.!?;,])(?=\s)|(?<=[\u3002\uff01\uff1f\uff1b\uff0c])|(?<=\n)")
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def _words(text: str) -> int:
    """Words of a clause; an ideographic script's words are about two characters and spaceless."""
    return len(text.split()) + len(_IDEOGRAPH.findall(text)) // 2
