"""Compound words read as the catalog words they are made of: a German shopper types "Hundefutter" where the
catalog says "Hund > Futter", "Katzenspielzeug" for "Katze > Spielzeug". In a language that writes compounds as
one word, a message word the catalog does not use is split into words it does (with the linking letters such
compounds put between their parts: Hund-e-futter, Katze-n-spielzeug), so it names the catalog's category and
words; a word the catalog uses is never split ("Rollleine" stays one)."""

from __future__ import annotations

from collections.abc import Callable, Collection

# the Snowball / BM25 names of the languages that join compounds into one word
COMPOUNDING = frozenset({"german", "dutch", "swedish", "danish", "norwegian", "finnish", "hungarian"})
LINKS = ("", "s", "es", "n", "en", "e", "er", "ens")  # letters a compound's part may end with before the next
PART = 3  # the fewest letters a part may have
PARTS = 3  # the most parts one word is read as ("Katzen-trocken-futter")


def split_compound(word: str, known: Collection[str], stem: Callable[[str], str], parts: int = PARTS) -> list[str]:
    """The known words ``word`` is made of, as written in it ("hundefutter" → "hunde", "futter": a part counts as
    known by its stem, a linking letter may stay with it), the first part as long as it can be; [] when it is
    no compound of them. ``known``: the catalog's stems; ``stem``: the language's stemmer."""
    if len(word) < 2 * PART or parts < 2:
        return []
    for cut in range(len(word) - PART, PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        for link in LINKS:
            base = head[: len(head) - len(link)] if link else head
            if (link and not head.endswith(link)) or len(base) < PART or stem(base) not in known:
                continue
            if len(tail) >= PART and stem(tail) in known:
                return [base, tail]
            rest = split_compound(tail, known, stem, parts - 1)
            if rest:
                return [base, *rest]
    return []
