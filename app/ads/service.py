"""Serving sponsored products: which running campaigns may show (targeting, relevance floor, stock, budget,
pacing, frequency cap), the auction among them, the impressions committed before the response, and clicks
charged once; the click model learns from every impression and click as it arrives."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from app.ads.auction import Bidder, Win, pacing_pass, quality_gsp
from app.ads.click_model import ClickModel, Features, Taste, category_leaf, features
from app.config import AdsSettings
from app.observability import Metrics
from app.personalization import PersonalizationService
from app.store.ads import AdStore, Campaign, Charge, Creative, Impression
from retrieval.catalog import Product, category_prefixes
from retrieval.catalog_service import CatalogService
from retrieval.recs import AlsRecommender

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")
SHOWN_USERS = 50_000  # shoppers whose impressions today this process keeps counting in memory
RELEVANT = 16  # the most relevant candidates an auction weighs: a bound on what one request costs


@dataclass(frozen=True)
class Placement:
    """A sponsored product and where it goes in the list."""

    product: Product
    position: int
    campaign_id: str
    impression_id: str
    headline: str | None = None  # the approved creative, if the campaign has one for the product
    line: str | None = None


class AdService:
    def __init__(
        self, store: AdStore, catalog: CatalogService, personalization: PersonalizationService,
        settings: AdsSettings, metrics: Metrics, model_path: Path,
    ) -> None:  # fmt: skip
        self.store = store
        self.catalog = catalog
        self.personalization = personalization
        self.settings = settings
        self.metrics = metrics
        self.model_path = model_path
        self.model = ClickModel.load(model_path, learning_rate=settings.learning_rate, prior_ctr=settings.prior_ctr)
        self._rng = random.Random()  # noqa: S311 - exploration and pacing draws, not secrets
        self._lock = threading.Lock()
        self._campaigns: list[Campaign] = []
        self._by_keyword: dict[str, list[Campaign]] = {}
        self._untargeted: list[Campaign] = []
        self._creatives: dict[tuple[str, str], Creative] = {}
        self._spent: tuple[float, dict[str, float]] = (0.0, {})
        self._shown: OrderedDict[str, tuple[str, dict[str, int]]] = OrderedDict()  # user -> (day, per campaign)
        self._tastes: OrderedDict[str, tuple[dict[str, float], str, Taste]] = OrderedDict()  # user -> of history
        self._version: object = None
        self._checked = 0.0
        self._pending: deque[tuple[str, Features, float]] = deque()  # impressions awaiting a click or the window
        self._clicked: set[str] = set()
        self._saved_at = self.model.updates  # updates when the last checkpoint was asked for
        self._written = self.model.updates  # and when one was last written
        # checkpoints are written on a thread of their own: JSON and an fsync of a model that grows with every
        # product and query term, which a request that happened to cross the interval would otherwise wait on
        self._save_due = threading.Event()
        self._closing = False
        self._saver = threading.Thread(target=self._save_loop, name="click-model-saver", daemon=True)
        self._saver.start()

    # ---- campaigns in memory -------------------------------------------------------------------------------
    def campaigns(self) -> list[Campaign]:
        """The campaigns, reloaded when any changed (checked at most once a second, so other workers' edits
        are seen within a second)."""
        now = time.monotonic()
        if now - self._checked >= 1.0 or self._version is None:
            self._checked = now
            version = self.store.version()
            if version != self._version:
                campaigns = self.store.campaigns()
                by_keyword: dict[str, list[Campaign]] = {}
                for campaign in campaigns:
                    for keyword in {k.casefold() for k in campaign.keywords}:
                        by_keyword.setdefault(keyword, []).append(campaign)
                self._by_keyword = by_keyword
                self._creatives = self.store.approved_creatives()
                self._untargeted = [c for c in campaigns if not c.keywords]
                self._campaigns, self._version = campaigns, version
        return self._campaigns

    def _targeted(self, surface: str, terms: set[str]) -> list[Campaign]:
        """Campaigns a query's words reach (and those with no keywords); recommendations have no query: all."""
        campaigns = self.campaigns()  # reloads the keyword index when campaigns changed
        if surface == "recommendations":
            return campaigns
        chosen = {c.id: c for term in terms for c in self._by_keyword.get(term, [])}
        return [*self._untargeted, *chosen.values()]

    def changed(self) -> None:
        self._version = None

    # ---- serving -------------------------------------------------------------------------------------------
    def place(
        self, surface: str, *, query: str = "", user_id: str | None = None, organic: list[Product],
        category: str | None = None, limit: int = 10, positions: list[int] | None = None,
    ) -> list[Placement]:  # fmt: skip
        """The sponsored products for one list (at ``positions``, by default the configured ones below ``limit``),
        their impressions committed before this returns; [] when nothing is eligible."""
        positions = [p for p in (positions if positions is not None else self.settings.positions) if p < limit]
        now = datetime.now(UTC)
        terms = {w.casefold() for w in _WORD.findall(query)}
        targeted = self._targeted(surface, terms) if self.settings.enabled and positions else []
        running = [c for c in targeted if c.running(now)]
        if not running:
            return []
        self._flush(time.monotonic())
        areas = {prefix for p in organic[:limit] for prefix in category_prefixes(p.category)}
        if category:
            areas.add(category)
        spent = self._spent_today(now)
        capped = self._shown_today(user_id, now) if user_id else {}
        day = self.store.day.fraction(now)
        wanted: dict[str, list[Campaign]] = {}
        for campaign in running:
            spend = spent.get(campaign.id, 0.0)
            if spend >= campaign.daily_budget or capped.get(campaign.id, 0) >= self.settings.frequency_cap:
                continue
            if campaign.categories and not areas & set(campaign.categories):
                continue
            if self._rng.random() > pacing_pass(spend, campaign.daily_budget, day, self.settings.pacing_gain):
                continue
            for product_id in campaign.product_ids:  # one also listed organically moves up into the slot
                wanted.setdefault(product_id, []).append(campaign)
        if not wanted:
            return []
        history = self.personalization.events.history(user_id) if user_id else {}
        model = self.personalization.current()
        relevant = self._relevance(query, history, model, list(wanted), organic)
        if not relevant:  # nothing to auction: no fold-in, no reads of the shopper's products
            return []
        affinity = model.score(history, list(relevant)) if model and history else {}
        taste = self._taste(user_id, history) if user_id else Taste({}, {})
        bidders, seen = [], {}
        outlook = self.personalization.outlook(list(relevant))  # an ad never pushes stock about to run out
        for product, score in relevant.values():
            if not product.in_stock or score < self.settings.relevance_floor or outlook.get(product.id) == "scarce":
                continue
            for campaign in wanted[product.id]:
                x = features(query=query, category=product.category, position=positions[0],
                             affinity=affinity.get(product.id, 0.0), hour=now.hour, product_id=product.id,
                             campaign_id=campaign.id, surface=surface, rating=product.rating,
                             category_share=taste.category_share(product), brand_share=taste.brand_share(product),
                             relevance=score)  # fmt: skip
                seen[(campaign.id, product.id)] = x
                bidders.append(Bidder(campaign.id, product.id, campaign.bid_cpc, self.model.predict(x), score))
        wins = quality_gsp(bidders, len(positions), self.settings.reserve_cpc, rng=self._rng,
                           explore=self.settings.explore, squash=self.settings.squash)  # fmt: skip
        return self._record(surface, user_id, wins, positions, {p.id: p for p, _ in relevant.values()}, seen)

    def _shown_today(self, user_id: str, now: datetime) -> dict[str, int]:
        """Today's impressions per campaign for this shopper: read from the database the first time this process
        sees them today, then counted here as it shows them (another worker's impressions count from its next
        read: the cap holds per process and again within a day)."""
        day = self.store.day.key(now)
        with self._lock:
            cached = self._shown.get(user_id)
            if cached is not None and cached[0] == day:
                self._shown.move_to_end(user_id)
                return cached[1]
        counts = self.store.shown_today(user_id, now)
        with self._lock:
            self._shown[user_id] = (day, counts)
            while len(self._shown) > SHOWN_USERS:
                self._shown.popitem(last=False)
        return counts

    def _taste(self, user_id: str, history: dict[str, float]) -> Taste:
        """The shopper's category and brand shares, kept while the event store serves the same history (it hands
        out one dict per shopper until they add to it) and the catalog the same version."""
        version = self.catalog.index.version
        with self._lock:
            cached = self._tastes.get(user_id)
            if cached is not None and cached[0] is history and cached[1] == version:
                self._tastes.move_to_end(user_id)
                return cached[2]
        taste = Taste.of(history, self.catalog.get_many(list(history)))
        with self._lock:
            self._tastes[user_id] = (history, version, taste)
            while len(self._tastes) > SHOWN_USERS:
                self._tastes.popitem(last=False)
        return taste

    def _spent_today(self, now: datetime) -> dict[str, float]:
        """Today's spend per campaign, read at most every second: a click past the budget is charged nothing,
        so a stale second never lets a day overshoot by more than one click."""
        if time.monotonic() - self._spent[0] >= 1.0:
            self._spent = (time.monotonic(), self.store.spent_today(now))
        return self._spent[1]

    def _relevance(
        self, query: str, history: dict[str, float], model: AlsRecommender | None, candidates: list[str],
        organic: list[Product],
    ) -> dict[str, tuple[Product, float]]:  # fmt: skip
        """The candidates worth an auction, with their relevance. Query surfaces: the dense cosine of query and
        product, the closest ``RELEVANT`` only. Recommendations: the shopper's ALS score of the product relative
        to their top organic recommendation's (no history: nothing is relevant)."""
        if query.strip():  # scored here against the candidates' stored vectors: no second index query
            encoded = self.catalog.query_vector(query)
            if encoded is None:
                return {}
            name, vector = encoded
            stored = self.catalog.vectors(candidates, name)
            if not stored:
                return {}
            ids = list(stored)
            cosine = np.stack([stored[i] for i in ids]) @ vector
            order = np.argsort(-cosine, kind="stable")
            products = self.catalog.get_many([ids[k] for k in order[: RELEVANT * 2]])
            ranked = [(products[ids[k]], float(cosine[k])) for k in order[: RELEVANT * 2] if ids[k] in products]
            return dict([(p.id, (p, score)) for p, score in ranked if p.in_stock][:RELEVANT])
        if model is None or not history:
            return {}
        scores = model.score(history, candidates + [p.id for p in organic[:1]])
        top = scores.get(organic[0].id, 0.0) if organic else max(scores.values(), default=0.0)
        if top <= 0:
            return {}
        best = sorted((p for p in candidates if p in scores), key=lambda p: -scores[p])[:RELEVANT]
        products = self.catalog.get_many(best)
        return {p: (products[p], scores[p] / top) for p in best if p in products}

    def _record(
        self, surface: str, user_id: str | None, wins: list[Win], positions: list[int], products: dict[str, Product],
        seen: dict[tuple[str, str], Features],
    ) -> list[Placement]:  # fmt: skip
        placements, impressions = [], []
        for position, win in zip(positions, wins, strict=False):
            b = win.bidder
            x = {**seen[(b.campaign_id, b.product_id)]}
            x = {k: v for k, v in x.items() if not k.startswith("pos=") and "|pos=" not in k}
            leaf = category_leaf(products[b.product_id].category)
            x.update({f"pos={position}": 1.0, f"cat={leaf}|pos={position}": 1.0})  # where it is actually shown
            impression = Impression(f"imp_{uuid.uuid4().hex}", b.campaign_id, b.product_id, user_id, surface,
                                    position, win.price, x)  # fmt: skip
            impressions.append(impression)
            creative = self._creatives.get((b.campaign_id, b.product_id))
            headline, line = (creative.headline, creative.line) if creative else (None, None)
            placements.append(Placement(products[b.product_id], position, b.campaign_id, impression.id, headline, line))
        if impressions:
            self.store.record_impressions(impressions)  # durable before the list that shows them is sent
            if user_id is not None:
                with self._lock:
                    cached = self._shown.get(user_id)
                    if cached is not None:
                        for i in impressions:
                            cached[1][i.campaign_id] = cached[1].get(i.campaign_id, 0) + 1
            self.metrics.ad_impressions.labels(surface).inc(len(impressions))
            now = time.monotonic()
            with self._lock:
                self._pending.extend((i.id, i.features, now) for i in impressions)
        return placements

    # ---- clicks and learning -------------------------------------------------------------------------------
    def click(self, impression_id: str, owner: str | None = None) -> Charge | None:
        """Charge a click (once per impression) and learn from it; None: no such impression for ``owner``."""
        budgets = {c.id: c.daily_budget for c in self.campaigns()}
        charge = self.store.click(impression_id, budgets, owner)
        if charge is None or charge.duplicate:
            return charge
        self.metrics.ad_clicks.inc()
        self.metrics.ad_spend.inc(charge.charged)
        with self._lock:
            self._clicked.add(impression_id)
        self.model.learn(charge.impression.features, True)
        self._maybe_save()
        return charge

    def _flush(self, now: float) -> None:
        """Impressions older than the click window that were not clicked teach the model a negative."""
        expired: list[Features] = []
        with self._lock:
            while self._pending and now - self._pending[0][2] >= self.settings.click_window_s:
                impression_id, x, _ = self._pending.popleft()
                if impression_id in self._clicked:
                    self._clicked.discard(impression_id)
                else:
                    expired.append(x)
        for x in expired:
            self.model.learn(x, False)
        if expired:
            self._maybe_save()

    def _maybe_save(self) -> None:
        if self.model.updates - self._saved_at >= self.settings.checkpoint_every:
            self._saved_at = self.model.updates
            self._save_due.set()

    def _save_loop(self) -> None:
        while True:
            self._save_due.wait()
            if self._closing:
                return
            self._save_due.clear()
            self._save()

    def _save(self) -> None:
        updates = self.model.updates
        try:
            self.model.save(self.model_path)
        except OSError:
            log.warning("could not save the click model checkpoint; keeping it in memory")
            return
        self._written = max(self._written, updates)

    def close(self) -> None:
        self._closing = True
        self._save_due.set()
        self._saver.join(timeout=30)
        if self.model.updates != self._written:
            self.model.save(self.model_path)  # the last checkpoint: raises if it cannot be written

    def attribution(self) -> timedelta:
        return timedelta(days=self.settings.attribution_days)
