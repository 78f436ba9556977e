"""Recommender evaluation: leave-last-out by time, full ranking over every unseen item (no sampling).

Data: MovieLens-100k read in place from the ``recbole`` package (never committed), and the demo store's
events. Each user's last interaction is the test item, the one before it the validation item (used only to
choose ALS's factors and regularization); models rank every item the user has not interacted with.
Metrics at 10: HR (hit rate), NDCG, MAP (one relevant item: 1/rank), coverage (share of items that appear
in anybody's top 10).
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from retrieval.events import EventWeights
from retrieval.recs import AlsParams, AlsRecommender

K = 10
Interaction = tuple[str, str, float, float]  # user, item, confidence, timestamp
Ranker = Callable[[int], npt.NDArray[np.float32]]  # user row -> scores over all items
NO_RECENCY = EventWeights()


def load_ml100k() -> list[Interaction]:
    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("recbole==1.2.1 is not installed (pip install --no-deps recbole==1.2.1)")
    path = Path(next(iter(spec.submodule_search_locations))) / "dataset_example" / "ml-100k" / "ml-100k.inter"
    rows = []
    for line in path.read_text().splitlines()[1:]:
        user, item, _rating, ts = line.split("\t")
        rows.append((user, item, 1.0, float(ts)))  # implicit feedback: every rating is an interaction
    return rows


def load_demo_events(store: Path) -> list[Interaction]:
    """The demo store's events with their type weights (the recency factor is applied by the split)."""
    from datetime import datetime

    weights = EventWeights()
    rows = []
    for line in (store / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        confidence = weights.weight(event["type"], event["value"])
        if confidence > 0:
            rows.append(
                (event["user_id"], event["product_id"], confidence, datetime.fromisoformat(event["ts"]).timestamp())
            )
    return rows


@dataclass
class Split:
    users: list[str]
    items: list[str]
    train: csr_matrix  # users x items, confidences
    held_out: list[int]  # item index per user (-1: none)


def leave_last_out(rows: Sequence[Interaction], drop_last: int, weights: EventWeights = NO_RECENCY) -> Split:
    """Hold out each user's last item after dropping their ``drop_last`` final items (0: test, 1: validation).
    The training confidences are the service's (``EventWeights.confidences``: recency counted from the user's
    last training interaction)."""
    by_user: dict[str, list[Interaction]] = {}
    for row in rows:
        by_user.setdefault(row[0], []).append(row)
    items = sorted({r[1] for r in rows})
    item_index = {item: i for i, item in enumerate(items)}
    users = sorted(u for u, seq in by_user.items() if len(seq) >= 3)
    data, rr, cc, held = [], [], [], []
    for u, user in enumerate(users):
        seq = sorted(by_user[user], key=lambda r: (r[3], r[1]))
        seq = seq[: len(seq) - drop_last] if drop_last else seq
        *train, last = seq
        held.append(item_index[last[1]])
        for item, c in weights.confidences([(item, confidence) for _, item, confidence, _ in train]).items():
            rr.append(u)
            cc.append(item_index[item])
            data.append(c)
    matrix = csr_matrix((np.array(data, dtype=np.float32), (rr, cc)), shape=(len(users), len(items)))
    return Split(users, items, matrix, held)


def evaluate(split: Split, ranker: Ranker) -> dict[str, float]:
    hits = ndcg = ap = 0.0
    shown: set[int] = set()
    for u, target in enumerate(split.held_out):
        scores = np.array(ranker(u), dtype=np.float64)
        seen = split.train.indices[split.train.indptr[u] : split.train.indptr[u + 1]]
        scores[seen] = -np.inf
        top = np.argpartition(-scores, min(K, len(scores) - 1))[:K]
        top = top[np.argsort(-scores[top])]
        shown.update(int(i) for i in top)
        where = np.nonzero(top == target)[0]
        if where.size:
            rank = int(where[0])
            hits += 1
            ndcg += 1 / math.log2(rank + 2)
            ap += 1 / (rank + 1)
    n = len(split.held_out)
    return {"hr@10": hits / n, "ndcg@10": ndcg / n, "map@10": ap / n, "coverage": len(shown) / len(split.items)}


def popularity(split: Split) -> Ranker:
    counts = np.asarray((split.train > 0).sum(axis=0)).ravel().astype(np.float32)
    return lambda _u: counts


def item_knn(split: Split, weighted: bool = False) -> Ranker:
    """Cosine item-item similarity over who interacted with what; a user's scores sum the similarities of their
    items (``weighted``: each item counted with its training confidence, e.g. the recency factor)."""
    binary = (split.train > 0).astype(np.float32).tocsc()
    norms = np.sqrt(np.asarray(binary.multiply(binary).sum(axis=0)).ravel())
    normalised = binary.multiply(1 / np.maximum(norms, 1e-9)).tocsr()
    similarity = (normalised.T @ normalised).toarray().astype(np.float32)
    np.fill_diagonal(similarity, 0.0)
    user_rows = split.train if weighted else (split.train > 0).astype(np.float32)
    return lambda u: np.asarray(user_rows[u] @ similarity).ravel()


def als(split: Split, params: AlsParams) -> Ranker:
    """Our serving path: fit, then fold each user in from their history (as the API does)."""
    interactions = []
    coo = split.train.tocoo()
    for u, i, c in zip(coo.row, coo.col, coo.data, strict=True):
        interactions.append((split.users[u], split.items[i], float(c)))
    model = AlsRecommender.fit(interactions, params)
    order = np.array([model.index.get(item, -1) for item in split.items])

    def rank(u: int) -> npt.NDArray[np.float32]:
        row = split.train[u]
        history = {split.items[i]: float(c) for i, c in zip(row.indices, row.data, strict=True)}
        vector = model.user_vector(history)
        scores = np.full(len(split.items), -1e9, dtype=np.float32)
        if vector is not None:
            known = order >= 0
            scores[known] = model.item_factors[order[known]] @ vector
        return scores

    return rank


@dataclass(frozen=True)
class Candidate:
    """One grid point: ALS's parameters and the recency factor of the confidences it trains on."""

    params: AlsParams
    recency_boost: float = 0.0
    recency_half_life: float = 5.0

    @property
    def weights(self) -> EventWeights:
        return EventWeights(recency_boost=self.recency_boost, recency_half_life=self.recency_half_life)

    def describe(self) -> dict[str, float]:
        recency = {"recency_boost": self.recency_boost, "recency_half_life": self.recency_half_life}
        return {**self.params.__dict__, **recency}


# recency first: the report's short profiles try the head of the grid
GRID = [Candidate(AlsParams(factors=f, regularization=r, alpha=a, iterations=15), boost, half_life)
        for boost, half_life in ((10.0, 5.0), (20.0, 3.0), (0.0, 5.0))
        for f in (32, 64, 128) for r in (0.01, 0.1) for a in (1.0, 4.0)]  # fmt: skip


def run_suite(rows: Sequence[Interaction], grid: Sequence[Candidate] = GRID) -> dict[str, Any]:
    scored = []
    for candidate in grid:
        validation = leave_last_out(rows, drop_last=1, weights=candidate.weights)
        scored.append((evaluate(validation, als(validation, candidate.params))["ndcg@10"], candidate))
    best = max(scored, key=lambda sc: sc[0])[1]
    test = leave_last_out(rows, drop_last=0, weights=best.weights)
    results: dict[str, Any] = {
        "users": len(test.users),
        "items": len(test.items),
        # popularity and plain item-kNN count interactions (train > 0), which the recency factor never changes
        "popularity": evaluate(test, popularity(test)),
        "item-kNN (cosine)": evaluate(test, item_knn(test)),
        "item-kNN (cosine, ALS's confidences)": evaluate(test, item_knn(test, weighted=True)),
        "ALS": evaluate(test, als(test, best.params)),
        "ALS params (chosen on validation)": best.describe(),
        "grid points": len(grid),
    }
    results["ALS / popularity HR@10"] = results["ALS"]["hr@10"] / max(results["popularity"]["hr@10"], 1e-9)
    return results


def run(demo_store: Path | None = None, *, movielens: bool = True, grid: Sequence[Candidate] = GRID) -> dict[str, Any]:
    figures = {"MovieLens-100k": run_suite(load_ml100k(), grid)} if movielens else {}
    if demo_store is not None:
        figures["demo store events"] = run_suite(load_demo_events(demo_store), grid)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(Path("data/demo") if Path("data/demo/events.jsonl").exists() else None), indent=2))
