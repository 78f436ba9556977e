"""Events in, recommendations out: the event log, the current ALS model and the catalog's business rules."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from app.personalization.promotion import PromotionGate, PromotionLog
from app.personalization.training import Trained, fit_with, train_and_promote
from app.store.events import EventStore
from retrieval.catalog import Product, category_prefixes
from retrieval.catalog_service import CatalogService
from retrieval.events import Event
from retrieval.index.base import SearchFilters
from retrieval.rank import blend
from retrieval.recs import AlsParams, AlsRecommender
from retrieval.search import Mode, SearchResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recommendation:
    product: Product
    score: float


@dataclass(frozen=True)
class Recommendations:
    items: list[Recommendation]
    model_version: str
    cold_start: bool


class PersonalizationService:
    def __init__(
        self,
        events: EventStore,
        catalog: CatalogService,
        model_dir: Path,
        params: AlsParams,
        gate: PromotionGate,
        search_weight: float,
    ) -> None:
        self.events = events
        self.gate = gate
        self.catalog = catalog
        self.model_dir = model_dir
        self.params = params
        self.search_weight = search_weight
        self.model: AlsRecommender | None = AlsRecommender.load(model_dir)
        self._train_lock = threading.Lock()
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None
        self._trained_on = -1  # events count at the last training
        self._current_checked = 0.0
        self._current_mtime = self._mtime()
        # product id -> "scarce" | "overstock" from the demand forecasts (set by the composition root)
        self.outlook: Callable[[Sequence[str]], dict[str, str]] = lambda ids: {}
        self.overstock_boost = 0.0

    def _mtime(self) -> float:
        try:
            return (self.model_dir / "CURRENT").stat().st_mtime
        except OSError:
            return 0.0

    def current(self) -> AlsRecommender | None:
        """The model to serve: a version saved by another process (``train-recs``, ``federated simulate``) is
        picked up within a second, without a restart."""
        now = time.monotonic()
        if now - self._current_checked >= 1.0:
            self._current_checked = now
            mtime = self._mtime()
            if mtime != self._current_mtime:
                self._current_mtime = mtime
                try:
                    loaded = AlsRecommender.load(self.model_dir)
                except (OSError, ValueError, KeyError):  # half-written or removed: keep serving the current one
                    log.warning("could not load the new model version; keeping the current one")
                else:
                    if loaded is not None and (self.model is None or loaded.version != self.model.version):
                        self.model = loaded
        return self.model

    # ---- writes ----------------------------------------------------------------------------------------
    def record(self, events: Sequence[Event]) -> tuple[int, int]:
        """Commit events durably; the next recommendation request already folds them in."""
        return self.events.add(events)

    def train(self, *, force: bool = False) -> Trained | None:
        """Fit ALS on the stored events into a new version and serve it (no restart) if the promotion gate
        passes it; a rejected version is kept on disk, the served one stays."""
        with self._train_lock:
            count = self.events.count()
            trained = train_and_promote(
                self.events, fit_with("implicit", self.params), self.model_dir, self.gate, force=force
            )
            if trained is not None:
                if trained.decision.promoted:
                    self.model = trained.model  # atomic swap: requests read self.model once
                self._current_mtime = self._mtime()
                self._trained_on = count
            return trained

    def start_schedule(self, interval_s: float) -> None:
        """Retrain in the background every ``interval_s`` seconds when new events arrived."""
        if interval_s <= 0 or self._scheduler is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    if self.events.count() != self._trained_on:
                        self.train()
                except Exception:  # a failed retrain keeps the current model serving
                    log.exception("scheduled retrain failed")

        self._scheduler = threading.Thread(target=loop, name="recs-retrain", daemon=True)
        self._scheduler.start()

    def stop_schedule(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.join(timeout=30)
            self._scheduler = None

    def check(self) -> str | None:
        """None when recommendations can be served (popularity until the first events arrive)."""
        if self.model is None and self.events.count():
            return "events stored but no model trained yet"
        return None

    def describe(self) -> dict[str, object]:
        model = self.current()
        return {
            "engine": "implicit ALS" if model is None else str(model.metadata.get("engine", "implicit ALS")),
            "model_version": model.version if model else None,
            "trained_on": model.metadata if model else None,
            "params": self.params.__dict__,
            "search_weight": self.search_weight,
            "promotion": {
                "tolerance": self.gate.tolerance,
                "holdout_users": self.gate.holdout_users,
                "decisions": PromotionLog(self.model_dir).last(),
            },
        }

    # ---- reads ---------------------------------------------------------------------------------------------
    def recommend(
        self, user_id: str, limit: int = 10, category: str | None = None, exclude_seen: bool = True
    ) -> Recommendations:
        model = self.current()
        history = self.events.history(user_id)
        exclude = set(history) if exclude_seen else set()
        cold = model is None or not any(model.knows(p) for p in history)
        if cold and history:
            # the model knows none of this user's products (new products, or no model yet): content similarity
            similar = self._content_based(history, limit, category, exclude)
            return Recommendations(similar, model.version if model else "none", cold_start=True)
        if model is None:
            return Recommendations([], "none", cold_start=True)
        ranked = self._by_stock(model.recommend(history, n=max(limit * 8, 50), exclude=exclude))
        products = self.catalog.get_many([p for p, _ in ranked])
        items: list[Recommendation] = []
        for product_id, score in ranked:
            product = products.get(product_id)
            if product is None or not product.in_stock:  # never recommend what cannot be bought
                continue
            if category and category not in category_prefixes(product.category):
                continue
            items.append(Recommendation(product, score))
            if len(items) == limit:
                break
        return Recommendations(items, model.version, cold_start=cold)

    def _by_stock(self, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Products about to run out are not pushed; overstock is raised by the merchant's boost, if any."""
        outlook = self.outlook([p for p, _ in ranked])
        if not outlook:
            return ranked
        boost = 1.0 + self.overstock_boost
        kept = [(p, s * boost if outlook.get(p) == "overstock" and s > 0 else s)
                for p, s in ranked if outlook.get(p) != "scarce"]  # fmt: skip
        return sorted(kept, key=lambda ps: -ps[1]) if self.overstock_boost else kept

    def _content_based(
        self, history: dict[str, float], limit: int, category: str | None, exclude: set[str]
    ) -> list[Recommendation]:
        """Products like the user's strongest interactions, through the product index (dense vectors)."""
        strongest = sorted(history, key=lambda p: -history[p])[:3]
        scores: dict[str, Recommendation] = {}
        filters = SearchFilters(category=category, in_stock=True)
        for product in self.catalog.get_many(strongest).values():
            for hit in self.catalog.search(product.title, filters, limit * 2, mode="dense").hits:
                if hit.id in exclude or hit.id in history:
                    continue
                if hit.id not in scores or scores[hit.id].score < hit.score:
                    scores[hit.id] = Recommendation(hit.product, hit.score)
        ranked = dict(self._by_stock([(p, r.score) for p, r in scores.items()]))
        return sorted((Recommendation(scores[p].product, s) for p, s in ranked.items()), key=lambda r: -r.score)[:limit]

    def search(
        self, text: str, filters: SearchFilters, limit: int, mode: Mode | None, user_id: str
    ) -> tuple[SearchResult, bool]:
        """Search, then re-rank the candidates for the user (``retrieval.rank.blend``); (result, personalised)."""
        result = self.catalog.search(text, filters, max(limit * 3, 30), mode)
        model = self.current()
        history = self.events.history(user_id)
        preference = model.score(history, [h.id for h in result.hits]) if model else {}
        if not preference:
            hits = [h for h in result.hits if h.product.in_stock][:limit]
            return replace(result, hits=hits), False
        hits = blend(result.hits, preference, self.search_weight, limit)
        return replace(result, hits=hits), True

    def similar(self, product_id: str, limit: int = 10) -> list[Recommendation]:
        model = self.current()
        ranked = self._by_stock(model.similar(product_id, max(limit * 5, 30))) if model else []
        products = self.catalog.get_many([p for p, _ in ranked])
        items = [Recommendation(products[p], s) for p, s in ranked if p in products and products[p].in_stock]
        if len(items) < limit:  # unseen by the model: content similarity from the index
            source = self.catalog.get(product_id)
            if source is not None:
                seen = {r.product.id for r in items} | {product_id}
                for hit in self.catalog.search(source.title, limit=limit * 2, mode="dense").hits:
                    if hit.id not in seen and hit.product.in_stock:
                        items.append(Recommendation(hit.product, hit.score))
                        seen.add(hit.id)
        return items[:limit]
