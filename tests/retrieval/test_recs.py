"""implicit ALS behind the Recommender seam, on a matrix with a known structure."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from retrieval.recs import AlsParams, AlsRecommender

GROUP_A = [f"A{i}" for i in range(20)]
GROUP_B = [f"B{i}" for i in range(20)]


def interactions(seed: int = 1) -> list[tuple[str, str, float]]:
    rng = random.Random(seed)
    rows = []
    for n in range(60):
        items = GROUP_A if n % 2 == 0 else GROUP_B
        for item in rng.sample(items, 8):
            rows.append((f"u{n}", item, rng.choice([1.0, 4.0, 10.0])))
    return rows


@pytest.fixture(scope="module")
def model() -> AlsRecommender:
    return AlsRecommender.fit(interactions(), AlsParams(factors=8, iterations=20))


def test_fold_in_recommends_from_the_users_own_taste(model: AlsRecommender) -> None:
    history = {"A1": 10.0, "A2": 10.0, "A3": 4.0}  # a user the model has never seen
    top = [item for item, _ in model.recommend(history, 10, exclude=set(history))]
    assert len(top) == 10 and not set(top) & set(history)
    assert sum(item.startswith("A") for item in top) >= 8  # chance would be 5
    flipped = [item for item, _ in model.recommend({"B5": 10.0, "B6": 10.0}, 10)]
    assert sum(item.startswith("B") for item in flipped) >= 8


def test_unknown_history_falls_back_to_popularity(model: AlsRecommender) -> None:
    assert model.user_vector({"nope": 1.0}) is None
    top = model.recommend({"nope": 1.0}, 5)
    assert len(top) == 5
    scores = [score for _, score in top]
    assert scores == sorted(scores, reverse=True)


def test_similar_items_come_from_the_same_group(model: AlsRecommender) -> None:
    similar = [item for item, _ in model.similar("B3", 5)]
    assert "B3" not in similar and all(item.startswith("B") for item in similar)
    assert model.similar("unknown", 5) == []


def test_save_and_load_round_trip(model: AlsRecommender, tmp_path: Path) -> None:
    model.save(tmp_path)
    loaded = AlsRecommender.load(tmp_path)
    assert loaded is not None and loaded.version == model.version
    history = {"A1": 10.0}
    assert loaded.recommend(history, 5) == model.recommend(history, 5)
    assert AlsRecommender.load(tmp_path / "empty") is None


def test_nothing_to_train_on_is_an_error() -> None:
    with pytest.raises(ValueError, match="no interactions"):
        AlsRecommender.fit([])


def test_a_version_saved_by_another_process_is_served_without_a_restart(model: AlsRecommender, tmp_path: Path) -> None:
    import time

    from app.personalization import PersonalizationService
    from app.personalization.promotion import PromotionGate
    from app.store.database import Database
    from app.store.events import EventStore

    database = Database(f"sqlite:///{tmp_path / 'events.db'}")
    database.create_all()
    gate = PromotionGate(tolerance=0.1, holdout_users=500, min_users=20)
    service = PersonalizationService(EventStore(database), None, tmp_path / "recs", model.params, gate, 0.3)  # type: ignore[arg-type]
    assert service.current() is None
    model.save(tmp_path / "recs")  # what `train-recs` or `federated simulate` do in their own process
    deadline = time.monotonic() + 3
    while service.current() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    served = service.current()
    assert served is not None and served.version == model.version


def test_a_fold_in_is_reused_for_the_same_history_and_solved_anew_for_a_changed_one(model: AlsRecommender) -> None:
    history = {"A1": 10.0, "A2": 4.0}
    first = model.user_vector(history)
    assert first is not None and model.user_vector(dict(history)) is first  # one request asks several times
    assert not first.flags.writeable  # shared: nobody may change it in place
    grown = model.user_vector({**history, "B5": 30.0})
    assert grown is not None and not np.allclose(grown, first)
    scores = model.score({**history, "B5": 30.0}, ["A3", "B6", "nope"])
    assert set(scores) == {"A3", "B6"}
    assert scores["B6"] == pytest.approx(float(model.item_factors[model.index["B6"]] @ grown), rel=1e-5)
