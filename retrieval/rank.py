"""Personalised re-ranking: a documented blend of the search rank and the recommender's score.

    final = (1 - w) * relevance + w * preference

- relevance: the hit's position in the search result, mapped to 1.0 (first) … 1/n (last). Positions, not
  raw scores, because fused (RRF) scores are tiny and not comparable across queries.
- preference: the ALS score for the user, min-max scaled over the candidates (0.5 for products the model
  does not know yet, so new products are neither pushed nor buried).
- business rules: out-of-stock products are dropped; ``boosts`` (product id → additive bonus) apply last.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.index.base import Hit


def blend(
    hits: Sequence[Hit],
    preference: dict[str, float],
    weight: float,
    limit: int,
    boosts: dict[str, float] | None = None,
) -> list[Hit]:
    candidates = [h for h in hits if h.product.in_stock]
    if not candidates:
        return []
    known = [preference[h.id] for h in candidates if h.id in preference]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    span = high - low
    scored = []
    for position, hit in enumerate(candidates):
        relevance = 1.0 - position / len(candidates)
        raw = preference.get(hit.id)
        liked = 0.5 if raw is None or span <= 0 else (raw - low) / span
        final = (1.0 - weight) * relevance + weight * liked + (boosts or {}).get(hit.id, 0.0)
        scored.append(Hit(id=hit.id, score=final, product=hit.product))
    scored.sort(key=lambda h: -h.score)
    return scored[:limit]
