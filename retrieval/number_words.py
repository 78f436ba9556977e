"""Numbers as a shopper writes them: "2" or "two", "deux", "zwei" (two to twelve, in the languages the replies
come in; "one" and its kin are left out, as they are also the article: "une tente"). A title writes the figure
("Tente 2 places"), so a message's number words name it as its digits would."""

from __future__ import annotations

import re

_WORDS = {
    "english": "two three four five six seven eight nine ten eleven twelve",
    "french": "deux trois quatre cinq six sept huit neuf dix onze douze",
    "german": "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "spanish": "dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "italian": "due tre quattro cinque sei sette otto nove dieci undici dodici",
    "dutch": "twee drie vier vijf zes zeven acht negen tien elf twaalf",
}
NUMBER_WORDS = {language: {w: n for n, w in enumerate(words.split(), start=2)} for language, words in _WORDS.items()}
_FIGURE = re.compile(r"(?<![\w.,])\d+(?![\w.,]\d)")
_WORD = re.compile(r"[^\W\d_]+")


def numbers_in(text: str, language: str = "english") -> set[str]:
    """The whole numbers ``text`` writes, as digits: its figures and the number words of the catalog's language
    (and English's)."""
    words = {**NUMBER_WORDS["english"], **NUMBER_WORDS.get(language, {})}
    found = set(_FIGURE.findall(text))
    found |= {str(words[w]) for w in _WORD.findall(text.lower()) if w in words}
    return found
