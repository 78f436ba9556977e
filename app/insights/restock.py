"""Restock advice from a demand forecast and the stock on hand.

- days of cover: stock / the forecast's mean daily demand;
- stock-out date: the first day the forecast's cumulative demand reaches the stock;
- reorder point: expected demand over the lead time plus safety stock, z(service level) x the standard deviation
  of that demand (each day's from its forecast interval, days taken as independent);
- suggested quantity (order-up-to): when stock is at or under the reorder point, enough to cover the lead time
  and one review period with the same safety stock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import special

from app.insights.forecast import Forecast


@dataclass(frozen=True)
class Advice:
    product_id: str
    stock: int
    daily_mean: float
    days_of_cover: float | None  # None: no demand forecast, stock lasts beyond the horizon
    stockout_date: date | None
    reorder_point: int
    suggested_quantity: int

    @property
    def urgent(self) -> bool:
        return self.stock <= self.reorder_point and self.suggested_quantity > 0


def _sigma(forecast: Forecast, days: int, level: int) -> float:
    z = float(special.ndtri((1 + level / 100) / 2))
    spread = (forecast.hi[:days] - forecast.lo[:days]) / (2 * z)
    return float(math.sqrt(float(np.sum(spread**2))))


def _demand(forecast: Forecast, days: int) -> float:
    """Expected demand over ``days``; beyond the horizon, the horizon's mean rate carries on."""
    mean = forecast.mean
    if days <= len(mean):
        return float(mean[:days].sum())
    return float(mean.sum() + mean.mean() * (days - len(mean)))


def cover_days(stock: int, forecast: Forecast) -> float | None:
    """Days the stock lasts at the forecast's mean daily demand; None when it forecasts no demand."""
    daily = float(forecast.mean.mean()) if len(forecast.mean) else 0.0
    return stock / daily if daily > 0 else None


def advise(
    product_id: str, stock: int, forecast: Forecast, *, lead_time_days: int, review_days: int, service_level: float,
    level: int,
) -> Advice:  # fmt: skip
    z = float(special.ndtri(service_level))
    daily = float(forecast.mean.mean()) if len(forecast.mean) else 0.0
    cumulative = np.cumsum(forecast.mean)
    reached = np.nonzero(cumulative >= stock)[0] if stock > 0 else np.array([0])
    stockout = forecast.start + timedelta(days=int(reached[0])) if len(reached) else None
    cover = cover_days(stock, forecast)
    lead = min(lead_time_days, len(forecast.mean))
    reorder = math.ceil(_demand(forecast, lead_time_days) + z * _sigma(forecast, lead, level)) if daily > 0 else 0
    suggested = 0
    if daily > 0 and stock <= reorder:
        span = lead_time_days + review_days
        target = _demand(forecast, span) + z * _sigma(forecast, min(span, len(forecast.mean)), level)
        suggested = max(0, math.ceil(target - stock))
    return Advice(product_id, stock, round(daily, 4), None if cover is None else round(cover, 1), stockout,
                  reorder, suggested)  # fmt: skip


def by_urgency(items: list[Advice]) -> list[Advice]:
    """Those to reorder, soonest stock-out first (fewest days of cover on a tie)."""
    far = date.max
    urgent = [a for a in items if a.urgent]
    return sorted(urgent, key=lambda a: (a.stockout_date or far, a.days_of_cover or 0.0, a.product_id))


def overstocked(items: list[Advice], cover_days: float) -> list[Advice]:
    """Stock that lasts longer than ``cover_days`` at the forecast rate (never-selling stock first)."""
    slow = [a for a in items if a.stock > 0 and (a.days_of_cover is None or a.days_of_cover > cover_days)]
    return sorted(slow, key=lambda a: (-(a.days_of_cover or math.inf), -a.stock, a.product_id))
