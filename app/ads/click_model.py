"""The online click model: pCTR from impression and click events as they arrive (River's logistic regression,
one SGD step per event), with a checkpoint on disk so a restart serves what was learned.

Features: the query's terms, the product's category (alone and by position), the slot position, the candidate's
relevance (its match to the query, or to the shopper without one), the shopper's ALS affinity to the product and
shares of past interactions in its category and with its brand, the product's rating, the hour of day, the surface
(search, recommendations, chat), and the product and campaign themselves. River was chosen over
Vowpal Wabbit by measurement on the replay simulation (docs/benchmarks.md: log loss within 0.01 of each other, a
third of the update time and a twentieth of the prediction time).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from river import linear_model, optim

from retrieval.catalog import Product

Features = dict[str, float]
_TERM = re.compile(r"\w+")


def category_leaf(category: str) -> str:
    """The last step of a category path, case-folded: the category the click model knows a product by."""
    return category.split(" > ")[-1].casefold()


@dataclass(frozen=True)
class Taste:
    """A shopper's past interactions by category leaf and by brand, as shares of their confidence."""

    categories: dict[str, float]
    brands: dict[str, float]

    @classmethod
    def of(cls, history: dict[str, float], products: Mapping[str, Product]) -> Taste:
        """From the shopper's confidences and the products they name (ids not in ``products`` are left out)."""
        total = sum(history.values())
        categories: dict[str, float] = {}
        brands: dict[str, float] = {}
        for product_id, confidence in history.items() if total > 0 else ():
            product = products.get(product_id)
            if product is None:
                continue
            leaf = category_leaf(product.category)
            categories[leaf] = categories.get(leaf, 0.0) + confidence / total
            if product.brand:
                brands[product.brand] = brands.get(product.brand, 0.0) + confidence / total
        return cls(categories, brands)

    def category_share(self, product: Product) -> float:
        return self.categories.get(category_leaf(product.category), 0.0)

    def brand_share(self, product: Product) -> float:
        return self.brands.get(product.brand, 0.0) if product.brand else 0.0


def features(
    *, query: str, category: str, position: int, affinity: float, hour: int, product_id: str, campaign_id: str,
    surface: str, category_share: float = 0.0, brand_share: float = 0.0, relevance: float = 0.0,
    rating: float | None = None,
) -> Features:  # fmt: skip
    leaf = category_leaf(category)
    x: Features = {
        f"pos={position}": 1.0,
        f"cat={leaf}": 1.0,
        f"cat={leaf}|pos={position}": 1.0,
        f"hour={hour}": 1.0,
        f"surface={surface}": 1.0,
        f"p={product_id}": 1.0,
        f"c={campaign_id}": 1.0,
        "affinity": max(-1.0, min(1.0, affinity)),
        "category_share": category_share,  # of the shopper's past interactions, in this category
        "category_share_log": math.log(0.05 + category_share) / 3.0,  # attraction grows with it, CTR with its log
        "brand_share": brand_share,  # of the shopper's past interactions, with this brand
        "brand_seen": 1.0 if brand_share > 0 else 0.0,
        "relevance": relevance,  # the candidate's match to the query (or to the shopper, without one)
    }
    if rating is not None:  # the product's review rating: what its listing shows next to it
        x["rating"] = (rating - 3.0) / 2.0
        x[f"rating={round(rating * 2) / 2}"] = 1.0
    for term in _TERM.findall(query.casefold())[:8]:
        x[f"q={term}"] = 1.0
        x[f"q={term}|cat={leaf}"] = 1.0
    return x


def log_loss(p: float, clicked: bool) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return -math.log(p if clicked else 1 - p)


class ClickModel:
    def __init__(self, learning_rate: float = 0.01, l2: float = 1e-4, prior_ctr: float = 0.02) -> None:
        intercept = math.log(prior_ctr / (1 - prior_ctr))
        self.model = linear_model.LogisticRegression(
            optimizer=optim.SGD(learning_rate), l2=l2, intercept_init=intercept, intercept_lr=learning_rate / 5
        )
        self.updates = 0
        self._lock = threading.Lock()

    def predict(self, x: Features) -> float:
        with self._lock:
            return float(self.model.predict_proba_one(x)[True])  # type: ignore[no-untyped-call]

    def learn(self, x: Features, clicked: bool) -> None:
        with self._lock:
            self.model.learn_one(x, clicked)
            self.updates += 1

    def save(self, path: Path) -> None:
        """The weights as JSON, atomically: a crash mid-write leaves the previous checkpoint."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            data = {"weights": dict(self.model.weights), "intercept": self.model.intercept, "updates": self.updates}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".click-model-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)

    @classmethod
    def load(cls, path: Path, **settings: float) -> ClickModel:
        """The checkpoint's weights (the prior when there is none or it cannot be read)."""
        model = cls(**settings)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            intercept, updates = float(data["intercept"]), int(data["updates"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return model
        model.model._weights.update(weights)
        model.model.intercept = intercept
        model.updates = updates
        return model
