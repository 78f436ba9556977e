"""A yes or no to a policy question, read against the clause of the shop's policies it is about (the generated
shops' own policy files, in English and German)."""

from __future__ import annotations

import pytest

from app.guard.policy_answers import policy_answer
from retrieval.language import stop_words
from retrieval.shops import pfoten, voltline
from retrieval.vocabulary import content_words, language_stem


def german(text: str) -> list[str]:
    return content_words(text, stop_words("de"), lambda w: language_stem("german", w))


@pytest.mark.parametrize(
    ("question", "reply", "agrees"),
    [
        ("Kann ich eine geöffnete Futterpackung zurückschicken?", "Ja, Sie können sie zurückschicken.", False),
        ("Kann ich eine geöffnete Futterpackung zurückschicken?", "Nein, geöffnetes Futter ist ausgeschlossen.", True),
        ("Kann ich ungeöffnete Artikel zurückgeben?", "Ja, innerhalb von 30 Tagen.", True),
        ("Kann ich ungeöffnete Artikel zurückgeben?", "Nein, das geht leider nicht.", False),
    ],
)
def test_a_german_answer_is_read_against_the_returns_clause(question: str, reply: str, agrees: bool) -> None:
    passages = [pfoten.POLICIES["rueckgabe"]]
    answer = policy_answer(question, reply, passages, german)
    assert answer is not None and answer[2] is agrees, answer


@pytest.mark.parametrize(
    ("question", "reply", "agrees"),
    [
        ("Do you match Amazon Marketplace prices?", "Yes, we match marketplace prices too.", False),
        ("Do you match Amazon Marketplace prices?", "No, marketplace sellers are not matched.", True),
        ("can I return a laptop I already opened?", "Yes, within 15 days with a 10% restocking fee.", True),
        ("can I return a laptop I already opened?", "No, opened laptops cannot be returned.", False),
    ],
)
def test_an_english_answer_is_read_against_the_clause_it_is_about(question: str, reply: str, agrees: bool) -> None:
    passages = [voltline.POLICIES["price_match"], voltline.POLICIES["returns"]]
    answer = policy_answer(question, reply, passages, content_words)
    assert answer is not None and answer[2] is agrees, answer


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("Can I return items?", "Yes, you can."),  # the closest clauses say yes and no: undecided
        ("How long do I have to return an item?", "Yes, 30 days."),  # not a yes/no question
        ("Can I return unopened items?", "You can, within 30 days."),  # no bare yes or no to read
        ("Can't I return opened items?", "No."),  # a negated question's no is a yes
        ("Do you sell gift cards?", "No, we don't."),  # no clause holds enough of the question
    ],
)
def test_nothing_is_decided_where_the_answer_or_the_clause_cannot_be_read(question: str, reply: str) -> None:
    passages = ["# Returns\n\n- Unopened items can be returned within 30 days.\n- Opened items cannot be returned."]
    assert policy_answer(question, reply, passages, content_words) is None
