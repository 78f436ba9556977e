"""What ad serving keeps between requests follows the data it was derived from: a shopper's category and brand
shares (click-model features) change with their next event."""

from __future__ import annotations

from pathlib import Path

from app.wiring import build_services
from retrieval.events import Event
from tests.conftest import make_settings

PRODUCTS = [
    {"id": "k1", "title": "Cast iron kettle", "category": "Kitchen > Kettles", "brand": "Hearth", "price": 40.0},
    {"id": "k2", "title": "Glass kettle", "category": "Kitchen > Kettles", "brand": "Clear", "price": 30.0},
    {"id": "t1", "title": "Trail tent for two", "category": "Outdoor > Tents", "brand": "Ridge", "price": 120.0},
]


def test_the_category_share_an_ad_is_scored_with_follows_the_shoppers_new_events(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path))
    try:
        services.database.create_all()
        rows = [{**p, "currency": "USD", "in_stock": True, "stock": 50} for p in PRODUCTS]
        assert services.catalog.ingest_items(rows).report.written == len(rows)
        services.campaigns.create({"name": "kettles", "product_ids": ["k1"], "bid_cpc": 0.4, "daily_budget": 50.0,
                                   "keywords": ["kettle"], "categories": [], "status": "active"})  # fmt: skip
        services.personalization.events.add([Event(event_id="e1", user_id="u1", product_id="t1", type="view")])

        def shown_share() -> float:
            placed = services.ads.place("search", query="kettle", user_id="u1", organic=[], limit=10)
            assert [p.product.id for p in placed] == ["k1"]
            charge = services.ads.click(placed[0].impression_id)
            assert charge is not None
            return charge.impression.features["category_share"]

        assert shown_share() == 0.0  # only a tent seen so far
        assert shown_share() == 0.0  # kept: the same history
        services.personalization.events.add([Event(event_id="e2", user_id="u1", product_id="k2", type="view")])
        assert 0.0 < shown_share() < 1.0  # a kettle seen since: the share moved with it
    finally:
        services.close()
