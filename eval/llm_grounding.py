"""LLM grounding smoke eval: does the model pick the right product from cards and invent no ids?

A dead or broken model looks like a fast one; this suite checks replies name real, correct products.
Cases are generated deterministically (seeded) from small product-card sets; the right answer is
computed from the cards, never from a model.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from app.llm.prompts import load_prompt
from app.llm.service import LLMService

ID_PATTERN = re.compile(r"\[?\b(P\d{3})\b\]?")
COLOURS = ["red", "navy", "black", "ivory", "green", "mustard", "grey", "pink"]
KINDS = ["wrap dress", "knit sweater", "linen blouse", "denim jacket", "pleated skirt", "jogger pants"]


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    colour: str
    price: float


@dataclass(frozen=True)
class Case:
    cards: list[Card]
    question: str
    expected: str


def build_cases(count: int = 12, seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        colours = rng.sample(COLOURS, 4)
        cards = [
            Card(
                id=f"P{rng.randrange(100, 1000)}",
                title=f"{colour.title()} {rng.choice(KINDS)}",
                colour=colour,
                price=round(rng.uniform(19, 180), 2),
            )
            for colour in colours
        ]
        if n % 2 == 0:
            target = min(cards, key=lambda c: c.price)
            question = "Which of these is the cheapest? Answer with its id."
        else:
            target = rng.choice(cards)
            question = f"Do you have something in {target.colour}? Answer with its id."
        cases.append(Case(cards=cards, question=question, expected=target.id))
    return cases


async def _answer(llm: LLMService, system: str, case: Case) -> str:
    user = load_prompt("eval_grounding_user").render(cards=case.cards, question=case.question)
    completion = await llm.complete([SystemMessage(system), HumanMessage(user)], max_tokens=48, temperature=0)
    return completion.text


def score(case: Case, reply: str) -> tuple[bool, list[str]]:
    """(the expected id is named, ids named that are not on the cards)."""
    named = set(ID_PATTERN.findall(reply))
    known = {card.id for card in case.cards}
    return case.expected in named, sorted(named - known)


async def evaluate(llm: LLMService, shop_name: str, count: int = 12) -> dict[str, Any]:
    system = load_prompt("assistant_system").render(
        shop_name=shop_name, shop_description="an online clothing shop", short_refs=False
    )
    cases = build_cases(count)
    replies = [await _answer(llm, system, case) for case in cases]
    correct = invented = 0
    for case, reply in zip(cases, replies, strict=True):
        hit, unknown = score(case, reply)
        correct += hit
        invented += bool(unknown)
    return {
        "cases": len(cases),
        "accuracy": correct / len(cases),
        "invented_id_rate": invented / len(cases),
    }


def run(llm: LLMService, shop_name: str, count: int = 12) -> dict[str, Any]:
    return asyncio.run(evaluate(llm, shop_name, count))
