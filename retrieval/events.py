"""Shopper events (views, carts, purchases, ratings) and how much each one says about a preference."""

from __future__ import annotations

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
    """Confidence each event adds to a (user, product) pair: view < cart < purchase; ratings by stars."""

    view: float = 1.0
    cart: float = 4.0
    purchase: float = 10.0
    rating_per_star_above_3: float = 3.0  # 4 stars -> 3, 5 stars -> 6; 3 stars or fewer -> 0

    def weight(self, event_type: str, value: float) -> float:
        if event_type == "rating":
            return max(0.0, value - 3.0) * self.rating_per_star_above_3
        base = {"view": self.view, "cart": self.cart, "purchase": self.purchase}[event_type]
        return base * (value if event_type == "purchase" and value > 0 else 1.0)
