from __future__ import annotations

from typing import Any

from app.llm.service import LLMService
from eval.llm_grounding import Card, Case, build_cases, evaluate, score
from tests.conftest import Runner


def test_cases_are_deterministic_and_answers_come_from_the_cards() -> None:
    first, second = build_cases(8), build_cases(8)
    assert first == second
    for n, case in enumerate(first):
        ids = [card.id for card in case.cards]
        assert case.expected in ids
        if n % 2 == 0:
            assert case.expected == min(case.cards, key=lambda c: c.price).id


def test_score_detects_correct_and_invented_ids() -> None:
    case = Case(cards=[Card("P100", "a", "red", 1.0), Card("P200", "b", "red", 2.0)], question="?", expected="P200")
    assert score(case, "Try [P200], it is lovely.") == (True, [])
    assert score(case, "P100 is cheapest") == (False, [])
    assert score(case, "I suggest [P999] or [P200].") == (True, ["P999"])


def test_suite_runs_against_the_real_model(llm: LLMService, aio: Runner[Any]) -> None:
    figures = aio(evaluate(llm, "Test Shop", count=4))
    assert figures["cases"] == 4
    assert 0.0 <= figures["accuracy"] <= 1.0
    assert 0.0 <= figures["invented_id_rate"] <= 1.0
