"""The grounding check, its repair, and the stream guards."""

from __future__ import annotations

from app.assistant.grounding import (
    ClaimScope,
    GroundingData,
    IdStreamGuard,
    SentenceGate,
    check,
    cite_refs,
    expand_refs,
    repair,
)
from app.assistant.prompt import card_refs
from app.guard.claims import ClaimChecker
from retrieval.catalog import Product
from retrieval.vocabulary import ShopVocabulary


def data() -> GroundingData:
    products = {
        "P0001": Product(id="P0001", title="Navy Silk Dress", price=89.5),
        "P0002": Product(id="P0002", title="Grey Wool Coat", price=150.0),
    }
    grounding = GroundingData(products=products, order_ids={"O100001"}, tracking_numbers={"1Z999AA10123456784"})
    grounding.allow_amounts([89.5, 150.0, 75.0])
    return grounding


def test_named_products_by_id_and_by_title_in_order() -> None:
    report = check("The grey wool coat is warm; the [P0001] is lighter.", data())
    assert report.ok
    assert report.named_products == ["P0002", "P0001"]


def test_invented_ids_and_amounts_are_found() -> None:
    report = check("Try [P0999] for $12.00, or order O123456. P0001 costs $89.50.", data())
    assert report.invalid_ids == ["P0999", "O123456"]
    assert report.unsupported_amounts == [12.0]
    assert not report.ok


def test_known_order_and_tracking_numbers_pass() -> None:
    assert check("Order O100001 shipped with tracking 1Z999AA10123456784.", data()).ok
    assert not check("Order O100001 shipped with tracking 1Z000000000000000.", data()).ok


def test_repair_keeps_only_grounded_sentences() -> None:
    reply = "The [P0001] costs $89.50. You may also like [P0777] at $20. Free shipping from $75."
    assert repair(reply, data()) == "The [P0001] costs $89.50. Free shipping from $75."
    assert repair("Only [P0777] fits.", data()) == ""


def stream(guard: IdStreamGuard | SentenceGate, text: str, step: int) -> str:
    out = "".join(guard.feed(text[i : i + step]) for i in range(0, len(text), step))
    return out + guard.finish()


def test_id_guard_drops_unknown_ids_whatever_the_chunking() -> None:
    text = "See [P0001] and [P0999], or P0888; [note] stays. Order O100001."
    for step in (1, 2, 3, 7, len(text)):
        guard = IdStreamGuard(data())
        out = stream(guard, text, step)
        assert "P0999" not in out and "P0888" not in out
        assert "[P0001]" in out and "[note]" in out and "O100001" in out
        assert guard.dropped == ["P0999", "P0888"]


def test_id_guard_releases_an_unclosed_bracket_at_the_end() -> None:
    guard = IdStreamGuard(data())
    assert stream(guard, "Sizes [XS to XL", 4) == "Sizes [XS to XL"


def test_sentence_gate_streams_only_checked_sentences() -> None:
    gate = SentenceGate(data())
    out = stream(gate, "The [P0001] costs $89.50. It was $10 last week. Enjoy!", 3)
    assert out == "The [P0001] costs $89.50. Enjoy!"
    assert gate.dropped_sentences == 1


def test_a_cut_clause_takes_the_rest_of_its_sentence_with_it() -> None:
    products = {
        "P0001": Product(id="P0001", title="Navy Silk Dress", price=89.5, attributes={"colour": ["navy"]}),
        "P0002": Product(id="P0002", title="Grey Wool Coat", price=150.0, attributes={"colour": ["grey"]}),
    }
    grounding = GroundingData(products=products)
    grounding.allow_amounts([89.5, 150.0])
    vocabulary = ShopVocabulary.build(products.values())
    text = "The [P0001] is $89.50. It also comes in grey, and is lovely for evenings. The [P0002] is $150.00."
    for step in (1, 4, len(text)):
        gate = SentenceGate(grounding, ClaimScope(grounding, ClaimChecker(vocabulary)))
        out = stream(gate, text, step)
        assert out == "The [P0001] is $89.50. The [P0002] is $150.00.", out
        assert [c.text for c in gate.cut] == ["grey"]


def referenced() -> GroundingData:
    grounding = data()
    grounding.refs = {ref: pid for pid, ref in card_refs(list(grounding.products.values())).items()}
    return grounding


def test_card_references_stream_out_as_the_product_ids_whatever_the_chunking() -> None:
    text = "Try the dress [1] at $89.50, or [2, 1]; not [3]. Sizes [XS-L] are listed."
    for step in (1, 2, 5, 100):
        guard = IdStreamGuard(referenced())
        out = stream(guard, text, step)
        assert out == "Try the dress [P0001] at $89.50, or [P0002], [P0001]; not . Sizes [XS-L] are listed."
        assert guard.dropped == ["[3]"]  # a card that was never shown


def test_without_references_a_bracketed_number_is_plain_text() -> None:
    guard = IdStreamGuard(data())
    assert guard.feed("Rated [4] of 5") + guard.finish() == "Rated [4] of 5"


