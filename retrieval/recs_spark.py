"""The scale path: train ALS with Spark MLlib (extra ``spark``) and export it in our serving format.

For interaction logs that do not fit one machine: Spark fits the factors (here in local mode; on a cluster
with ``spark_master``), and the item factors are written as an ``AlsRecommender`` version, so serving,
fold-in and hot swap are the same code whichever engine trained the model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import numpy as np

from retrieval.recs import AlsParams, AlsRecommender, interaction_matrix, new_version


def fit_spark(
    interactions: Iterable[tuple[str, str, float]],
    params: AlsParams | None = None,
    spark_master: str = "local[2]",
) -> AlsRecommender:
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    # py4j logs every connection at INFO, even from finalisers at interpreter exit
    logging.getLogger("py4j").setLevel(logging.WARNING)
    params = params or AlsParams()
    table = interaction_matrix(interactions)
    if not table.item_ids:
        raise ValueError("no interactions to train on")
    coo = table.matrix.tocoo()
    rows = [(int(u), int(i), float(c)) for u, i, c in zip(coo.row, coo.col, coo.data, strict=True)]
    spark = (
        SparkSession.builder.master(spark_master)
        .appName("shopassist-als")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        frame = spark.createDataFrame(rows, ["user", "item", "confidence"])
        started = time.perf_counter()
        als = ALS(
            rank=params.factors,
            maxIter=params.iterations,
            regParam=params.regularization,
            alpha=params.alpha,
            implicitPrefs=True,
            userCol="user",
            itemCol="item",
            ratingCol="confidence",
            seed=params.random_state,
            coldStartStrategy="drop",
        )
        model = als.fit(frame)
        seconds = time.perf_counter() - started
        factors = np.zeros((len(table.item_ids), params.factors), dtype=np.float32)
        for row in model.itemFactors.collect():
            factors[int(row["id"])] = np.asarray(row["features"], dtype=np.float32)
    finally:
        spark.stop()
    metadata = {"users": len(table.user_ids), "items": len(table.item_ids), "interactions": len(rows),
                "fit_seconds": seconds, "engine": "spark"}  # fmt: skip
    return AlsRecommender(table.item_ids, factors, table.popularity, params, new_version("-spark"), metadata)
