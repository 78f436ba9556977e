"""A catalog in another language than English: read from its products, searched with its own BM25 and the
multilingual vector, its grammar words naming no product. Real encoders and the embedded Qdrant engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.config import Settings
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService
from retrieval.indexer import indexed_hash
from retrieval.language import ENGLISH, Language, detect, stop_words
from retrieval.search import query_route
from retrieval.vocabulary import ShopVocabulary
from tests.conftest import make_settings

Row = tuple[str, str, str, str, dict[str, Any]]
# a pet shop written in German (invented for this test; none of it is in any shop the repo generates)
GERMAN: list[Row] = [
    ("D1", "Hund > Futter", "Wildfang Lamm & Kartoffel Trockenfutter 12 kg",
     "Getreidefreies Trockenfutter mit Lamm und Kartoffeln für ausgewachsene Hunde.", {"getreidefrei": True}),
    ("D2", "Hund > Futter", "Wildfang Senior Huhn 4 kg",
     "Leicht verdauliches Futter für ältere Hunde ab sieben Jahren.", {"altersstufe": "Senior"}),
    ("D3", "Hund > Leinen", "Gassi Nylonleine 2 m für kleine Hunde",
     "Leichte Leine für kleine Hunde bis zehn Kilo.", {"material": "Nylon"}),
    ("D4", "Hund > Betten", "Schlummer Orthopädisches Hundebett XL",
     "Hundebett mit Memory-Schaum, der Bezug ist waschbar.", {"waschbar": True}),
    ("D5", "Katze > Streu", "Schnurr Klumpstreu Bentonit 15 l",
     "Stark klumpende Katzenstreu ohne Duftstoffe.", {"klumpend": True}),
    ("D6", "Katze > Kratzbäume", "Kletterwelt Kratzbaum 180 cm",
     "Stabiler Kratzbaum mit dicken Sisalstämmen für große Katzen.", {"material": "Sisal"}),
    ("D7", "Kleintier > Futter", "Hoppel Heu Bergwiese 1,5 kg",
     "Duftendes Bergwiesenheu für Kaninchen und Meerschweinchen.", {}),
    ("D8", "Aquaristik > Filter", "Aquaklar Innenfilter 400 l/h",
     "Leiser Innenfilter für Aquarien bis hundert Liter.", {}),
]  # fmt: skip


def _items(rows: list[Row]) -> list[dict[str, Any]]:
    return [{"id": i, "category": c, "title": t, "description": d, "attributes": a, "price": 10.0,
             "currency": "EUR", "in_stock": True} for i, c, t, d, a in rows]  # fmt: skip


def _products(rows: list[Row]) -> list[Product]:
    return [Product.model_validate(item) for item in _items(rows)]


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogService]:
    from app.wiring import build_catalog

    catalog = build_catalog(make_settings(tmp_path_factory.mktemp("german")))
    catalog.ingest_items(_items(GERMAN))
    yield catalog
    catalog.index.close()


def test_a_catalog_is_read_as_the_language_most_of_its_products_are_written_in() -> None:
    assert detect(_products(GERMAN)) == Language("de")
    english: list[Row] = [("E1", "Audio", "Wireless Headphones", "Over-ear headphones with 30 hours of battery.", {}),
               ("E2", "Kitchen", "Electric Kettle", "A fast-boil kettle with automatic shut-off.", {})]  # fmt: skip
    assert detect(_products(english)) == ENGLISH
    # a few titles in another script do not make an English catalog Chinese
    mixed = english * 4 + [("Z1", "Tea", "云南普洱茶", "Aged pu'er tea from Yunnan, 357 g cake.", {})]
    assert detect(_products(mixed)) == ENGLISH
    assert detect([]) == ENGLISH
    french: list[Row] = [
        ("F1", "Cuisine", "Bouilloire électrique 1,7 l", "Une bouilloire avec arrêt automatique.", {}),
        ("F2", "Mode", "Robe d'été en lin", "Robe légère pour les journées chaudes.", {}),
    ]
    spanish: list[Row] = [
        ("S1", "Cocina", "Cafetera espresso", "Cafetera con vaporizador de leche para dos tazas.", {}),
        ("S2", "Deporte", "Zapatillas de running", "Zapatillas para mujer con suela de goma.", {}),
    ]
    assert detect(_products(french)) == Language("fr") and detect(_products(spanish)) == Language("es")
    cyrillic: list[Row] = [("R1", "Аудио", "Беспроводные наушники", "Наушники с шумоподавлением.", {})]  # noqa: RUF001
    assert detect(_products(cyrillic)) == Language("ru")  # a script of its own


def test_the_shop_language_setting_takes_only_languages_search_can_serve(tmp_path: Path) -> None:
    assert Settings(_env_file=None, data_dir=tmp_path, shop_language="de").shop_language == "de"
    with pytest.raises(ValidationError, match="unsupported shop language"):
        Settings(_env_file=None, data_dir=tmp_path, shop_language="xx")


def test_a_german_catalog_is_searched_with_german_bm25_and_the_multilingual_vector(german: CatalogService) -> None:
    assert german.searcher.catalog_language() == Language("de")
    assert german.describe()["encoders"]["sparse"] == "bm25-german"
    assert query_route("Heu für Meerschweinchen", german.searcher.catalog_language()) == "multilingual"
    cases = {  # German stems and stop words: "für" and "mit" match nothing, "Hunde" meets "Hund"
        "Heu für Meerschweinchen": "D7",
        "getreidefreies Trockenfutter für Hunde": "D1",
        "Hundebett waschbar": "D4",
        "Kratzbaum für große Katzen": "D6",
    }
    for text, expected in cases.items():
        result = german.search(text, limit=3)
        assert result.route == "multilingual"
        assert result.hits[0].product.id == expected, (text, [h.product.title for h in result.hits])
    sparse = german.search("Katzenstreu klumpend", limit=3, mode="sparse")
    assert sparse.hits and sparse.hits[0].product.id == "D5"


def test_the_grammar_words_of_the_catalog_language_name_no_product() -> None:
    products = _products(GERMAN)
    plain = ShopVocabulary.build(products)
    german = ShopVocabulary.build(products, stop_words("de"))
    # without German stop words "für" names the one title that holds it (the leash) for any message with it
    assert "D3" in [pid for pid, _ in plain.named("Heu für Meerschweinchen")]
    assert "D3" not in [pid for pid, score in german.named("Heu für Meerschweinchen") if score >= 0.5]
    assert "für" not in german.words("Kratzbaum für große Katzen")
    assert stop_words("en") == frozenset()


def test_a_catalog_read_in_another_language_is_indexed_anew(tmp_path: Path) -> None:
    from app.wiring import build_catalog

    product = _products(GERMAN)[0]
    assert indexed_hash(product, ENGLISH) == product.content_hash()  # English indexes keep their hashes
    assert indexed_hash(product, Language("de")) != product.content_hash()
    # the same German feed under a fixed English setting, then read as German: every product is re-embedded
    english = build_catalog(make_settings(tmp_path, shop_language="en"))
    try:
        assert english.ingest_items(_items(GERMAN)).report.written == len(GERMAN)
        assert english.ingest_items(_items(GERMAN)).report.written == 0
    finally:
        english.index.close()
    auto = build_catalog(make_settings(tmp_path))
    try:
        assert auto.ingest_items(_items(GERMAN)).report.written == len(GERMAN)
        assert auto.ingest_items(_items(GERMAN)).report.written == 0
    finally:
        auto.index.close()


@pytest.mark.parametrize(
    ("text", "greeting"),
    [("Hallo", True), ("¡Hola!", True), ("Bonjour", True), ("Danke schön", True), ("hi there", True),
     ("asdfgh", False), ("Hallo, ich suche Katzenstreu", False), ("Halsband", False)],
)  # fmt: skip
def test_greetings_are_known_in_the_languages_a_catalog_may_be_written_in(text: str, greeting: bool) -> None:
    from app.assistant.intents import GREETING_CUE

    assert bool(GREETING_CUE.match(text)) is greeting


def test_words_of_any_latin_script_are_one_token_and_stemmed_in_the_catalog_language() -> None:
    from retrieval.vocabulary import tokens

    assert tokens("Käfig für große Katzen, café") == ["käfig", "für", "große", "katzen", "café"]
    german = ShopVocabulary.build(_products(GERMAN), stop_words("de"), "german")
    assert german.words("Leine für Hunde") == german.words("Leinen Hund") == ["lein", "hund"]  # one stem each
    # the category a message names by its stems: "Leine" is the leaf "Leinen" of Hund
    assert german.category_for(german.words("eine Leine für kleine Hunde")) == ("Hund > Leinen", 2)
    english = ShopVocabulary.build(_products(GERMAN))
    assert english.words("dresses") == ["dress"]  # English keeps its own light plural stem


def test_numbers_alone_name_no_product_and_a_top_level_word_breaks_a_category_tie() -> None:
    rows: list[Row] = [
        ("H1", "Kleintier > Einstreu", "Hoppel Hanfeinstreu 20 l", "Staubarme Einstreu aus Hanf.", {}),
        ("C1", "Katze > Trockenfutter", "Miezi Ente 2 kg", "Trockenfutter mit Ente.", {}),
        ("D1", "Hund > Trockenfutter", "Wildfang Huhn 4 kg", "Trockenfutter mit Huhn.", {}),
    ]
    vocabulary = ShopVocabulary.build(_products(rows), stop_words("de"), "german")
    assert vocabulary.named("Trockenfutter unter 20 €") == []  # "20" is in a title, but names nothing alone
    assert vocabulary.named("das Hoppel Hanfeinstreu 20 l")[0][0] == "H1"
    # "Trockenfutter" is a leaf of both animals: the animal named tells them apart
    assert vocabulary.category_for(vocabulary.words("Trockenfutter für Katzen")) == ("Katze > Trockenfutter", 2)
    assert vocabulary.category_for(vocabulary.words("Trockenfutter")) is None  # a tie with nothing to break it
