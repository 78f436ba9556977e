"""Federated personalization eval (runs in the federated environment: ``make venv-federated``).

MovieLens-100k from ``recbole``, leave-last-out by time, full ranking over every unseen item (``eval.recs``).
Users are split over 5 shops, at random and skewed (each user goes to the shop of their most watched genre
group). Compared by HR@10 / NDCG@10 on every user:

- each shop alone: ALS (implicit) on its own events, its users ranked by its own model (mean over shops);
- federated without DP through Flower (the simulation runtime, the same apps a deployment runs);
- federated with DP-FedAvg at ε ∈ {1, 4, 8, ∞} (δ = 1e-5; ∞: clipping without noise), in process (the same
  rounds and aggregation as the Flower apps, without the Ray workers);
- central ALS (implicit) on the pooled events.

    PYTHONPATH=. .venv-federated/bin/python -m eval.federated OUT.json [--shops 5 --rounds 20 --partitions random]
"""

from __future__ import annotations

import importlib.util
import json
import math
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from eval.recs import Split, als, evaluate, leave_last_out, load_ml100k
from retrieval.federated.mf import FederatedParams, Matrix, solve_users, train_in_process
from retrieval.federated.privacy import noise_for
from retrieval.recs import AlsParams

GENRE_GROUPS = [
    {"Action", "Adventure", "War", "Western"},
    {"Comedy", "Children's", "Animation", "Musical"},
    {"Drama", "Romance"},
    {"Thriller", "Crime", "Mystery", "Film-Noir", "Horror"},
    {"Sci-Fi", "Fantasy", "Documentary"},
]
EPSILONS = [1.0, 4.0, 8.0, math.inf]


def _genres() -> dict[str, set[str]]:
    spec = importlib.util.find_spec("recbole")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "dataset_example" / "ml-100k" / "ml-100k.item"
    out: dict[str, set[str]] = {}
    for line in path.read_text(encoding="latin-1").splitlines()[1:]:
        parts = line.split("\t")
        out[parts[0]] = set(parts[3].split()) if len(parts) > 3 else set()
    return out


def partition(split: Split, shops: int, how: str, seed: int = 7) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The shop of every user: ``random``, or ``skewed`` by the user's most watched genre group."""
    if how == "random":
        return np.random.default_rng(seed).integers(0, shops, size=len(split.users))
    genres = _genres()
    owner = np.zeros(len(split.users), dtype=np.int64)
    for u in range(len(split.users)):
        row = split.train[u]
        counts: Counter[int] = Counter()
        for i in row.indices:
            for g, group in enumerate(GENRE_GROUPS):
                if genres.get(split.items[i], set()) & group:
                    counts[g] += 1
        owner[u] = counts.most_common(1)[0][0] % shops if counts else 0
    return owner


def _subset(split: Split, users: np.ndarray[Any, Any]) -> Split:
    return Split([split.users[u] for u in users], split.items, split.train[users], [split.held_out[u] for u in users])


def _scores(split: Split, items: Matrix, params: FederatedParams, users: np.ndarray[Any, Any]) -> dict[str, float]:
    """HR/NDCG of the users in ``users`` ranked with these item factors (each user folded in from history)."""
    sub = _subset(split, users)
    factors = solve_users(sub.train, items, params)
    scores = factors @ items.T
    return evaluate(sub, lambda u: scores[u].astype(np.float32))


def _shop_alone(split: Split, mine: np.ndarray[Any, Any], params: AlsParams) -> dict[str, float]:
    """ALS (implicit) on one shop's events only; that shop's users ranked by it."""
    keep = np.zeros(len(split.users), dtype=bool)
    keep[mine] = True
    masked = csr_matrix(split.train.multiply(keep[:, None]))
    ranker = als(Split(split.users, split.items, masked, split.held_out), params)
    return evaluate(_subset(split, mine), lambda i: ranker(int(mine[i])))


def run_partition(
    split: Split, owner: np.ndarray[Any, Any], shops: int, params: FederatedParams, epsilons: list[float]
) -> dict[str, Any]:
    als_params = AlsParams(params.factors, params.regularization, params.alpha, params.rounds, params.seed)
    every = np.arange(len(split.users))
    present = [s for s in range(shops) if (owner == s).any()]  # a skewed split may leave a shop without users
    local = [split.train[np.nonzero(owner == s)[0]] for s in present]
    results: dict[str, Any] = {"users_per_shop": [int((owner == s).sum()) for s in present]}

    alone = [_shop_alone(split, np.nonzero(owner == s)[0], als_params) for s in present]
    results["shop alone (mean)"] = {k: float(np.mean([a[k] for a in alone])) for k in ("hr@10", "ndcg@10")}

    central = evaluate(split, als(split, als_params))
    results["central ALS"] = {k: central[k] for k in ("hr@10", "ndcg@10")}

    from retrieval.federated.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        run = simulate(local, params, Path(tmp))
        with np.load(Path(tmp) / "result.npz") as f:
            flower_items = f["item_factors"]
    federated = _scores(split, flower_items, params, every)
    results["federated (Flower, no DP)"] = {
        "hr@10": federated["hr@10"],
        "ndcg@10": federated["ndcg@10"],
        "seconds": round(time.perf_counter() - started, 1),
        "rounds": run["rounds"],
    }
    for eps in epsilons:
        noise = noise_for(eps, params.rounds, 1e-5)
        items = train_in_process(local, params, noise=noise)
        scored = _scores(split, items, params, every)
        results[f"federated DP ε={eps:g}"] = {
            "hr@10": scored["hr@10"],
            "ndcg@10": scored["ndcg@10"],
            "noise_multiplier": noise,
        }
    ratio = results["federated (Flower, no DP)"]["ndcg@10"] / max(results["central ALS"]["ndcg@10"], 1e-9)
    results["federated / central NDCG@10"] = ratio
    return results


def run(
    shops: int = 5,
    rounds: int = 20,
    partitions: tuple[str, ...] = ("random", "skewed"),
    epsilons: list[float] | None = None,
) -> dict[str, Any]:
    split = leave_last_out(load_ml100k(), drop_last=0)
    params = FederatedParams(factors=64, regularization=0.05, alpha=2.0, rounds=rounds)
    chosen = EPSILONS if epsilons is None else epsilons
    out: dict[str, Any] = {"shops": shops, "rounds": rounds, "delta": 1e-5, "params": params.__dict__}
    for how in partitions:
        out[how] = run_partition(split, partition(split, shops, how), shops, params, chosen)
    return out


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="federated personalization eval (MovieLens-100k)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--shops", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--partitions", default="random,skewed")
    args = parser.parse_args()
    figures = run(args.shops, args.rounds, tuple(args.partitions.split(",")))
    text = json.dumps(figures, indent=1, default=str)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
