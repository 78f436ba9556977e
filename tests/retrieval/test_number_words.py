"""Numbers written as words, read as the figures titles write."""

from __future__ import annotations

from retrieval.number_words import numbers_in


def test_figures_and_the_number_words_of_the_catalogs_language_are_read_as_digits() -> None:
    assert numbers_in("Avez-vous une tente deux places ?", "french") == {"2"}
    assert numbers_in("ein Zelt für zwei Personen und 3 Taschen", "german") == {"2", "3"}
    assert numbers_in("a tent for two", "french") == {"2"}  # English's words too
    assert numbers_in("une tente", "french") == set()  # the article is no number
    assert numbers_in("Sac à dos 30 L, 9,8 mm", "french") == {"30"}  # a decimal is no whole number


def test_a_word_of_another_language_is_no_number_here() -> None:
    assert numbers_in("un sac à dos", "french") == set()  # "dos" is two only in Spanish
    assert numbers_in("dos mochilas", "spanish") == {"2"}
