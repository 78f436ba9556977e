"""The promotion gate: a new recommender version (scheduled retrain, ``train-recs``, Spark, federated) is served
only if it ranks held-out interactions no worse than the version being served, beyond a tolerance.

The held-out slice is each chosen user's newest item (users with 3+ items, up to ``holdout_users`` of them,
picked by a hash of their id so that consecutive runs hold out the same users). Every candidate is trained
without that slice. The served version was trained the same way, so neither has seen the answers. Both rank
every item the user has not interacted with; HR@10 and NDCG@10 are over those users. Each decision is
appended to ``promotions.jsonl`` in the model directory and shown in ``/v1/capabilities``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval.recs import AlsRecommender

Interaction = tuple[str, str, float]  # user, product, confidence
K = 10
MIN_ITEMS = 3  # a user needs history left after holding one item out
LOG = "promotions.jsonl"


@dataclass(frozen=True)
class Holdout:
    train: list[Interaction]
    cases: list[tuple[dict[str, float], str]]  # the user's other items (confidences) -> their held-out item


@dataclass(frozen=True)
class Scores:
    hr: float
    ndcg: float
    users: int


@dataclass(frozen=True)
class Decision:
    candidate: str
    served: str | None
    promoted: bool
    forced: bool
    reason: str
    candidate_scores: Scores | None = None
    served_scores: Scores | None = None
    engine: str = "implicit"
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def public(self) -> dict[str, Any]:
        return asdict(self)


def split_holdout(interactions: Sequence[Interaction], users: int, min_users: int) -> Holdout:
    """Hold out the newest item of up to ``users`` users (interactions come per user, oldest item first)."""
    by_user: dict[str, list[tuple[str, float]]] = {}
    for user, item, confidence in interactions:
        by_user.setdefault(user, []).append((item, confidence))
    eligible = [u for u, items in by_user.items() if len(items) >= MIN_ITEMS]
    if len(eligible) < min_users:
        return Holdout(list(interactions), [])
    chosen = set(sorted(eligible, key=lambda u: hashlib.sha256(u.encode()).hexdigest())[:users])
    train: list[Interaction] = []
    cases: list[tuple[dict[str, float], str]] = []
    for user, items in by_user.items():
        kept = items[:-1] if user in chosen else items
        train.extend((user, item, confidence) for item, confidence in kept)
        if user in chosen:
            cases.append((dict(kept), items[-1][0]))
    return Holdout(train, cases)


def score(model: AlsRecommender, cases: Sequence[tuple[dict[str, float], str]], k: int = K) -> Scores:
    hits = gain = 0.0
    for history, target in cases:
        ranked = [item for item, _ in model.recommend(history, k, exclude=set(history))]
        if target in ranked:
            hits += 1
            gain += 1 / math.log2(ranked.index(target) + 2)
    n = max(len(cases), 1)
    return Scores(hr=hits / n, ndcg=gain / n, users=len(cases))


class PromotionGate:
    def __init__(self, tolerance: float, holdout_users: int, min_users: int) -> None:
        self.tolerance = tolerance
        self.holdout_users = holdout_users
        self.min_users = min_users

    def split(self, interactions: Sequence[Interaction]) -> Holdout:
        return split_holdout(interactions, self.holdout_users, self.min_users)

    def decide(
        self, candidate: AlsRecommender, served: AlsRecommender | None, holdout: Holdout, *, force: bool = False
    ) -> Decision:
        engine = str(candidate.metadata.get("engine", "implicit"))
        served_version = served.version if served else None

        def decision(promoted: bool, reason: str, **scores: Any) -> Decision:
            return Decision(candidate.version, served_version, promoted, scores.pop("forced", False), reason,
                            engine=engine, **scores)  # fmt: skip

        if not holdout.cases:
            return decision(True, f"fewer than {self.min_users} users with {MIN_ITEMS}+ items: too little to judge")
        mine = score(candidate, holdout.cases)
        if served is None:
            return decision(True, "no version served yet", candidate_scores=mine)
        theirs = score(served, holdout.cases)
        floor = theirs.ndcg * (1 - self.tolerance)
        good = mine.ndcg >= floor
        relation = ">=" if good else "<"
        reason = f"NDCG@10 {mine.ndcg:.4f} {relation} {floor:.4f} ({1 - self.tolerance:.2f} x served {theirs.ndcg:.4f})"
        if force and not good:
            reason += "; promoted by --force"
        return decision(good or force, reason, forced=force and not good, candidate_scores=mine, served_scores=theirs)


class PromotionLog:
    """Decisions, one JSON line each, appended in the model directory (read by ``/v1/capabilities``)."""

    def __init__(self, model_dir: Path) -> None:
        self.path = model_dir / LOG
        self._lock = threading.Lock()

    def append(self, decision: Decision) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(decision.public(), sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def last(self, n: int = 5) -> list[dict[str, Any]]:
        """The newest ``n`` decisions, newest first (a torn last line from a crash is skipped)."""
        if not self.path.is_file():
            return []
        rows = []
        for line in self.path.read_text(encoding="utf-8").splitlines()[-n:]:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return rows[::-1]
