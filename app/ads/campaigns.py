"""Campaign rules for merchants (create, change, pause, report); serving is ``app.ads.service``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.ads.service import AdService
from app.store.ads import Campaign


class CampaignError(Exception):
    """A refused campaign change: ``status`` is the HTTP status, ``field`` the offending field."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class CampaignService:
    def __init__(self, ads: AdService) -> None:
        self.ads = ads
        self.store = ads.store

    def create(self, values: dict[str, Any]) -> Campaign:
        self._check(values)
        campaign = self.store.create(values)
        self.ads.changed()
        return campaign

    def update(self, campaign_id: str, values: dict[str, Any]) -> Campaign:
        current = self.get(campaign_id)
        merged = {"product_ids": current.product_ids, "starts_at": current.starts_at, "ends_at": current.ends_at,
                  **values}  # fmt: skip
        self._check(merged)
        updated = self.store.update(campaign_id, values)
        if updated is None:
            raise CampaignError(404, "id", f"no campaign {campaign_id}")
        self.ads.changed()
        return updated

    def get(self, campaign_id: str) -> Campaign:
        campaign = self.store.get(campaign_id)
        if campaign is None:
            raise CampaignError(404, "id", f"no campaign {campaign_id}")
        return campaign

    def report(self, campaign_id: str) -> dict[str, Any]:
        """Total figures, and the same for today (the shop's day) under ``today``."""
        campaign = self.get(campaign_id)
        midnight = self.ads.store.day.start(datetime.now(UTC))
        total = self._figures(campaign, None)
        return {**total, "today": self._figures(campaign, midnight)}

    def _figures(self, campaign: Campaign, since: datetime | None) -> dict[str, float]:
        raw = self.store.report(campaign, since, self.ads.attribution())
        units: dict[str, float] = raw.pop("units")
        prices = self.ads.catalog.get_many(list(units)) if units else {}
        revenue = round(sum(prices[p].price * n for p, n in units.items() if p in prices), 2)
        spend = raw["spend"]
        return {**raw, "revenue": revenue, "roas": round(revenue / spend, 4) if spend else 0.0}

    def _check(self, values: dict[str, Any]) -> None:
        ids = list(dict.fromkeys(values.get("product_ids") or []))
        found = self.ads.catalog.get_many(ids) if ids else {}
        missing = [i for i in ids if i not in found]
        if missing:
            raise CampaignError(422, "product_ids", f"unknown products: {', '.join(missing[:5])}")
        sold_out = [i for i in ids if not found[i].in_stock]
        if sold_out:
            raise CampaignError(422, "product_ids", f"out of stock: {', '.join(sold_out[:5])}")
        starts, ends = values.get("starts_at"), values.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            raise CampaignError(422, "ends_at", "ends_at must be after starts_at")
