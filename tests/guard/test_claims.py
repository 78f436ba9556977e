"""The claim checker against real records of two shops of different trades (no model involved): each claim the
issue found invented is caught, what the record states passes, and a sentence that denies something is read as
denying it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.copywriter.validate import check_copy
from app.guard.claims import ClaimChecker, Record
from retrieval.catalog import Product
from retrieval.feeds import read_feed
from retrieval.shops.voltline import write_voltline
from retrieval.vocabulary import ShopVocabulary


@pytest.fixture(scope="module")
def voltline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Product]:
    store = tmp_path_factory.mktemp("voltline")
    write_voltline(store)
    return {p.id: p for p in read_feed((store / "products.jsonl").read_bytes(), "jsonl").products}


@pytest.fixture(scope="module")
def checker(voltline: dict[str, Product]) -> ClaimChecker:
    return ClaimChecker(ShopVocabulary.build(voltline.values()))


@pytest.mark.parametrize(
    ("product_id", "sentence", "unsupported"),
    [
        ("VL-TN-0101", "The Trailhead dome tent is designed for 1 person.", {"1 person"}),
        ("VL-EM-0101", "The Crema Duo comes in black and white.", {"black", "white"}),
        ("VL-KT-0101", "The kettle is 65W.", {"65W"}),
        ("VL-EB-0101", "They are great for swimming.", {"for swimming"}),
        ("VL-HP-0103", "It has active noise cancelling.", {"noise cancelling"}),
        ("VL-KT-0101", "The Heart kettle boils fast.", {"Heart"}),
        ("VL-KT-0101", "It is gentle on the skin and helps reduce inflammation.", {"health claim"}),
        ("VL-MN-0101", "It is in stock now.", {"in stock"}),
        ("VL-SP-0102", "It is not waterproof.", {"waterproof"}),
        ("VL-HP-0101", "It doesn't have noise cancelling.", {"noise cancelling"}),
        ("VL-MN-0101", "Yes, the Raptor 27 QHD Gaming Monitor is available.", {"in stock"}),
        ("VL-EB-0101", "They are IPX4, so they work up to 4 meters under water.", {"4 meters"}),
        ("VL-EM-0101", "It comes in a variety of colours.", {"a variety of colours"}),
        ("VL-KT-0101", "The kettle is lead-free.", {"lead-free"}),
        ("VL-KT-0101", "It is safe for anyone with a nickel allergy.", {"allergy safe"}),
        ("VL-SB-0101", "A cozy, 5C sleeping bag.", {"5C"}),  # the record's -5 °C: the sign is part of the number
        ("VL-TN-0101", "Great for camping in all seasons.", {"all seasons"}),  # its record: 3-season
        ("VL-KT-0101", "It shuts off automatically to conserve energy.", {"energy efficient"}),
        ("VL-KT-0101", "It helps you unwind after a long day.", {"wellbeing claim"}),
        ("VL-HD-0101", "Ionic technology for deep cleansing.", {"care benefit"}),
    ],
)
def test_invented_facts_are_caught(
    checker: ClaimChecker, voltline: dict[str, Product], product_id: str, sentence: str, unsupported: set[str]
) -> None:
    report = checker.check(sentence, [Record.of(voltline[product_id])])
    assert {c.text for c in report.unsupported} == unsupported, report.claims


@pytest.mark.parametrize(
    ("product_id", "sentence"),
    [
        ("VL-TN-0101", "The Trailhead 4-Person Dome Tent sleeps four people."),
        ("VL-KT-0101", "It draws 2200 W, or 2.2 kW, and holds 1.7 litres."),
        ("VL-HP-0101", "The QuietPro 700 has noise cancelling and 30 hours of battery."),
        ("VL-HP-0103", "It is not noise cancelling."),
        ("VL-EB-0101", "They are splash resistant (IPX4) but not for swimming."),
        ("VL-EM-0101", "The listing doesn't say whether it comes in black."),
        ("VL-SP-0102", "It is waterproof."),
        ("VL-MN-0101", "It is out of stock at the moment."),
        ("VL-HP-0101", "The listing doesn't say how much it weighs, but it has noise cancelling."),
        ("VL-KT-0101", "It works only with 1.7 litres and 2200 W."),
        ("VL-HP-0101", "It comes in several colours and has noise cancelling."),
        ("VL-EB-0101", "They are IPX4 splash resistant, without noise cancelling."),
        ("VL-SB-0101", "It is comfortable down to -5 °C and weighs 1.3 kg."),
        ("VL-TN-0101", "It is a 3-season tent for four people."),
    ],
)
def test_what_the_record_states_passes(
    checker: ClaimChecker, voltline: dict[str, Product], product_id: str, sentence: str
) -> None:
    report = checker.check(sentence, [Record.of(voltline[product_id])])
    assert report.ok and report.claims, report.claims


def test_a_policy_passage_shown_supports_its_numbers(checker: ClaimChecker, voltline: dict[str, Product]) -> None:
    record = Record.of(voltline["VL-HP-0101"])
    sentence = "It comes with a 1-year warranty."
    assert not checker.check(sentence, [record]).ok
    passage = "Every electronic and home product comes with a 1-year manufacturer warranty against defects."
    assert checker.check(sentence, [record], [passage]).ok


def test_copy_checks_use_the_same_claims(voltline: dict[str, Product], tmp_path: Path) -> None:
    vocabulary = ShopVocabulary.build(voltline.values())
    earbuds = voltline["VL-EB-0101"]
    facts = {"title": earbuds.title, "brand": earbuds.brand, "price": earbuds.price, **earbuds.attributes}
    report = check_copy(["Ideal for outdoor activities and swimming."], facts, vocabulary=vocabulary)
    assert report.unsupported == ["for swimming"] and report.unsupported_benefits == ["for swimming"]
    assert check_copy(["Splash resistant to IPX4, with 8 hours of battery."], facts, vocabulary=vocabulary).faithful


def test_an_answer_to_what_the_data_does_not_hold_is_a_claim(
    checker: ClaimChecker, voltline: dict[str, Product]
) -> None:
    """The question's own words that no record holds ("touchscreen") may be said only to say the listing does
    not have them."""
    from app.guard.claims import unknown_terms

    record = Record.of(voltline["VL-LT-0101"])
    asked = unknown_terms("Does the Arcbook 14 Student Laptop have a touchscreen?", [record])
    assert asked == ["touchscreen"]
    assert not checker.check("Yes, it has a touchscreen.", [record], (), asked).ok
    assert checker.check("The listing doesn't say whether it has a touchscreen.", [record], (), asked).ok
    dryer = Record.of(voltline["VL-HD-0101"])
    asked = unknown_terms("Does the Lumi Ionic Hair Dryer come with a diffuser?", [dryer])
    assert not checker.check("No, it does not come with a diffuser.", [dryer], (), asked).ok  # absence: not stated
    assert not checker.check("No, the Lumi Ionic Hair Dryer has no diffuser.", [dryer], (), asked).ok
    assert checker.check("The listing doesn't mention a diffuser.", [dryer], (), asked).ok
    speaker = Record.of(voltline["VL-SP-0101"])
    asked = unknown_terms("Does the Sonara Home Mini work with Google Assistant?", [speaker])
    assert checker.check("It works with Alexa.", [speaker], (), asked).ok


def test_a_unit_glued_to_more_digits_is_part_of_a_code_not_a_quantity(
    checker: ClaimChecker, voltline: dict[str, Product]
) -> None:
    report = checker.check("Your ticket T-0C803611 is open; it holds 2 L.", [Record.of(voltline["VL-KT-0101"])])
    assert [c.text for c in report.unsupported] == ["2 L"]  # "0C" of the ticket is no temperature


def test_a_sentence_quoting_a_policy_passage_says_its_words_not_a_products_values() -> None:
    shampoo = Product(id="G1", title="Repair Shampoo", price=9.0, attributes={"hair_type": ["dry", "damaged"]})
    yogurt = Product(id="G2", title="Greek Yogurt", price=3.0, attributes={"fat_percent": 10})
    checker = ClaimChecker(ShopVocabulary.build([shampoo, yogurt]))
    passage = "If fresh or chilled food arrives damaged or past its date, tell us within 48 hours with a photo."
    quoted = checker.check(f"From our freshness policy: {passage}", [Record.of(yogurt)], [passage])
    assert not quoted.unsupported, quoted.claims
    # the same value said of the product, beside that passage, is still a claim of the product
    claimed = checker.check("The Greek Yogurt is for damaged hair.", [Record.of(yogurt)], [passage])
    assert [c.text for c in claimed.unsupported] == ["damaged"]