def test_a_reference_reply_and_its_expansion_round_trip() -> None:
    refs = card_refs(list(data().products.values()))
    written = cite_refs("The [P0002] or the [P0001], not [P0777].", refs)
    assert written == "The [2] or the [1], not [P0777]."
    assert expand_refs(written, {r: pid for pid, r in refs.items()}) == "The [P0002] or the [P0001], not [P0777]."


def test_a_chinese_reply_is_released_clause_by_clause() -> None:
    gate = SentenceGate(data())
    first = gate.feed("是的，我们有这条裙子。[P0001] 的价格是 $89.50")
    assert first == "是的，我们有这条裙子。"  # not held to the end of the reply for want of a space
    assert gate.feed("，上周是 $10。") == "[P0001] 的价格是 $89.50，"
    assert gate.finish() == "" and gate.dropped_sentences == 1
    assert repair("它的价格是 $89.50。上周是 $10。", data()) == "它的价格是 $89.50。"


def test_a_cited_id_whose_label_names_another_product_is_corrected() -> None:
    text = "Try [P0002] Navy Silk Dress - $89.50\n[P0002] Grey Wool Coat - $150.00\nor the Navy Silk Dress [P0002].\n"
    gate = SentenceGate(data())
    out = stream(gate, text, 4)
    assert (
        out
        == "Try [P0001] Navy Silk Dress - $89.50\n[P0002] Grey Wool Coat - $150.00\nor the Navy Silk Dress [P0001].\n"
    )
    assert gate.recited == [("P0002", "P0001"), ("P0002", "P0001")]
    # a comparison names the other product without labelling the id: left as written
    keep = SentenceGate(data())
    assert (
        stream(keep, "The [P0001] is lighter than the grey wool coat.", 5)
        == "The [P0001] is lighter than the grey wool coat."
    )


def test_a_german_reply_is_held_to_its_amounts_and_to_what_the_question_asked_beyond_the_data() -> None:
    from retrieval.language import stop_words

    bed = Product(
        id="PG.00560-C", title="Schlummer Orthopädisches Hundebett XL", price=89.0, currency="EUR",
        attributes={"größe": "XL", "waschbar": True}, description="Der Bezug ist bei 40 °C waschbar.",
    )  # fmt: skip
    grounding = GroundingData(products={bed.id: bed})
    grounding.allow_amounts([89.0])
    # a price written the German way is read as a price: 89,00 € is the record's, 12,99 € is not
    assert check("Es kostet 89,00 €.", grounding).ok
    assert check("Es kostet 12,99 €.", grounding).unsupported_amounts == [12.99]
    assert check("Es kostet 1.299 EUR.", grounding).unsupported_amounts == [1299.0]
    vocabulary = ShopVocabulary.build([bed], stop_words("de"), "german")
    question = "Gibt es das Schlummer Orthopädische Hundebett auch in Grau?"
    scope = ClaimScope(grounding, ClaimChecker(vocabulary), question)
    assert scope.asked == ["grau"]  # the inflected title word and the grammar words are not unknown
    invented = SentenceGate(grounding, scope)
    assert stream(invented, "Ja, das Schlummer Orthopädische Hundebett ist auch in Grau erhältlich.", 5) == ""
    honest = SentenceGate(grounding, ClaimScope(grounding, ClaimChecker(vocabulary), question))
    assert stream(honest, "Das Schlummer Orthopädische Hundebett ist waschbar.", 5).startswith("Das Schlummer")


def test_in_a_german_catalog_a_number_no_record_holds_is_cut_whatever_word_it_counts() -> None:
    from retrieval.language import stop_words

    food = Product(id="PG.1", title="Piepmatz Wellensittichfutter 1 kg", price=4.99, currency="EUR",
                   attributes={"für": "Wellensittiche", "gewicht_kg": 1})  # fmt: skip
    grounding = GroundingData(products={food.id: food})
    grounding.allow_amounts([4.99])
    vocabulary = ShopVocabulary.build([food], stop_words("de"), "german")
    question = "Reicht es für 2 Vögel?"
    out = stream(SentenceGate(grounding, ClaimScope(grounding, ClaimChecker(vocabulary), question)),
                 "Das Futter hat 450 Kalorien. Es reicht für 2 Vögel. Es wiegt 1 kg.", 4)  # fmt: skip
    assert out.strip() == "Es reicht für 2 Vögel. Es wiegt 1 kg.", out  # 2: the customer's own number


def test_a_reply_saying_the_listing_does_not_say_is_read_as_such_in_other_languages() -> None:
    from app.assistant.templates import says_not_in_listing

    assert says_not_in_listing("The listing doesn't say whether it is waterproof.")
    assert says_not_in_listing("Die Farbe ist in der Beschreibung nicht angegeben.")
    assert says_not_in_listing("La couleur n'est pas indiquée.")
    assert not says_not_in_listing("Ja, das Hundebett ist waschbar.")
