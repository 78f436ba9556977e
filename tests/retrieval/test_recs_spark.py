"""The scale path: Spark MLlib ALS (local mode, Java 17) exported into our format ranks like implicit's."""

from __future__ import annotations

import numpy as np
import pytest

from eval.recs import load_ml100k
from retrieval.recs import AlsParams, AlsRecommender
from retrieval.recs_spark import fit_spark

pytestmark = pytest.mark.slow  # Spark's JVM (~25 s): make test-slow


def test_spark_als_ranks_close_to_implicit() -> None:
    rows = [(u, i, c) for u, i, c, _ in load_ml100k() if int(u) <= 300]  # 300 users, ~30k interactions
    params = AlsParams(factors=16, iterations=10, regularization=0.1, alpha=1.0)
    spark = fit_spark(rows, params)
    local = AlsRecommender.fit(rows, params)
    assert spark.metadata["engine"] == "spark" and spark.item_factors.shape == local.item_factors.shape
    histories: dict[str, dict[str, float]] = {}
    for user, item, confidence in rows:
        histories.setdefault(user, {})[item] = confidence
    popular = [item for item, _ in local.recommend({}, 300)]
    overlap, with_popularity = [], []
    for history in list(histories.values())[:100]:
        a = {i for i, _ in spark.recommend(history, 10, set(history))}
        b = {i for i, _ in local.recommend(history, 10, set(history))}
        overlap.append(len(a & b) / 10)
        top_popular = [p for p in popular if p not in history][:10]
        with_popularity.append(len(b & set(top_popular)) / 10)
    # Different solvers (Spark scales the regularization per user/item, ALS-WR; implicit does not) never agree
    # exactly. Measured here: 0.65 mean overlap@10, while implicit's own top 10 shares only 0.21 with the
    # popularity ranking. 0.45 (over twice that) says the two engines learned the same taste, not just popularity.
    assert np.mean(overlap) >= 0.45
    assert np.mean(overlap) > 2 * np.mean(with_popularity)
