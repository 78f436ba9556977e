"""Claim extraction and the comparison with the attributes."""

from __future__ import annotations

from app.copywriter.validate import check_copy, without_claims

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
    text = "A linen dress. The best dress ever! Comes in olive."
    assert without_claims(text, ["best"]) == "A linen dress. Comes in olive."
