"""Replies written from data, in the customer's language: the language files agree with English, each turn
picks the language its message is written in (else the catalog's), and what they write stays checkable."""

from __future__ import annotations

import json
import re
import string
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.assistant import templates
from app.assistant.grounding import GroundingData, check
from app.assistant.replies import REPLIES_DIR, for_turn, languages, replies
from app.assistant.tools import OrderView, return_status
from app.store.commerce import Order, OrderItem
from retrieval.catalog import Product
from retrieval.language import ENGLISH, Language, detect_text

DIALOGS = Path(__file__).resolve().parents[2] / "eval" / "data" / "shops"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def table(code: str) -> dict[str, dict[str, object]]:
    return tomllib.loads((REPLIES_DIR / f"{code}.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", [c for c in languages() if c != "en"])
def test_every_language_has_the_english_keys_and_placeholders(code: str) -> None:
    english, other = table("en"), table(code)
    for section in ("format", "words", "replies"):
        assert set(other[section]) == set(english[section]), section
    for section in ("words", "replies"):
        for key, text in english[section].items():
            assert fields(str(other[section][key])) == fields(str(text)), (code, key)


@pytest.mark.parametrize("code", languages())
def test_each_language_says_not_in_the_listing_in_words_the_check_reads(code: str) -> None:
    dress = Product(id="P0001", title="Kleid", price=49.9, currency="EUR", attributes={"farbe": "rot"})
    assert templates.says_not_in_listing(templates.not_in_listing(replies(code), [dress]))
    said = templates.not_in_listing(replies(code), [dress], said=True)
    assert not templates.says_not_in_listing(said) and "[P0001]" in said


@pytest.mark.parametrize(
    ("message", "shop", "expected"),
    [
        ("Wo ist meine Bestellung B-2026-00012?", ENGLISH, "de"),
        ("Do you have this in a size M?", Language("de"), "en"),
        ("Katzenstreu aus Holz", Language("de"), "de"),  # no grammar words to tell: the catalog's
        ("Hallo", Language("de"), "de"),
        ("PG.00417-B", Language("fr"), "fr"),
        ("有没有适合夏天的连衣裙？", ENGLISH, "zh"),
        ("Est-ce que vous livrez en Belgique ?", ENGLISH, "fr"),
        ("linen dress", Language("sv"), "en"),  # no Swedish replies: English
    ],
)
def test_a_turn_replies_in_the_language_its_message_is_written_in(message: str, shop: Language, expected: str) -> None:
    assert for_turn(message, shop).code == expected


def turns(shop: str) -> list[str]:
    lines = (DIALOGS / f"{shop}.jsonl").read_text(encoding="utf-8").splitlines()
    return [t["user"] for line in lines if line.strip() for t in json.loads(line)["turns"]]


@pytest.mark.parametrize("shop", ["boutique", "voltline", "greenleaf"])
def test_no_english_question_of_the_frozen_dialogs_reads_as_another_latin_language(shop: str) -> None:
    read = {message: detect_text(message) for message in turns(shop)}
    foreign = {m: lang.code for m, lang in read.items() if lang is not None and lang.code not in ("en", "zh")}
    assert not foreign
    for message, lang in read.items():
        if lang is not None and lang.code == "zh":
            assert re.search(r"[\u4e00-\u9fff]", message), message


def test_no_german_question_of_the_frozen_dialogs_reads_as_english() -> None:
    read = [(m, detect_text(m)) for m in turns("pfoten")]
    assert not [m for m, lang in read if lang is not None and lang.code != "de"]
    assert sum(1 for _, lang in read if lang is not None) >= len(read) // 2  # most are told, not defaulted


def order(status: str, delivered_days_ago: int | None = None) -> Order:
    now = datetime.now(UTC)
    delivered = now - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    return Order(id="B-2026-00012", customer_id="K000001", status=status, total=1299.5, currency="EUR",
                 items=[OrderItem(product_id="PG.00417-B", quantity=2, unit_price=649.75)],
                 placed_at=now - timedelta(days=30), delivered_at=delivered, tracking_number="DE123456789")  # fmt: skip


def test_a_german_order_reply_holds_the_record_in_german_words() -> None:
    views = [OrderView(o, *return_status(o, 30)) for o in (order("delivered", 3), order("processing"))]
    text = templates.orders(replies("de"), views, [], needs_login=False)
    delivered, processing = text.splitlines()
    assert "1299,50 €" in delivered and "2 Artikel" in delivered and "DE123456789" in delivered
    assert "zugestellt" in delivered and "möglich bis" in delivered
    assert "in Bearbeitung" in processing and "storniert" in processing  # can be cancelled at no cost
    english = templates.orders(replies("en"), views[:1], [], needs_login=False)
    assert "€1299.50" in english and "eligible until" in english


def test_the_return_window_decides_what_an_order_reply_says() -> None:
    ended = order("delivered", 60)
    assert return_status(ended, 30)[:2] == (False, "ended")
    assert return_status(order("delivered", 3), 30)[:2] == (True, "open")
    assert OrderView(ended, *return_status(ended, 30)).return_note.startswith("return window ended")


@pytest.mark.parametrize("code", languages())
def test_prices_a_language_writes_are_read_back_by_the_grounding_check(code: str) -> None:
    items = [Product(id="PG.00417-B", title="Futter", price=1299.5, currency="EUR"),
             Product(id="PG.00418-B", title="Napf", price=16.99, currency="EUR")]  # fmt: skip
    unpriced = GroundingData(products={p.id: p for p in items})
    priced = GroundingData(products={p.id: p for p in items})
    priced.allow_amounts(p.price for p in items)
    for text, amounts in ((templates.products(replies(code), items), [1299.5, 16.99]),
                          (templates.not_in_listing(replies(code), items), [1299.5])):  # fmt: skip
        assert check(text, unpriced).unsupported_amounts == amounts, (code, text)  # each price is read
        assert check(text, priced).ok, (code, text)


def test_a_yes_no_attribute_is_said_in_the_reply_language() -> None:
    kettle = Product(id="VL-1", title="Kessel", price=20.0, currency="EUR", attributes={"spülmaschinenfest": False})
    assert "spülmaschinenfest: nein" in templates.not_in_listing(replies("de"), [kettle])
    assert "no spülmaschinenfest" in templates.not_in_listing(replies("en"), [kettle])


@pytest.mark.parametrize("code", languages())
def test_a_sold_out_reply_names_it_then_offers_what_is_in_stock_of_its_kind(code: str) -> None:
    gone = Product(id="PG.00534-A", title="Gassi Rollleine 8 m", price=29.99, currency="EUR", in_stock=False)
    other = Product(id="PG.00521-C", title="Gassi Nylonleine 2 m", price=12.99, currency="EUR")
    text = templates.sold_out(replies(code), [gone], [other])
    assert text.index("[PG.00534-A]") < text.index("[PG.00521-C]") and replies(code).money(12.99, "EUR") in text
    alone = templates.sold_out(replies(code), [gone])
    assert "[PG.00534-A]" in alone and "[PG.00521-C]" not in alone
