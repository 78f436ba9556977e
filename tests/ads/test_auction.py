"""The auction, pacing and click model as pure parts: second prices within [reserve, bid], quality ranking, one
slot per campaign, the pacing throttle, and a click model that learns and survives a restart."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.ads.auction import Bidder, highest_bid, pacing_pass, quality_gsp
from app.ads.click_model import ClickModel, features, log_loss


def bidders() -> list[Bidder]:
    return [Bidder("a", "p1", 2.00, 0.01), Bidder("b", "p2", 0.50, 0.10), Bidder("c", "p3", 1.00, 0.03),
            Bidder("a", "p4", 1.50, 0.20), Bidder("d", "p5", 0.04, 0.90)]  # fmt: skip


def test_quality_ranks_by_bid_times_ctr_and_charges_a_second_price_within_the_bid() -> None:
    wins = quality_gsp(bidders(), slots=3, reserve=0.05)
    assert [w.bidder.product_id for w in wins] == ["p4", "p2", "p3"]  # a's p4 (0.30) beats a's p1: one per campaign
    first, second, third = wins
    assert first.price == pytest.approx(0.25)  # the least bid keeping it above b: 0.05 / 0.20
    assert second.price == pytest.approx(0.30)  # above c: 0.03 / 0.10
    assert third.price == 0.05  # nobody left: the reserve
    for win in wins:
        assert 0.05 <= win.price <= win.bidder.bid
    assert all(w.bidder.campaign_id != "d" for w in wins)  # below the reserve never wins


def test_squashing_weighs_the_click_probability_more_and_still_charges_within_the_bid() -> None:
    pair = [Bidder("x", "q1", 1.00, 0.10), Bidder("y", "q2", 0.30, 0.30)]
    assert quality_gsp(pair, 1, 0.05)[0].bidder.product_id == "q1"  # 0.100 > 0.090
    win = quality_gsp(pair, 1, 0.05, squash=2.0)[0]  # 1.00 x 0.01 < 0.30 x 0.09
    assert win.bidder.product_id == "q2"
    assert win.price == pytest.approx(0.12)  # the least bid above x: 1.00 x 0.01 / 0.09 = 0.111, rounded up a cent
    assert 0.05 <= win.price <= win.bidder.bid


def test_highest_bid_first_ignores_ctr() -> None:
    wins = highest_bid(bidders(), slots=2, reserve=0.05)
    assert [w.bidder.product_id for w in wins] == ["p1", "p3"] and wins[0].price == pytest.approx(1.00)


def test_exploration_gives_other_bidders_slots_at_the_reserve() -> None:
    rng = random.Random(3)
    chosen = {quality_gsp(bidders(), 1, 0.05, rng=rng, explore=0.5)[0].bidder.product_id for _ in range(200)}
    assert {"p4", "p2", "p3"} <= chosen
    explored = [w for _ in range(200) for w in quality_gsp(bidders(), 1, 0.05, rng=rng, explore=1.0)]
    assert all(w.explored and w.price == 0.05 for w in explored)


def test_pacing_throttles_spend_that_runs_ahead_of_the_day() -> None:
    assert pacing_pass(spent=0, budget=10, day_fraction=0.0) == 1.0
    assert pacing_pass(spent=5, budget=10, day_fraction=0.6) == 1.0  # behind schedule
    assert pacing_pass(spent=5, budget=10, day_fraction=0.45) == pytest.approx(0.5)  # 5% ahead
    assert pacing_pass(spent=5, budget=10, day_fraction=0.3) == 0.0
    assert pacing_pass(spent=10, budget=10, day_fraction=1.0) == 0.0  # spent


def test_the_click_model_learns_a_position_effect_and_reloads_it(tmp_path: Path) -> None:
    rng = random.Random(5)
    model = ClickModel(learning_rate=0.05)
    losses, constant = [], []
    for n in range(6000):
        position = rng.choice([0, 4])
        x = features(query="linen dress", category="Dresses > Dresses", position=position, affinity=0.1, hour=12,
                     product_id="P1", campaign_id="c1", surface="search")  # fmt: skip
        clicked = rng.random() < (0.12 if position == 0 else 0.02)
        if n >= 3000:
            losses.append(log_loss(model.predict(x), clicked))
            constant.append(log_loss(0.07, clicked))
        model.learn(x, clicked)
    assert sum(losses) < 0.95 * sum(constant)
    top = features(query="linen dress", category="Dresses > Dresses", position=0, affinity=0.1, hour=12,
                   product_id="P1", campaign_id="c1", surface="search")  # fmt: skip
    low = features(query="linen dress", category="Dresses > Dresses", position=4, affinity=0.1, hour=12,
                   product_id="P1", campaign_id="c1", surface="search")  # fmt: skip
    assert model.predict(top) > 2 * model.predict(low)
    model.save(tmp_path / "ads" / "click_model.json")
    again = ClickModel.load(tmp_path / "ads" / "click_model.json", learning_rate=0.05)
    assert again.predict(top) == pytest.approx(model.predict(top)) and again.updates == 6000
    (tmp_path / "bad.json").write_text("{not json")
    assert ClickModel.load(tmp_path / "bad.json").predict(top) == pytest.approx(0.02, abs=0.005)  # the prior


def test_the_click_model_generalises_a_shoppers_brand_taste_to_products_it_never_showed() -> None:
    rng = random.Random(9)
    model = ClickModel(learning_rate=0.05)

    def x(product: str, brand_share: float) -> dict[str, float]:
        return features(query="tent", category="Outdoor > Tents", position=0, affinity=0.0, hour=9,
                        product_id=product, campaign_id=f"c-{product}", surface="search",
                        brand_share=brand_share, relevance=0.7)  # fmt: skip

    for n in range(8000):  # shoppers who bought the brand before click its ads four times as often
        share = rng.choice([0.0, 0.4])
        model.learn(x(f"T{n % 50}", share), rng.random() < (0.12 if share else 0.03))
    assert model.predict(x("NEW", 0.4)) > 2 * model.predict(x("NEW", 0.0))  # a product no impression named
