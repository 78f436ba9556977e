"""The shop's day (``SHOPASSIST_ADS__TIMEZONE``): budgets renew at the shop's midnight, not at UTC's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from app.ads.budget_day import ShopDay
from app.config import AdsSettings
from app.store.ads import AdStore, Impression
from app.store.database import Database

NEW_YORK = ShopDay(ZoneInfo("America/New_York"))


def test_the_day_starts_at_the_shops_midnight() -> None:
    late = datetime(2026, 1, 10, 4, 30, tzinfo=UTC)  # 23:30 on the 9th in New York
    assert NEW_YORK.key(late) == "2026-01-09"
    assert NEW_YORK.start(late) == datetime(2026, 1, 9, 5, 0, tzinfo=UTC)
    assert NEW_YORK.fraction(late) == pytest.approx(23.5 / 24)
    assert ShopDay().key(late) == "2026-01-10" and ShopDay().fraction(late) == pytest.approx(4.5 / 24)
    india = ShopDay(ZoneInfo("Asia/Kolkata"))  # a half-hour offset
    assert india.start(late) == datetime(2026, 1, 9, 18, 30, tzinfo=UTC)


def test_a_day_the_clocks_change_has_its_own_length() -> None:
    noon = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)  # 12:00 EDT; the clocks jumped at 02:00, a 23-hour day
    assert NEW_YORK.fraction(noon) == pytest.approx(11 / 23)
    autumn_noon = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # 12:00 EST after the 25-hour night
    assert NEW_YORK.fraction(autumn_noon) == pytest.approx(13 / 25)


def test_spend_is_booked_on_the_shops_day(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'ads.db'}")
    database.create_all()
    store = AdStore(database, NEW_YORK)
    campaign = store.create({"name": "c", "product_ids": ["P1"], "bid_cpc": 0.5, "daily_budget": 0.4,
                             "keywords": [], "categories": [], "status": "active"})  # fmt: skip
    store.record_impressions([Impression(f"imp{i}", campaign.id, "P1", f"u{i}", "search", 0, 0.45, {})
                              for i in range(3)])  # fmt: skip
    budgets = {campaign.id: 0.4}
    before_midnight = datetime(2026, 1, 10, 4, 30, tzinfo=UTC)
    after_midnight = datetime(2026, 1, 10, 5, 30, tzinfo=UTC)  # the same UTC date, the shop's next day
    charges = [store.click(i, budgets, now=t) for i, t in
               [("imp0", before_midnight), ("imp1", before_midnight), ("imp2", after_midnight)]]  # fmt: skip
    assert [c.charged if c else None for c in charges] == [0.45, 0.0, 0.45]  # the day's budget renewed at 00:00
    assert store.spent_today(before_midnight) == {campaign.id: 0.45}
    assert store.spent_today(after_midnight) == {campaign.id: 0.45}
    assert store.spent_today(datetime(2026, 1, 11, 5, 30, tzinfo=UTC)) == {}


def test_an_unknown_zone_is_refused() -> None:
    assert AdsSettings(timezone="Europe/Berlin").timezone == "Europe/Berlin"
    with pytest.raises(ValidationError, match="unknown time zone"):
        AdsSettings(timezone="Mars/Olympus")
