"""Recommendations: implicit's ALS, and the one users x items matrix every trainer (implicit, Spark, federated)
builds from the stored interactions.

Real time: a user's vector is solved from their full, current history at request time (implicit's
``recalculate_user``, one small least-squares solve against the fixed item factors), so an event changes the
user's recommendations at once, for new users too. Items the model has not seen yet fall back to popularity.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

Scores = list[tuple[str, float]]


FOLDED_USERS = 1024  # fold-in results kept per model version


@dataclass(frozen=True)
class InteractionMatrix:
    """Users x items confidences; rows and columns in the order users and items first appear."""

    user_ids: list[str]
    item_ids: list[str]
    matrix: csr_matrix

    @property
    def popularity(self) -> npt.NDArray[np.float32]:
        """How many users interacted with each item."""
        return np.asarray((self.matrix > 0).sum(axis=0)).ravel().astype(np.float32)


def interaction_matrix(
    interactions: Iterable[tuple[str, str, float]], dtype: type[np.floating[Any]] = np.float32
) -> InteractionMatrix:
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    rows, cols, data = [], [], []
    for user, item, confidence in interactions:
        rows.append(users.setdefault(user, len(users)))
        cols.append(items.setdefault(item, len(items)))
        data.append(confidence)
    matrix = csr_matrix((np.array(data, dtype=dtype), (rows, cols)), shape=(len(users), len(items)))
    return InteractionMatrix(list(users), list(items), matrix)


def new_version(suffix: str = "") -> str:
    """A model version name: sortable by time, unique."""
    return time.strftime("als-%Y%m%dT%H%M%S", time.gmtime()) + f"{suffix}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class AlsParams:
    factors: int = 64
    regularization: float = 0.05
    alpha: float = 2.0
    iterations: int = 15
    random_state: int = 7


def _new_als(params: AlsParams) -> Any:
    from implicit.cpu.als import AlternatingLeastSquares

    return AlternatingLeastSquares(
        factors=params.factors,
        regularization=params.regularization,
        alpha=params.alpha,
        iterations=params.iterations,
        random_state=params.random_state,
        num_threads=1,
    )


def _one_blas_thread() -> Any:
    """implicit is several times slower (and warns) under a multi-threaded BLAS."""
    import implicit.cpu.als  # noqa: F401 - load its BLAS first, so that the limit below covers it
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, "blas")


class AlsRecommender:
    def __init__(
        self,
        item_ids: list[str],
        item_factors: npt.NDArray[np.float32],
        popularity: npt.NDArray[np.float32],
        params: AlsParams,
        version: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.item_ids = item_ids
        self.index = {item: i for i, item in enumerate(item_ids)}
        self.item_factors = item_factors.astype(np.float32)
        self.popularity = popularity.astype(np.float32)
        self.params = params
        self.version = version
        self.metadata = metadata or {}
        with _one_blas_thread():
            self._model = _new_als(params)
        self._model.item_factors = self.item_factors
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        self._normed = self.item_factors / np.maximum(norms, 1e-9)
        self._folded: OrderedDict[tuple[tuple[str, float], ...], npt.NDArray[np.float32] | None] = OrderedDict()
        self._folded_lock = threading.Lock()

    # ---- training --------------------------------------------------------------------------------------
    @classmethod
    def fit(cls, interactions: Iterable[tuple[str, str, float]], params: AlsParams | None = None) -> AlsRecommender:
        params = params or AlsParams()
        table = interaction_matrix(interactions)
        if not table.item_ids:
            raise ValueError("no interactions to train on")
        started = time.perf_counter()
        with _one_blas_thread():
            model = _new_als(params)
            model.fit(table.matrix, show_progress=False)
        seconds = time.perf_counter() - started
        metadata = {
            "users": len(table.user_ids),
            "items": len(table.item_ids),
            "interactions": table.matrix.nnz,
            "fit_seconds": seconds,
        }
        return cls(table.item_ids, np.asarray(model.item_factors), table.popularity, params, new_version(), metadata)

    # ---- persistence (a versioned directory: factors + ids + metadata) --------------------------------------
    def save(self, root: Path, keep: int = 3, current: bool = True) -> Path:
        """Write this version; with ``current`` it becomes the one served (a rejected candidate is kept for
        inspection but not switched to)."""
        target = root / self.version
        staging = root / f".{self.version}.tmp"
        staging.mkdir(parents=True, exist_ok=True)
        np.savez(staging / "factors.npz", item_factors=self.item_factors, popularity=self.popularity)
        meta = {"version": self.version, "item_ids": self.item_ids, "params": self.params.__dict__, **self.metadata}
        (staging / "model.json").write_text(json.dumps(meta))
        staging.rename(target)
        if current:
            (root / "CURRENT.tmp").write_text(self.version)
            (root / "CURRENT.tmp").replace(root / "CURRENT")  # the switch: readers load the old or the new version
        served = (root / "CURRENT").read_text().strip() if (root / "CURRENT").is_file() else None
        for old in sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("als-"))[:-keep]:
            if old.name not in (self.version, served):
                shutil.rmtree(old, ignore_errors=True)
        return target

    @classmethod
    def load(cls, root: Path) -> AlsRecommender | None:
        current = root / "CURRENT"
        if not current.is_file():
            return None
        directory = root / current.read_text().strip()
        meta = json.loads((directory / "model.json").read_text())
        arrays = np.load(directory / "factors.npz")
        extra = {k: v for k, v in meta.items() if k not in {"version", "item_ids", "params"}}
        return cls(meta["item_ids"], arrays["item_factors"], arrays["popularity"], AlsParams(**meta["params"]),
                   meta["version"], extra)  # fmt: skip

    # ---- serving ---------------------------------------------------------------------------------------------
    def knows(self, product_id: str) -> bool:
        return product_id in self.index

    def user_vector(self, history: dict[str, float]) -> npt.NDArray[np.float32] | None:
        """Fold the user in: solve their factors from their whole history, items fixed. One request asks for the
        same history's vector several times (search, then its ads), so the last few are kept, keyed by the
        history itself: a new event is a new key."""
        key = tuple(sorted(history.items()))
        with self._folded_lock:
            if key in self._folded:
                self._folded.move_to_end(key)
                return self._folded[key]
        vector = self._fold_in(history)
        if vector is not None:
            vector.flags.writeable = False  # shared by every caller with this history
        with self._folded_lock:
            self._folded[key] = vector
            while len(self._folded) > FOLDED_USERS:
                self._folded.popitem(last=False)
        return vector

    def _fold_in(self, history: dict[str, float]) -> npt.NDArray[np.float32] | None:
        known = [(self.index[item], weight) for item, weight in history.items() if item in self.index]
        if not known:
            return None
        cols = np.array([i for i, _ in known])
        data = np.array([w for _, w in known], dtype=np.float32)
        row = csr_matrix((data, (np.zeros(len(cols), dtype=np.int32), cols)), shape=(1, len(self.item_ids)))
        return np.asarray(self._model.recalculate_user(0, row), dtype=np.float32).ravel()

    def recommend(self, history: dict[str, float], n: int, exclude: set[str] | None = None) -> Scores:
        vector = self.user_vector(history)
        scores = (
            self.popularity / max(float(self.popularity.max()), 1.0) if vector is None else self.item_factors @ vector
        )
        return self._top(scores, n, exclude or set())

    def score(self, history: dict[str, float], product_ids: Sequence[str]) -> dict[str, float]:
        """The model's score of given products for a history (0 for unknown products or users)."""
        vector = self.user_vector(history)
        if vector is None:
            return {}
        known = [p for p in product_ids if p in self.index]
        if not known:
            return {}
        scores = self.item_factors[[self.index[p] for p in known]] @ vector
        return dict(zip(known, scores.tolist(), strict=True))

    def similar(self, product_id: str, n: int) -> Scores:
        if product_id not in self.index:
            return []
        scores = self._normed @ self._normed[self.index[product_id]]
        return self._top(scores, n, {product_id})

    def _top(self, scores: npt.NDArray[np.float32], n: int, exclude: set[str]) -> Scores:
        order = np.argsort(-scores)
        out: Scores = []
        for i in order:
            item = self.item_ids[int(i)]
            if item in exclude:
                continue
            out.append((item, float(scores[i])))
            if len(out) == n:
                break
        return out
