"""The ads replay on the demo shoppers, small: every strategy's invariants hold (no ads earn nothing, budgets
hold within one click, prices within [reserve, bid]), and ads cost the organic list little."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import ads


@pytest.fixture(scope="module")
def world(demo_store: Path) -> ads.World:
    return ads.build_world(demo_store)


def test_strategies_keep_their_rules(world: ads.World) -> None:
    none, _, _ = ads.simulate(world, 800, "none")
    assert none.revenue == 0 and none.impressions == 0
    for strategy in ("highest_bid", "quality"):
        outcome, logged, campaigns = ads.simulate(world, 800, strategy)
        assert outcome.impressions == len(logged) > 0 and outcome.clicks == sum(x.clicked for x in logged)
        assert outcome.revenue == pytest.approx(sum(c.spent for c in campaigns))
        for campaign in campaigns:
            assert campaign.spent <= campaign.budget + campaign.bid + 1e-9  # one click past the budget at most
        assert sum(outcome.ndcg) / len(outcome.ndcg) <= sum(none.ndcg) / len(none.ndcg) + 1e-9
        assert all(0 < x.p_true < 1 for x in logged)


def test_progressive_log_loss_is_reported_per_window(world: ads.World) -> None:
    _, logged, _ = ads.simulate(world, 800, "quality")
    curve = ads.logloss_curve(logged, "river", window=200)
    assert len(curve) == len(logged) // 200 and all(r["model"] > 0 and r["constant"] > 0 for r in curve)
    oracle = ads.logloss_curve(logged, "oracle", window=200)
    assert sum(r["model"] for r in oracle) < sum(r["constant"] for r in oracle)  # the true model beats a constant


def test_a_click_becomes_a_view_in_the_shoppers_history_for_that_replay_only(world: ads.World) -> None:
    before = {user: dict(history) for user, history in world.history.items()}
    ads.simulate(world, 400, "quality")
    assert world.history == before  # each strategy replays the same day from the same histories
    day = world.fresh()
    user = sorted(day.wanted)[0]
    product = min(day.products.values(), key=lambda p: (day.taste(user).category_share(p), p.id))
    share = day.taste(user).category_share(product)
    day.viewed(user, product.id)
    assert day.taste(user).category_share(product) > share  # what the service's history read would show
    assert product.id in day.history[user] and world.taste(user).category_share(product) == share
