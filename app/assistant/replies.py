"""The words of the replies the assistant writes from data alone, in the customer's language: one file per
language under ``prompts/replies/`` (``en.toml``, ``de.toml`` …), chosen per turn by ``for_turn``."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.assistant.context import currency_symbol
from retrieval.language import Language, detect_text

REPLIES_DIR = Path(__file__).resolve().parents[2] / "prompts" / "replies"
FALLBACK = "en"  # the language of a shop or message that has no file


@dataclass(frozen=True)
class Replies:
    """One language's reply texts (``say``), words (``word``) and number format (``money``)."""

    code: str
    texts: dict[str, str]
    words: dict[str, str]
    decimal: str
    money_format: str
    lowercase_topics: bool

    def say(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)

    def word(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def items(self, n: int) -> str:
        return self.word("items_one" if n == 1 else "items_other", n=n)

    def money(self, amount: float, currency: str) -> str:
        """``$9.94`` in English, ``9,94 €`` in German: the amount as this language writes it, never a
        thousands separator (a figure the grounding check reads back the same in any language)."""
        figure = f"{amount:.2f}".replace(".", self.decimal)
        symbol = currency_symbol(currency)
        return self.money_format.format(symbol=symbol, amount=figure) if symbol else f"{figure} {currency}"

    def topic(self, title: str) -> str:
        """A policy's title as it reads inside a sentence ("our returns policies"; German keeps its capitals)."""
        return title.lower() if self.lowercase_topics else title

    def listing(self, names: list[str]) -> str:
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + f" {self.word('and')} " + names[-1]


@functools.cache
def replies(code: str) -> Replies:
    """The replies of language ``code``, or English where there is no file for it."""
    path = REPLIES_DIR / f"{code if code in languages() else FALLBACK}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fmt = data["format"]
    return Replies(path.stem, dict(data["replies"]), dict(data["words"]), fmt["decimal"], fmt["money"],
                   bool(fmt["lowercase_topics"]))  # fmt: skip


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages that have replies of their own."""
    return tuple(sorted(p.stem for p in REPLIES_DIR.glob("*.toml")))


def for_turn(message: str, shop: Language) -> Replies:
    """The replies for one turn: the language the message is clearly written in when it has a file (a
    Chinese question in an English shop), else the catalog's (the short "linen dress", "Hallo")."""
    written = detect_text(message)
    if written is not None and written.code in languages():
        return replies(written.code)
    return replies(shop.code)
