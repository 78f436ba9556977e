"""The promotion gate on the demo store's events (real ALS, real SQLite): the held-out slice, a version that ranks
worse is kept off, ``force`` overrides and says so, every decision is logged with both scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.personalization.promotion import MIN_ITEMS, PromotionGate, PromotionLog, split_holdout
from app.personalization.training import fit_with, promote, train_and_promote
from app.store.database import Database
from app.store.events import EventStore
from retrieval.events import Event
from retrieval.recs import AlsParams, AlsRecommender

PARAMS = AlsParams(factors=16, iterations=8)


@pytest.fixture(scope="module")
def events(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('promotion') / 'events.db'}")
    database.create_all()
    store = EventStore(database)
    lines = (demo_store / "events.jsonl").read_text(encoding="utf-8").splitlines()
    store.add([Event.model_validate(json.loads(line)) for line in lines if line.strip()])
    return store


def gate(tolerance: float = 0.1) -> PromotionGate:
    return PromotionGate(tolerance=tolerance, holdout_users=300, min_users=20)


def noise_like(model: AlsRecommender, seed: int) -> AlsRecommender:
    """A version with the same items and random factors: what a broken training run would produce."""
    factors = np.random.default_rng(seed).normal(size=model.item_factors.shape).astype(np.float32)
    return AlsRecommender(model.item_ids, factors, model.popularity, model.params, f"als-noise-{seed}", {})


def test_the_held_out_slice_is_each_chosen_users_newest_item_and_training_never_sees_it(events: EventStore) -> None:
    interactions = list(events.interactions())
    holdout = split_holdout(interactions, users=300, min_users=20)
    assert 20 <= len(holdout.cases) <= 300
    train = {(u, i) for u, i, _ in holdout.train}
    per_user: dict[str, list[str]] = {}
    for user, item, _ in interactions:
        per_user.setdefault(user, []).append(item)
    for history, target in holdout.cases:
        user = next(u for u, items in per_user.items() if items[-1] == target and set(items[:-1]) == set(history))
        assert (user, target) not in train and len(history) >= MIN_ITEMS - 1
    assert len(holdout.train) == len(interactions) - len(holdout.cases)
    assert split_holdout(interactions, 300, 20) == holdout  # the same users every run
    assert split_holdout(interactions[:5], 300, 20).cases == []  # too few to judge: nothing held out


def test_a_version_that_ranks_worse_is_kept_off_and_force_serves_it(events: EventStore, tmp_path: Path) -> None:
    recs = tmp_path / "recs"
    first = train_and_promote(events, fit_with("implicit", PARAMS), recs, gate())
    assert first is not None and first.decision.promoted and first.decision.reason == "no version served yet"
    holdout = gate().split(list(events.interactions()))

    broken = promote(noise_like(first.model, 1), holdout, recs, gate())
    served = AlsRecommender.load(recs)
    assert not broken.decision.promoted and served is not None and served.version == first.model.version
    scores, theirs = broken.decision.candidate_scores, broken.decision.served_scores
    assert scores is not None and theirs is not None and scores.ndcg < 0.9 * theirs.ndcg and theirs.users >= 20
    assert (recs / broken.model.version).is_dir()  # kept for inspection

    forced = promote(noise_like(first.model, 2), holdout, recs, gate(), force=True)
    assert forced.decision.promoted and forced.decision.forced and "--force" in forced.decision.reason
    assert AlsRecommender.load(recs).version == forced.model.version  # type: ignore[union-attr]

    again = train_and_promote(events, fit_with("implicit", PARAMS), recs, gate())
    assert again is not None and again.decision.promoted and not again.decision.forced  # beats the forced noise

    log = PromotionLog(recs).last(10)
    assert [d["candidate"] for d in log] == [again.model.version, forced.model.version, broken.model.version,
                                             first.model.version]  # fmt: skip
    assert log[2]["served_scores"]["ndcg"] > log[2]["candidate_scores"]["ndcg"] and not log[2]["promoted"]


def test_the_tolerance_decides_how_much_worse_is_too_much(events: EventStore, tmp_path: Path) -> None:
    recs = tmp_path / "recs"
    first = train_and_promote(events, fit_with("implicit", PARAMS), recs, gate())
    assert first is not None
    holdout = gate().split(list(events.interactions()))
    weaker = AlsRecommender.fit(holdout.train, AlsParams(factors=4, iterations=1))
    strict, lenient = gate(tolerance=0.0), gate(tolerance=1.0)
    s = strict.decide(weaker, first.model, holdout)
    assert s.candidate_scores is not None and s.served_scores is not None
    assert s.promoted == (s.candidate_scores.ndcg >= s.served_scores.ndcg)
    assert lenient.decide(weaker, first.model, holdout).promoted  # 1.0: anything goes


def test_a_torn_last_line_of_the_log_is_skipped(tmp_path: Path) -> None:
    log = PromotionLog(tmp_path)
    log.path.write_text('{"candidate": "a", "promoted": true}\n{"candidate": "b", "prom', encoding="utf-8")
    assert log.last() == [{"candidate": "a", "promoted": True}]
