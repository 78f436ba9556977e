"""A yes or a no to a policy question, checked against the clause of the shop's policies the question is about:
"Yes, you can return opened food" against "Opened food is excluded from returns for hygiene reasons" is a
promise the shop does not make, and is cut like any other unsupported claim.

The clause is the one of the passages shown that holds most of the question's content words (a compound holds
the word it starts with: "Futterpackung" holds "Futter"); it says no when it carries a negation or an exclusion.
Where the best clauses disagree, or hold too little of the question, nothing is decided: the check only cuts
answers it can read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.guard.claim_terms import NEGATION, POLAR, QUESTION_VERBS

# how a reply opens a yes or a no, in the languages the catalog may be in
YES = re.compile(
    r"^\W*(?:yes|yeah|yep|sure|of course|absolutely|certainly|ja|jawohl|klar|natürlich|selbstverständlich|oui|"
    r"bien sûr|sí|claro|por supuesto|certo|certamente|sicuro|natuurlijk|zeker)\b|^\W*(?:是的|可以|能)",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\W*(?:no|nope|unfortunately(?:,)? not|nein|leider (?:nein|nicht)|non|nee|helaas niet)\b|^\W*(?:不|不能|不可以)",
    re.IGNORECASE,
)
# a clause that says no: a negation (``NEGATION``), or an exclusion in the words policies use for one
DENIES = re.compile(
    r"\b(?:excluded|exempt|non-returnable|final sale|ausgeschlossen|aucun\w*|exclu\w*|ningun\w*|excluid\w*|"
    r"mai|esclus\w*|uitgesloten)\b",
    re.IGNORECASE,
)
_CLAUSES = re.compile(r"(?<=[.!?;:])\s+|\n+|^\s*[-*]\s+", re.MULTILINE)
MIN_SHARED = 2  # content words of the question a clause must hold to be the one it is about
MIN_SHARE = 0.5  # and at least this share of them
_PART = 4  # letters a word must have to count inside a compound ("Futter" in "Futterpackung")


def _shares(word: str, other: str) -> bool:
    """The same word, or one a compound starts with; not one it ends with ("ungeöffnet" is not "geöffnet")."""
    if word == other:
        return True
    short, long = sorted((word, other), key=len)
    return len(short) >= _PART and long.startswith(short)


def _denies(clause: str) -> bool:
    return bool(NEGATION.search(clause) or DENIES.search(clause))


def policy_answer(
    question: str, sentence: str, passages: Sequence[str], words: Callable[[str], list[str]]
) -> tuple[str, str, bool] | None:
    """(the answer, "yes" or "no"; the policy clause it is about; whether that agrees) for a sentence that opens
    with a yes or a no to a yes/no ``question``; None when there is no such answer, or no clause to read it
    against. ``words``: content words (stems) in the catalog's language."""
    said_yes, said_no = bool(YES.search(sentence)), bool(NO.search(sentence))
    if said_yes == said_no or not POLAR.search(question) or _denies(question):
        return None  # not a bare yes or no, or a negated question ("can't I …?") whose yes means no
    asked = [w for w in dict.fromkeys(words(question)) if w not in QUESTION_VERBS]
    if not asked:
        return None
    scored: list[tuple[int, str]] = []
    for passage in passages:
        for clause in _CLAUSES.split(passage):
            clause = clause.strip().lstrip("#").strip()
            held = set(words(clause))
            shared = sum(1 for w in asked if any(_shares(w, h) for h in held))
            if clause and shared:
                scored.append((shared, clause))
    if not scored:
        return None
    best = max(shared for shared, _ in scored)
    if best < MIN_SHARED or best < MIN_SHARE * len(asked):
        return None
    verdicts = {_denies(clause) for shared, clause in scored if shared == best}
    if len(verdicts) > 1:  # the closest clauses say yes and no ("unopened … can", "opened … cannot"): undecided
        return None
    clause = next(clause for shared, clause in scored if shared == best)
    return ("yes" if said_yes else "no"), clause, said_no if verdicts.pop() else said_yes
