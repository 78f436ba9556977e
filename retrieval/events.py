"""Shopper events (views, carts, purchases, ratings) and how much each one says about a preference."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EventType = Literal["view", "cart", "purchase", "rating"]
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/@-]*$"


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: Annotated[str, Field(min_length=1, max_length=128, pattern=_ID)]
    user_id: Annotated[str, Field(min_length=1, max_length=128, pattern=_ID)]
    product_id: Annotated[str, Field(min_length=1, max_length=128, pattern=_ID)]
    type: EventType
    value: Annotated[float, Field(ge=0, le=1000)] = 1.0
    ts: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("ts")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class EventWeights:
    """Confidence each event adds to a (user, product) pair: view < cart < purchase; ratings by stars; and a
    recency factor: a user's newest events count ``1 + recency_boost`` times, an event ``recency_half_life``
    events older ``1 + recency_boost / 2`` times, and so on down to 1 (``recency_boost=0``: order does not count).
    What a shopper did last says most about what they want next; on MovieLens-100k's leave-last-out split this
    factor takes ALS from 1.7 times popularity's HR@10 to 2.2 times (docs/benchmarks.md)."""

    view: float = 1.0
    cart: float = 4.0
    purchase: float = 10.0
    rating_per_star_above_3: float = 3.0  # 4 stars -> 3, 5 stars -> 6; 3 stars or fewer -> 0
    recency_boost: float = 0.0
    recency_half_life: float = 5.0

    def weight(self, event_type: str, value: float) -> float:
        if event_type == "rating":
            return max(0.0, value - 3.0) * self.rating_per_star_above_3
        base = {"view": self.view, "cart": self.cart, "purchase": self.purchase}[event_type]
        return base * (value if event_type == "purchase" and value > 0 else 1.0)

    def recency(self, newer: int) -> float:
        """The factor of an event that ``newer`` of the same user's events came after."""
        return 1.0 + self.recency_boost * float(0.5 ** (newer / self.recency_half_life))

    def confidences(self, weighted: Sequence[tuple[str, float]]) -> dict[str, float]:
        """One user's (product, event weight) pairs, oldest first → product → confidence (positive only).
        The one place where events become the confidences ALS trains on and folds users in from."""
        totals: dict[str, float] = defaultdict(float)
        last = len(weighted) - 1
        for position, (product_id, weight) in enumerate(weighted):
            if weight > 0:
                totals[product_id] += weight * self.recency(last - position)
        return {product_id: c for product_id, c in totals.items() if c > 0}

    def user_confidences(self, events: Iterable[tuple[str, str, float]]) -> dict[str, float]:
        """One user's (product, type, value) events, oldest first → product → confidence."""
        return self.confidences([(product_id, self.weight(kind, value)) for product_id, kind, value in events])
