"""Compounds read as the catalog words they are made of, in a language that writes them as one word."""

from __future__ import annotations

from retrieval.catalog import Product
from retrieval.compounds import split_compound
from retrieval.language import stop_words
from retrieval.vocabulary import ShopVocabulary, language_stem


def german(word: str) -> str:
    return language_stem("german", word)


KNOWN = {german(w) for w in ("Hund", "Katze", "Futter", "Trockenfutter", "Spielzeug", "Leine", "Aquarien", "Filter")}


def stems(word: str) -> list[str]:
    """The parts of ``word``, each as the known word it stems to."""
    by_stem = {german(w): w for w in ("Hund", "Katze", "Futter", "Trockenfutter", "Spielzeug")}
    return [by_stem.get(german(part), part) for part in split_compound(word, KNOWN, german)]


def test_a_compound_is_split_into_the_known_words_it_is_made_of_with_its_linking_letters() -> None:
    assert stems("hundefutter") == ["Hund", "Futter"]  # Hund-e-futter
    assert stems("katzenspielzeug") == ["Katze", "Spielzeug"]  # Katze-n-spielzeug
    assert stems("katzentrockenfutter") == ["Katze", "Trockenfutter"]  # the longest known first part
    assert split_compound("aquarienfilter", KNOWN, german) == ["aquarien", "filter"]


def test_a_word_of_no_known_parts_is_not_split() -> None:
    assert split_compound("regenmantel", KNOWN, german) == []
    assert split_compound("hundxyz", KNOWN, german) == []  # a known head and an unknown rest
    assert split_compound("hund", KNOWN, german) == []  # too short to be two parts


def shop(language: str) -> ShopVocabulary:
    products = [
        Product(id="1", title="Wildfang Trockenfutter Lamm", price=9.0, category="Hund > Futter"),
        Product(id="2", title="Gassi Rollleine 8 m", price=19.0, category="Hund > Leinen"),
        Product(id="3", title="Miezi Federangel", price=5.0, category="Katze > Spielzeug"),
    ]
    stop = stop_words("de") if language == "german" else frozenset()
    return ShopVocabulary.build(products, stop, language)


def test_a_german_catalog_reads_a_compound_it_does_not_use_as_its_parts() -> None:
    vocabulary = shop("german")
    assert vocabulary.message_words("Habt ihr Hundefutter?") == [german("hund"), german("futter")]
    assert [german(p) for p in vocabulary.compound_parts("Habt ihr Hundefutter?")] == [german("hund"), german("futter")]
    assert vocabulary.category_for(vocabulary.message_words("Katzenspielzeug")) == ("Katze > Spielzeug", 2)
    # a word the catalog itself uses is never split, though its parts are words too
    assert vocabulary.message_words("Rollleine") == [german("rollleine")]
    assert vocabulary.compound_parts("Rollleine Trockenfutter") == []


def test_an_english_catalog_splits_nothing() -> None:
    vocabulary = shop("english")
    assert vocabulary.message_words("dogfood") == vocabulary.words("dogfood")
    assert vocabulary.compound_parts("dogfood") == []


def test_a_grammar_word_of_the_language_list_that_names_a_category_is_a_word_of_the_catalog() -> None:
    products = [
        Product(id="1", title="Tente Bivouac 2 places", price=159.0, category="Camping > Tentes"),
        Product(id="2", title="Sac à dos Cordée 30 L", price=79.0, category="Randonnée > Sacs à dos"),
    ]
    vocabulary = ShopVocabulary.build(products, stop_words("fr"), "french")
    assert {"tente", "dos"} <= stop_words("fr")  # stopwords-iso's French list holds them
    words = vocabulary.message_words("une grande tente pour partir avec un sac à dos")
    assert language_stem("french", "tente") in words and "dos" in words
    assert "à" not in words and "pour" not in words  # the grammar between a category's nouns stays grammar
