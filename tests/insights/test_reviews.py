"""Reviews scored as they are stored (real sentiment models, real SQLite) and the summaries counted from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.insights.reviews import ReviewInsights
from app.store.database import Database
from app.store.reviews import ReviewStore


@pytest.fixture()
def reviews(tmp_path: Path, sentiment_dir: Path) -> ReviewInsights:
    database = Database(f"sqlite:///{tmp_path / 'reviews.db'}")
    database.create_all()
    return ReviewInsights(ReviewStore(database), sentiment_dir)


def test_sentiment_in_both_languages(reviews: ReviewInsights) -> None:
    probabilities = reviews.classifier.score([
        "Absolutely love this, great quality and so comfortable. Highly recommend!",
        "Cheap fabric, fell apart after one wash. Very disappointed, returned it.",
        "质量很好，非常满意，推荐购买",
        "太差了，非常失望，不会再买",
    ])  # fmt: skip
    assert probabilities[0] > 0.65 and probabilities[2] > 0.65
    assert probabilities[1] < 0.35 and probabilities[3] < 0.35


def test_bad_items_are_reported_and_the_good_ones_stored(reviews: ReviewInsights) -> None:
    stored, rejected = reviews.add([
        {"review_id": "r1", "product_id": "SKU-1", "rating": 5, "text": "Fits perfectly, lovely soft fabric."},
        {"review_id": "r2", "product_id": "SKU-1", "rating": 9, "text": "Out of range rating."},
        {"review_id": "r3", "product_id": "SKU-1", "rating": 4, "text": "   "},
        {"review_id": "r1", "product_id": "SKU-1", "rating": 5, "text": "Same id twice in one request."},
        {"review_id": "r4", "product_id": "GONE", "rating": 2, "text": "A product the shop does not sell."},
        {"product_id": "SKU-1", "text": "No id."},
    ], known_product=lambda pid: pid != "GONE")  # fmt: skip
    assert stored == ["r1"]
    reasons = {r.index: r.reason for r in rejected}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert reasons[1].startswith("rating") and "empty" in reasons[2] and "duplicate" in reasons[3]
    assert "unknown product" in reasons[4] and reasons[5].startswith("review_id")
    again, rejected = reviews.add([{"review_id": "r1", "product_id": "SKU-1", "rating": 5, "text": "resent"}])
    assert again == [] and rejected[0].reason == "review_id: already stored"
    assert reviews.store.count() == 1


def test_a_new_review_changes_its_products_summary_at_once(reviews: ReviewInsights) -> None:
    texts = [
        (5, "Love the colour. It runs small, so order a size up."),
        (4, "Pretty dress but runs small through the chest."),
        (5, "True to size and very comfortable."),
    ]
    reviews.add([{"review_id": f"d{n}", "product_id": "DRESS-9", "rating": r, "text": t}
                 for n, (r, t) in enumerate(texts)])  # fmt: skip
    summary = reviews.summary("DRESS-9")
    assert summary["reviews"] == 3 and summary["sentiment"]["positive"] >= 2
    fit = {a["label"]: a for a in summary["aspects"] if a["aspect"] == "fit"}
    assert fit["runs small"]["count"] == 2 and fit["runs small"]["share"] == round(2 / 3, 3)
    assert fit["runs small"]["sentiment"] == "negative" and fit["true to size"]["count"] == 1
    reviews.add([{"review_id": "d9", "product_id": "DRESS-9", "rating": 2, "text": "Runs small, too tight. Returned."}])
    after = reviews.summary("DRESS-9")
    assert after["reviews"] == 4
    assert {a["label"]: a["count"] for a in after["aspects"] if a["aspect"] == "fit"}["runs small"] == 3
    assert reviews.summary("NONE")["reviews"] == 0


def test_chinese_aspects(reviews: ReviewInsights) -> None:
    mentions = reviews.aspects.mentions("物流很快，但是尺码偏小，质量一般", None)
    found = {m.aspect: m.label for m in mentions}
    assert found.get("fit") == "runs small" and "delivery" in found and "quality" in found


def test_top_complaints_by_month(reviews: ReviewInsights) -> None:
    from datetime import UTC, datetime

    from app.insights.reviews import complaints

    rows = [
        ("c1", "Runs small, too tight.", datetime(2026, 9, 3, tzinfo=UTC)),
        ("c2", "Runs small and the fabric is cheap.", datetime(2026, 10, 8, tzinfo=UTC)),
        ("c3", "Way too small, runs small.", datetime(2026, 10, 9, tzinfo=UTC)),
        ("c4", "Love it, true to size.", datetime(2026, 10, 10, tzinfo=UTC)),
    ]
    reviews.add([{"review_id": r, "product_id": "TOP-1", "rating": 5 if r == "c4" else 2, "text": t,
                  "ts": ts.isoformat()} for r, t, ts in rows])  # fmt: skip
    found = complaints(reviews.store.of_products(["TOP-1"]))
    assert found["reviews"] == 4 and found["top"][0] == {"label": "runs small", "count": 3}
    assert found["by_month"]["2026-09"]["runs small"] == 1 and found["by_month"]["2026-10"]["runs small"] == 2
    assert "true to size" not in {t["label"] for t in found["top"]}  # praise is not a complaint
