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


def test_click_model_checkpoints_are_written_off_the_request_and_the_last_one_at_close(tmp_path: Path) -> None:
    import json
    import time

    from app.ads.click_model import ClickModel

    services = build_services(make_settings(tmp_path, ads={"checkpoint_every": 2}))
    ads = services.ads
    path = ads.model_path
    try:
        services.database.create_all()
        rows = [{**p, "currency": "USD", "in_stock": True, "stock": 50} for p in PRODUCTS]
        services.catalog.ingest_items(rows)
        services.campaigns.create({"name": "kettles", "product_ids": ["k1"], "bid_cpc": 0.4, "daily_budget": 50.0,
                                   "keywords": ["kettle"], "categories": [], "status": "active"})  # fmt: skip
        for _ in range(2):  # two clicks: two updates, a checkpoint asked for
            placed = ads.place("search", query="kettle", user_id="u1", organic=[], limit=10)
            assert ads.click(placed[0].impression_id) is not None
        deadline = time.monotonic() + 10
        while not path.is_file() and time.monotonic() < deadline:
            time.sleep(0.02)  # the saver thread writes it, not the click
        assert json.loads(path.read_text())["updates"] >= 2
        placed = ads.place("search", query="kettle", user_id="u1", organic=[], limit=10)
        assert ads.click(placed[0].impression_id) is not None  # a third update, below the interval
    finally:
        services.close()
    assert ClickModel.load(path).updates == 3  # close wrote what the interval had not
