"""The scale path: train ALS with Spark MLlib (extra ``spark``) and export it in our serving format.

For interaction logs that do not fit one machine: Spark fits the factors (here in local mode; on a cluster
with ``spark_master``), and the item factors are written as an ``AlsRecommender`` version, so serving,
fold-in and hot swap are the same code whichever engine trained the model.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable

import numpy as np

from retrieval.recs import AlsParams, AlsRecommender


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
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    rows = []
    for user, item, confidence in interactions:
        rows.append((users.setdefault(user, len(users)), items.setdefault(item, len(items)), float(confidence)))
    if not rows:
        raise ValueError("no interactions to train on")
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
        factors = np.zeros((len(items), params.factors), dtype=np.float32)
        for row in model.itemFactors.collect():
            factors[int(row["id"])] = np.asarray(row["features"], dtype=np.float32)
    finally:
        spark.stop()
    popularity = np.zeros(len(items), dtype=np.float32)
    for _user, item_row, _confidence in rows:
        popularity[item_row] += 1
    version = time.strftime("als-%Y%m%dT%H%M%S", time.gmtime()) + f"-spark-{uuid.uuid4().hex[:8]}"
    metadata = {"users": len(users), "items": len(items), "interactions": len(rows), "fit_seconds": seconds,
                "engine": "spark"}  # fmt: skip
    return AlsRecommender(list(items), factors, popularity, params, version, metadata)
