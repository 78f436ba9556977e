"""Sponsored items in a list the API returns: the wire shape and the merge at the slots' positions."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.ads.service import Placement
from retrieval.catalog import Product


class AdRef(BaseModel):
    campaign_id: str
    impression_id: str = Field(description="send it to POST /v1/ads/clicks when the shopper clicks the item")
    headline: str | None = Field(None, description="the approved ad creative's headline, if any")
    line: str | None = None


class ListedProduct(BaseModel):
    id: str
    score: float
    product: Product
    sponsored: bool = Field(False, description="a paid placement: show it labelled 'Sponsored'")
    ad: AdRef | None = None


def with_ads(organic: list[tuple[Product, float]], placements: list[Placement], limit: int) -> list[ListedProduct]:
    """The organic items with each sponsored one inserted at its position (its organic listing, if any, leaves
    the list: one product is shown once), cut back to ``limit``."""
    placed = {p.product.id for p in placements}
    items = [ListedProduct(id=p.id, score=score, product=p) for p, score in organic if p.id not in placed]
    for placement in sorted(placements, key=lambda x: x.position):
        ad = AdRef(campaign_id=placement.campaign_id, impression_id=placement.impression_id,
                   headline=placement.headline, line=placement.line)  # fmt: skip
        product = placement.product
        listed = ListedProduct(id=product.id, score=0.0, product=product, sponsored=True, ad=ad)
        items.insert(placement.position, listed)
    return items[:limit]
