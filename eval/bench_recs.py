"""Recommender benchmarks: ALS fit through our code vs raw implicit (same matrix, same process), and over
HTTP the fold-in latency (POST an event, GET the changed recommendations) and the recommendations p99."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_search import _percentile
from eval.recs import load_ml100k
from eval.serving import bench_env, cli, serving
from retrieval.recs import AlsParams, AlsRecommender


def fit(repeats: int = 3) -> dict[str, Any]:
    from implicit.cpu.als import AlternatingLeastSquares
    from scipy.sparse import csr_matrix
    from threadpoolctl import threadpool_limits

    rows = load_ml100k()
    interactions = [(u, i, c) for u, i, c, _ in rows]
    params = AlsParams()
    users = {u: n for n, u in enumerate(sorted({r[0] for r in rows}))}
    items = {i: n for n, i in enumerate(sorted({r[1] for r in rows}))}
    matrix = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), ([users[r[0]] for r in rows], [items[r[1]] for r in rows])),
        shape=(len(users), len(items)),
    )
    raw, ours = [], []
    for _ in range(repeats):
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=params.factors, regularization=params.regularization, alpha=params.alpha,
                iterations=params.iterations, random_state=params.random_state, num_threads=1,
            )  # fmt: skip
            started = time.perf_counter()
            model.fit(matrix, show_progress=False)
            raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        AlsRecommender.fit(interactions, params)  # includes building the matrix from (user, item, confidence)
        ours.append(time.perf_counter() - started)
    return {
        "interactions": len(rows),
        "raw_implicit_fit_s": statistics.median(raw),
        "ours_fit_s": statistics.median(ours),
        "ours_over_raw": statistics.median(ours) / statistics.median(raw),
    }


def http(iterations: int = 200) -> dict[str, Any]:
    import httpx

    key = "bench-admin-key-0123456789"
    with tempfile.TemporaryDirectory(prefix="bench-recs-") as tmp:
        root = Path(tmp)
        env = bench_env(root, SHOPASSIST_ADMIN_API_KEY=key, SHOPASSIST_LLM__MODEL="smollm2-135m")
        cli(env, "demo-data")
        cli(env, "ingest", str(root / "demo" / "products.jsonl"))
        cli(env, "load-events", str(root / "demo" / "events.jsonl"))
        with (
            serving(env) as (base, _process, _ready_s),
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client,
        ):
            products = [f"P{n:04d}" for n in range(0, 1200, 7)]
            fold_in, changed = [], 0
            for n in range(iterations):
                user = f"bench-user-{n % 40}"
                before = client.get(f"/v1/users/{user}/recommendations", params={"limit": 10}).json()["items"]
                event = {"event_id": f"b-{n}", "user_id": user, "product_id": products[n % len(products)],
                         "type": "purchase"}  # fmt: skip
                started = time.perf_counter()
                client.post("/v1/events", json={"events": [event]}).raise_for_status()
                after = client.get(f"/v1/users/{user}/recommendations", params={"limit": 10}).json()["items"]
                fold_in.append((time.perf_counter() - started) * 1000)
                changed += [i["id"] for i in before] != [i["id"] for i in after]
            latencies = []
            for n in range(iterations * 2):
                started = time.perf_counter()
                client.get(f"/v1/users/c{(n % 200) + 1:04d}/recommendations", params={"limit": 10}).raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
    return {
        "fold_in_post_to_changed_get_p50_ms": _percentile(fold_in, 50),
        "fold_in_post_to_changed_get_p99_ms": _percentile(fold_in, 99),
        "recommendations_changed_share": changed / iterations,
        "recommendations_p50_ms": _percentile(latencies, 50),
        "recommendations_p99_ms": _percentile(latencies, 99),
    }


def run() -> dict[str, Any]:
    return {"fit": fit(), "http": http()}
