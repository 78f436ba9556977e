"""Claim extraction and the comparison with the attributes."""

from __future__ import annotations

from app.copywriter.validate import check_copy, mentions, supported_sentences

ATTRIBUTES: dict[str, object] = {
    "title": "Wren Printed Linen Midi Dress",
    "category": "Dresses > Dresses",
    "price": 124.95,
    "colour": ["grey", "olive"],
    "material": "linen",
    "size": ["S", "M", "L", "XL"],
    "petite": False,
}


def test_supported_claims_pass() -> None:
    report = check_copy(["A grey or olive linen midi dress in sizes S, M and XL for $124.95."], ATTRIBUTES)
    assert report.faithful, report.unsupported
    assert {"grey", "olive", "linen", "size S", "size M", "size XL", "$124.95"} <= set(report.claims)


def test_unsupported_claims_are_listed() -> None:
    copy = [
        "The best organic silk dress, hypoallergenic and waterproof.",
        "Made of 100% cotton, in red, sizes XS and M, now $99.",
        "Perfect for petite frames. Clinically proven comfort.",
    ]
    report = check_copy(copy, ATTRIBUTES, banned=[r"\bclinically proven\b"])
    for claim in [
        "best",
        "organic",
        "silk",
        "hypoallergenic",
        "waterproof",
        "100%",
        "cotton",
        "red",
        "size XS",
        "$99",
        "Perfect",
        "petite",
        "Clinically proven",
    ]:
        assert claim in report.unsupported, (claim, report.unsupported)
    assert "size M" not in report.unsupported
    assert 0 < report.supported_share < 1


def test_gray_and_grey_are_the_same_colour() -> None:
    assert check_copy(["A soft gray dress"], ATTRIBUTES).faithful


def test_sentences_making_claims_are_cut() -> None:
    def faithful(sentence: str) -> bool:
        return check_copy([sentence], ATTRIBUTES).faithful

    text = "A linen dress. The best dress ever! Comes in olive."
    assert supported_sentences(text, faithful) == "A linen dress. Comes in olive."
    # a claim the check names by its kind, not by its words, is cut all the same
    soothing = "A linen dress. Its calming properties help you unwind and relieve stress. Comes in olive."
    assert check_copy([soothing], ATTRIBUTES).unsupported
    assert supported_sentences(soothing, faithful) == "A linen dress. Comes in olive."


def test_chinese_claims_are_checked_against_the_english_attributes() -> None:
    supported = check_copy(["这款灰色亚麻连衣裙有橄榄绿可选，尺码 S、M、XL。"], ATTRIBUTES)
    assert supported.faithful, supported.unsupported
    assert {"灰色", "亚麻", "橄榄绿", "size S", "size XL"} <= set(supported.claims)
    unsupported = check_copy(["最舒适的真丝连衣裙，防水抗菌，有机面料，红色，尺码 XS，仅需 99 美元。"], ATTRIBUTES)
    for claim in ["最舒适", "真丝", "防水", "抗菌", "有机", "红色", "size XS", "99 美元"]:
        assert claim in unsupported.unsupported, (claim, unsupported.unsupported)


def test_the_longest_chinese_term_wins() -> None:
    report = check_copy(["丝绒质感，蕾丝点缀"], {"material": "velvet", "trim": "lace"})
    assert report.claims == ["丝绒", "蕾丝"] and report.faithful  # neither is read as a silk ("丝") claim
    linen = {"material": "linen"}
    assert supported_sentences("亚麻面料。真丝衬里。", lambda s: check_copy([s], linen).faithful) == "亚麻面料。"


def test_mentions_reads_english_and_chinese() -> None:
    assert mentions(["grey", "olive"], "A soft Olive dress") and mentions("linen", "亚麻连衣裙")
    assert mentions(["grey"], "灰色") and not mentions("silk", "亚麻连衣裙") and not mentions(["red"], "A blue dress")
