"""Reviews in, summaries out: each review is scored once as it is stored (sentiment, aspect mentions), and a
product's summary is counted from its stored reviews, cached until one of them changes."""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.insights.aspects import AspectExtractor
from app.insights.sentiment import SentimentClassifier
from app.store.reviews import Review, ReviewStore, ScoredReview

SUMMARIES = 4096  # products whose summary is kept
# reviews stored through this service drop their product's summary at once; those another process stores
# (``shopassist load-reviews`` while the service runs) show within this many seconds
SUMMARY_FRESH_S = 10.0


@dataclass(frozen=True)
class Rejected:
    index: int
    review_id: str | None
    reason: str


class ReviewInsights:
    def __init__(self, store: ReviewStore, models_dir: Path, *, neutral_band: float = 0.15,
                 aspects_file: Path | None = None) -> None:  # fmt: skip
        self.store = store
        self.classifier = SentimentClassifier(models_dir, neutral_band)
        self.aspects = AspectExtractor(self.classifier.score, aspects_file, neutral_band)
        self._summaries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._writes = 0  # a summary read that overlapped a write is served, not kept
        self._lock = threading.Lock()

    def score(self, reviews: Sequence[Review]) -> list[ScoredReview]:
        """Sentiment and aspect mentions of each review (texts scored in batches)."""
        if not reviews:
            return []
        probabilities = self.classifier.score([r.text for r in reviews])
        mentions = self.aspects.mentions_many([r.text for r in reviews], [r.rating for r in reviews])
        out = []
        for review, positive, found in zip(reviews, probabilities, mentions, strict=True):
            sentiment = self.classifier.label(positive)
            if review.rating is not None and sentiment == "neutral":
                sentiment = "positive" if review.rating >= 4 else "negative" if review.rating <= 2 else "neutral"
            aspects = [{"aspect": m.aspect, "label": m.label, "sentiment": m.sentiment} for m in found]
            out.append(
                ScoredReview(**review.model_dump(), positive=round(positive, 4), sentiment=sentiment, aspects=aspects)
            )
        return out

    def add(self, items: Sequence[dict[str, Any]], known_product: Any = None) -> tuple[list[str], list[Rejected]]:
        """Validate, score and store; returns (stored ids, rejected items with the reason). A bad item never
        stops the good ones; ``known_product(id) -> bool`` rejects reviews of products not in the catalog."""
        rejected: list[Rejected] = []
        valid: dict[str, Review] = {}
        index_of: dict[str, int] = {}
        for n, item in enumerate(items):
            raw_id = item.get("review_id") if isinstance(item, dict) else None
            try:
                review = Review.model_validate(item)
            except ValidationError as exc:
                error = exc.errors()[0]
                field = ".".join(str(p) for p in error["loc"]) or "review"
                rejected.append(Rejected(n, raw_id if isinstance(raw_id, str) else None, f"{field}: {error['msg']}"))
                continue
            if not review.text.strip():
                rejected.append(Rejected(n, review.review_id, "text: empty"))
            elif review.review_id in valid:
                rejected.append(Rejected(n, review.review_id, "review_id: duplicate in this request"))
            elif known_product is not None and not known_product(review.product_id):
                rejected.append(Rejected(n, review.review_id, "product_id: unknown product"))
            else:
                valid[review.review_id], index_of[review.review_id] = review, n
        already = self.store.existing(valid)
        fresh = self.score([r for rid, r in valid.items() if rid not in already])
        stored, duplicates = self.store.add(fresh)  # duplicates: stored by another request in between
        for rid in sorted(already) + duplicates:
            rejected.append(Rejected(index_of[rid], rid, "review_id: already stored"))
        with self._lock:
            self._writes += 1
            for review in fresh:
                self._summaries.pop(review.product_id, None)
        return stored, sorted(rejected, key=lambda r: r.index)

    def opinions(self, product_id: str) -> str | None:
        return opinion_line(self.summary(product_id))

    def summary(self, product_id: str) -> dict[str, Any]:
        with self._lock:
            cached = self._summaries.get(product_id)
            writes = self._writes
        if cached is not None and time.monotonic() - cached[0] < SUMMARY_FRESH_S:
            return cached[1]
        summary = summarise(product_id, self.store.of_products([product_id]))
        with self._lock:
            if self._writes != writes:
                return summary
            self._summaries[product_id] = (time.monotonic(), summary)
            self._summaries.move_to_end(product_id)
            while len(self._summaries) > SUMMARIES:
                self._summaries.popitem(last=False)
        return summary


def complaints(reviews: Sequence[ScoredReview], top: int = 5) -> dict[str, Any]:
    """The most frequent negative findings over these reviews, and each one's count per month of review
    (``undated`` for reviews sent without a time)."""
    totals: Counter[str] = Counter()
    by_month: dict[str, Counter[str]] = {}
    for review in reviews:
        month = review.ts.strftime("%Y-%m") if review.ts else "undated"
        for mention in review.aspects:
            if mention["sentiment"] == "negative":
                totals[mention["label"]] += 1
                by_month.setdefault(month, Counter())[mention["label"]] += 1
    labels = [label for label, _ in totals.most_common(top)]
    return {
        "reviews": len(reviews),
        "top": [{"label": label, "count": totals[label]} for label in labels],
        "by_month": {m: {label: by_month[m].get(label, 0) for label in labels} for m in sorted(by_month)},
    }


def opinion_line(summary: dict[str, Any], findings: int = 3, least: int = 2) -> str | None:
    """``runs small (12 of 30 reviews); good quality (8 of 30)``: the most mentioned findings, each named by
    at least ``least`` reviews; None when the reviews say nothing that often."""
    total = summary["reviews"]
    top = [a for a in summary["aspects"] if a["count"] >= least][:findings]
    if not top:
        return None
    return "; ".join(f"{a['label']} ({a['count']} of {total} reviews)" for a in top)


def summarise(product_id: str, reviews: Sequence[ScoredReview]) -> dict[str, Any]:
    """Counts per sentiment and per aspect finding, most mentioned first; ``share`` is of all reviews."""
    sentiment = Counter(r.sentiment for r in reviews)
    findings: Counter[tuple[str, str, str]] = Counter()
    for review in reviews:
        for mention in review.aspects:
            findings[(mention["aspect"], mention["label"], mention["sentiment"])] += 1
    total = len(reviews)
    rated = [r.rating for r in reviews if r.rating is not None]
    return {
        "product_id": product_id,
        "reviews": total,
        "average_rating": round(sum(rated) / len(rated), 2) if rated else None,
        "sentiment": {k: sentiment.get(k, 0) for k in ("positive", "neutral", "negative")},
        "aspects": [
            {"aspect": a, "label": label, "count": c, "share": round(c / total, 3), "sentiment": s}
            for (a, label, s), c in sorted(findings.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }
