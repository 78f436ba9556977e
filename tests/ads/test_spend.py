"""Spend is counted exactly once in the real SQLite database: concurrent clicks of one impression charge once,
a day's spend stops one click past its budget, and a reopened database (a restart) has every charge."""

from __future__ import annotations

import threading
from pathlib import Path

from app.store.ads import AdStore, Impression
from app.store.database import Database


def open_store(path: Path) -> AdStore:
    database = Database(f"sqlite:///{path}")
    database.create_all()
    return AdStore(database)


def shown(store: AdStore, campaign_id: str, n: int, price: float) -> list[str]:
    impressions = [Impression(f"imp_{campaign_id}_{i}", campaign_id, "P1", f"u{i}", "search", 0, price, {"pos=0": 1.0})
                   for i in range(n)]  # fmt: skip
    store.record_impressions(impressions)
    return [i.id for i in impressions]


def test_concurrent_clicks_of_one_impression_charge_once_and_survive_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ads.db")
    campaign = store.create({"name": "c", "product_ids": ["P1"], "bid_cpc": 0.5, "daily_budget": 10.0,
                             "keywords": [], "categories": [], "status": "active"})  # fmt: skip
    (impression,) = shown(store, campaign.id, 1, 0.37)
    results: list[float] = []
    barrier = threading.Barrier(8)

    def click() -> None:
        barrier.wait()
        charge = store.click(impression, {campaign.id: 10.0})
        assert charge is not None
        results.append(charge.charged)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0.0] * 7 + [0.37]
    store.database.close()
    reopened = open_store(tmp_path / "ads.db")  # what a restarted process reads
    assert reopened.spent_today() == {campaign.id: 0.37}
    again = reopened.click(impression, {campaign.id: 10.0})
    assert again is not None and again.duplicate and again.charged == 0.0
    assert reopened.click("imp_unknown", {campaign.id: 10.0}) is None
    assert reopened.click(impression, {campaign.id: 10.0}, owner="someone-else") is None


def test_a_day_stops_charging_one_click_past_its_budget(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ads.db")
    campaign = store.create({"name": "c", "product_ids": ["P1"], "bid_cpc": 0.5, "daily_budget": 1.0,
                             "keywords": [], "categories": [], "status": "active"})  # fmt: skip
    charges = []
    for impression in shown(store, campaign.id, 6, 0.45):
        charge = store.click(impression, {campaign.id: 1.0})
        assert charge is not None
        charges.append(charge.charged)
    assert charges == [0.45, 0.45, 0.45, 0.0, 0.0, 0.0]  # 1.35: past 1.00 by less than one click
    assert store.spent_today()[campaign.id] <= 1.0 + 0.5
