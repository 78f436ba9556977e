"""Sponsored products, replayed over the demo shoppers for one simulated day (``shopassist eval --suite ads``).

The world. Each shopper's events are split by time: the first 70% train ALS (the service's settings) and give the
click model its affinity feature; the last 30% are held out and say what the shopper wants. Clicks follow a
position-based model: P(click on item i at position k) = examination(k) x attraction(u, i), with examination(k) = 1
/ (k + 1)^0.7 and attraction(u, i) = (0.01 + 0.30 x (share of u's held-out events in i's class) + 0.08 if i's brand
is among u's held-out brands) x appeal(i), where appeal(i) = 0.2 + 0.8 x ((rating - 1) / 4)^3 from the product's
real review rating (a 5-star product draws five times the clicks of a 2.5-star one). A request is a shopper
searching for the class of one of their held-out products; the organic list is that class's in-stock products, most
reviewed first (ten positions); sponsored slots sit at positions 1 and 5 (0-based 0 and 4). Campaigns target one
class each (its keywords), with log-normal bids and budgets that bind. A click opens the product page, which records
a view (as the storefront does): the shopper's history, and with it the service's ALS affinity and category and
brand shares, follows their clicks through the day.

Strategies over the same request stream: (a) no ads; (b) highest bid first (second price on bids, budgets enforced,
no pacing); (c) the service's auction: second price on bid x pCTR^squash (the service's default squash), the online
click model learning from its own impressions and clicks, 5% exploration, pacing through the day. The click model's
log loss is measured progressively (each impression predicted before it is learned) against a constant-CTR baseline
(the running mean), for River and for Vowpal Wabbit on the same stream.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.ads.auction import Bidder, Win, highest_bid, pacing_pass, quality_gsp
from app.ads.click_model import ClickModel, Features, Taste, features, log_loss
from app.config import AdsSettings
from retrieval.catalog import Product
from retrieval.demo_shoppers import class_of, occasions_of
from retrieval.events import EventWeights
from retrieval.recs import AlsParams, AlsRecommender

SLOTS = (0, 4)
LIST = 10
RESERVE = 0.05
RELEVANCE_FLOOR = 0.5


@dataclass
class Campaign:
    id: str
    products: list[str]
    cls: str
    bid: float
    budget: float
    spent: float = 0.0


@dataclass
class World:
    products: dict[str, Product]
    by_class: dict[str, list[str]]
    interest: dict[str, dict[str, float]]  # user -> class -> share of held-out events
    brands: dict[str, set[str]]
    wanted: dict[str, list[str]]  # user -> held-out products (the queries come from these)
    history: dict[str, dict[str, float]]  # training confidences, for ALS affinity
    model: AlsRecommender
    events: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)  # training events, then the day's
    weights: EventWeights = field(default_factory=EventWeights)
    tastes: dict[str, Taste] = field(default_factory=dict)  # per shopper, until their history changes

    def fresh(self) -> World:
        """The world at the start of the day: each strategy's replay adds its own views to the histories."""
        return replace(self, history=dict(self.history), events={u: list(e) for u, e in self.events.items()},
                       tastes={})  # fmt: skip

    def viewed(self, user: str, product_id: str) -> None:
        """A click opens the product page, which records a view (the storefront's ``POST /v1/events``): the
        shopper's history, their ALS fold-in and their category and brand shares change as the service's do."""
        self.events.setdefault(user, []).append((product_id, "view", 1.0))
        self.history[user] = self.weights.user_confidences(self.events[user])
        self.tastes.pop(user, None)

    def taste(self, user: str) -> Taste:
        """The shopper's category and brand shares from their training events (features the service has too)."""
        if user not in self.tastes:
            self.tastes[user] = Taste.of(self.history.get(user, {}), self.products)
        return self.tastes[user]

    def features(self, user: str, product_id: str, query_class: str, position: int, day: float,
                 affinity: dict[str, float], campaign_id: str) -> Features:  # fmt: skip
        """What the service's click model sees of one ad shown to ``user`` for a search of ``query_class``."""
        p = self.products[product_id]
        return features(query=query_class.lower(), category=p.category, position=position,
                        affinity=affinity.get(product_id, 0.0), hour=int(day * 24), product_id=product_id,
                        campaign_id=campaign_id, surface="search", rating=p.rating,
                        category_share=self.taste(user).category_share(p),
                        brand_share=self.taste(user).brand_share(p),
                        relevance=self.relevance(query_class, product_id))  # fmt: skip

    def attraction(self, user: str, product_id: str) -> float:
        p = self.products[product_id]
        brand = 0.08 if p.brand in self.brands.get(user, set()) else 0.0
        appeal = 0.2 + 0.8 * ((max(1.0, p.rating or 3.0) - 1) / 4) ** 3
        return (0.01 + 0.30 * self.interest[user].get(class_of(p), 0.0) + brand) * appeal

    def relevance(self, query_class: str, product_id: str) -> float:
        p = self.products[product_id]
        if class_of(p) == query_class:
            return 1.0
        wanted = {name for pid in self.by_class[query_class][:1] for name in occasions_of(self.products[pid])}
        return 0.6 if wanted & occasions_of(p) else 0.0


def examination(position: int) -> float:
    return float(1.0 / (position + 1) ** 0.7)


def build_world(store: Path) -> World:
    import json

    lines = (store / "products.jsonl").read_text().splitlines()
    products = {p.id: p for p in (Product.model_validate_json(x) for x in lines)}
    by_class: dict[str, list[str]] = defaultdict(list)
    for p in sorted(products.values(), key=lambda p: (-(p.review_count or 0), p.id)):
        if p.in_stock:
            by_class[class_of(p)].append(p.id)
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in (store / "events.jsonl").read_text().splitlines():
        e = json.loads(line)
        events[e["user_id"]].append(e)
    weights = EventWeights(recency_boost=10.0, recency_half_life=5.0)
    history, interest, brands, wanted, trained = {}, {}, {}, {}, {}
    for user, seq in events.items():
        cut = int(len(seq) * 0.7)
        train, held = seq[:cut], seq[cut:]
        trained[user] = [(e["product_id"], e["type"], float(e["value"])) for e in train]
        history[user] = weights.user_confidences(trained[user])
        classes = Counter(class_of(products[e["product_id"]]) for e in held)
        interest[user] = {c: n / len(held) for c, n in classes.items()}
        brands[user] = {products[e["product_id"]].brand or "" for e in held}
        wanted[user] = [e["product_id"] for e in held if class_of(products[e["product_id"]]) in by_class]
    interactions = [(u, p, c) for u, h in history.items() for p, c in h.items()]
    model = AlsRecommender.fit(interactions, AlsParams())
    return World(products, dict(by_class), interest, brands, {u: w for u, w in wanted.items() if w}, history, model,
                 trained, weights)  # fmt: skip


def make_campaigns(world: World, rng: random.Random, count: int = 80) -> list[Campaign]:
    classes = sorted(world.by_class)
    campaigns = []
    for n in range(count):
        cls = rng.choice(classes)
        pool = world.by_class[cls]
        chosen = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        bid = round(min(3.0, max(0.10, rng.lognormvariate(math.log(0.6), 0.6))), 2)
        campaigns.append(Campaign(f"cmp{n:03d}", chosen, cls, bid, round(rng.uniform(2.0, 12.0), 2)))
    return campaigns


@dataclass
class Outcome:
    revenue: float = 0.0
    impressions: int = 0
    clicks: int = 0
    ndcg: list[float] = field(default_factory=list)
    over_budget_clicks: int = 0
    spend_curve: list[tuple[float, float]] = field(default_factory=list)  # (day share, spend share)

    def figures(self, budget: float) -> dict[str, float]:
        return {
            "revenue": round(self.revenue, 2),
            "ad_impressions": float(self.impressions),
            "ad_clicks": float(self.clicks),
            "ad_ctr": self.clicks / self.impressions if self.impressions else 0.0,
            "ndcg@10": sum(self.ndcg) / len(self.ndcg) if self.ndcg else 0.0,
            "budget_use": self.revenue / budget if budget else 0.0,
        }


def _ndcg(gains: list[float]) -> float:
    dcg = sum(g / math.log2(k + 2) for k, g in enumerate(gains))
    ideal = sum(g / math.log2(k + 2) for k, g in enumerate(sorted(gains, reverse=True)))
    return dcg / ideal if ideal else 0.0


@dataclass
class Logged:
    x: Features
    clicked: bool
    p_true: float  # the click model's probability (for the oracle's log loss)


def simulate(
    world: World,
    requests: int,
    strategy: str,
    seed: int = 7,
    explore: float = 0.05,
    learning_rate: float = 0.01,
    squash: float = AdsSettings().squash,
) -> tuple[Outcome, list[Logged], list[Campaign]]:
    world = world.fresh()
    rng = random.Random(seed)  # the same requests and click draws for every strategy
    clicks_rng = random.Random(seed + 1)
    campaigns = make_campaigns(world, random.Random(seed + 2))
    by_class: dict[str, list[Campaign]] = defaultdict(list)
    for c in campaigns:
        by_class[c.cls].append(c)
    by_id = {c.id: c for c in campaigns}
    users = sorted(world.wanted)
    model = ClickModel(learning_rate=learning_rate)
    logged: list[Logged] = []
    out = Outcome()
    total_budget = sum(c.budget for c in campaigns)
    for n in range(requests):
        day = n / requests
        user = rng.choice(users)
        target = rng.choice(world.wanted[user])
        query_class = class_of(world.products[target])
        organic = world.by_class[query_class][: LIST + 4]
        wins: list[Win] = []
        affinity: dict[str, float] = {}
        if strategy != "none":
            bidders = []
            affinity = world.model.score(world.history[user], [p for c in campaigns for p in c.products])
            for campaign in [c for c in campaigns if world.relevance(query_class, c.products[0]) >= RELEVANCE_FLOOR]:
                if campaign.spent >= campaign.budget:
                    continue
                if strategy == "quality" and rng.random() > pacing_pass(campaign.spent, campaign.budget, day):
                    continue
                for pid in campaign.products:
                    x = world.features(user, pid, query_class, SLOTS[0], day, affinity, campaign.id)
                    pctr = model.predict(x) if strategy == "quality" else 1.0
                    bidders.append(Bidder(campaign.id, pid, campaign.bid, pctr))
            wins = (quality_gsp(bidders, len(SLOTS), RESERVE, rng=rng, explore=explore, squash=squash)
                    if strategy == "quality"
                    else highest_bid(bidders, len(SLOTS), RESERVE))  # fmt: skip
        ad_ids = {w.bidder.product_id for w in wins}
        page: list[tuple[str, Win | None]] = [(p, None) for p in organic if p not in ad_ids]
        page = page[:LIST]
        for slot, won in zip(SLOTS, wins, strict=False):
            page.insert(slot, (won.bidder.product_id, won))
        page = page[:LIST]
        out.ndcg.append(_ndcg([world.attraction(user, p) for p, _ in page]))
        views: list[str] = []  # recorded once the page's features are taken: the service saw none of them
        for position, (pid, placed) in enumerate(page):
            p_true = examination(position) * world.attraction(user, pid)
            clicked = clicks_rng.random() < p_true
            if clicked:
                views.append(pid)
            if placed is None:
                continue
            win = placed
            campaign = by_id[win.bidder.campaign_id]
            out.impressions += 1
            x = world.features(user, pid, query_class, position, day, affinity, campaign.id)
            logged.append(Logged(x, clicked, p_true))
            if strategy == "quality":
                model.learn(x, clicked)
            if clicked:
                out.clicks += 1
                if campaign.spent >= campaign.budget:  # clicks beyond the budget are not charged
                    out.over_budget_clicks += 1
                    continue
                campaign.spent += win.price
                out.revenue += win.price
        for pid in views:
            world.viewed(user, pid)
        if n % max(1, requests // 48) == 0:
            out.spend_curve.append((day, out.revenue / total_budget))
    return out, logged, campaigns


def logloss_curve(logged: list[Logged], learner: str, window: int = 1000) -> list[dict[str, float]]:
    """Progressive validation: each impression predicted, then learned; windows of ``window`` impressions."""
    predict, learn = _learner(learner)
    clicks = 0
    rows, model_loss, constant_loss = [], 0.0, 0.0
    for n, item in enumerate(logged, start=1):
        constant = (clicks + 0.5) / n  # the running CTR of the impressions before this one, smoothed
        model_loss += log_loss(predict({**item.x, "__p_true": item.p_true} if learner == "oracle" else item.x),
                               item.clicked)  # fmt: skip
        constant_loss += log_loss(constant, item.clicked)
        learn(item.x, item.clicked)
        clicks += item.clicked
        if n % window == 0:
            rows.append({"impressions": float(n), "model": model_loss / window, "constant": constant_loss / window,
                         "ratio": model_loss / max(constant_loss, 1e-9)})  # fmt: skip
            model_loss = constant_loss = 0.0
    return rows


def _learner(name: str) -> tuple[Any, Any]:
    if name == "oracle":  # the simulated clicks' own probability: the best any model could do
        return (lambda x: x["__p_true"], lambda x, clicked: None)
    if name == "river":
        model = ClickModel()
        return model.predict, model.learn
    import vowpalwabbit

    vw = vowpalwabbit.Workspace("--loss_function logistic --link logistic -b 22 -l 0.1 --quiet")

    def line(x: Features) -> str:
        return "|f " + " ".join(f"{k.replace(':', '_').replace('|', '_').replace(' ', '_')}:{v}" for k, v in x.items())

    return (lambda x: float(vw.predict(line(x))),
            lambda x, clicked: vw.learn(("1 " if clicked else "-1 ") + line(x)))  # fmt: skip


def run(store: Path, requests: int = 40_000) -> dict[str, Any]:
    world = build_world(store)
    figures: dict[str, Any] = {"requests": requests, "model": __doc__.split("\n\n")[1].replace("\n", " ")}
    logged: list[Logged] = []
    for strategy in ("none", "highest_bid", "quality"):
        outcome, log, campaigns = simulate(world, requests, strategy)
        budget = sum(c.budget for c in campaigns)
        figures[strategy] = outcome.figures(budget)
        if strategy == "quality":
            logged = log
            limited = [c for c in campaigns if c.spent > 0.5 * c.budget]
            figures["pacing"] = {
                "campaigns_spending_half_or_more": float(len(limited)),
                "spend_over_budget_share": sum(c.spent for c in limited) / max(sum(c.budget for c in limited), 1e-9),
                "max_overspend_in_clicks": max(((c.spent - c.budget) / c.bid for c in campaigns), default=0.0),
                "over_budget_clicks_not_charged": float(outcome.over_budget_clicks),
                "spend_curve": outcome.spend_curve,
            }
    ctr, revenue = _over_highest_bid(figures["quality"], figures["highest_bid"])
    figures["quality_ctr_over_highest_bid"] = ctr
    figures["quality_revenue_over_highest_bid"] = revenue
    figures["click_model"] = {name: logloss_curve(logged, name) for name in ("river", "vowpalwabbit", "oracle")}
    for name, curve in figures["click_model"].items():  # river_…, vowpalwabbit_…, oracle_…
        figures[f"{name}_logloss_over_constant_after_10k"] = _after_10k(curve)
    return figures


def _over_highest_bid(quality: dict[str, float], highest_bid: dict[str, float]) -> tuple[float, float]:
    """The quality auction's ad CTR and revenue, each as a multiple of highest-bid-first's."""
    return (quality["ad_ctr"] / max(highest_bid["ad_ctr"], 1e-9),
            quality["revenue"] / max(highest_bid["revenue"], 1e-9))  # fmt: skip


def _after_10k(curve: list[dict[str, float]]) -> float:
    after = [r for r in curve if r["impressions"] > 10_000]
    return sum(r["model"] for r in after) / max(sum(r["constant"] for r in after), 1e-9) if after else float("nan")


def seeds(store: Path, draws: list[int], requests: int = 40_000, squash: float | None = None) -> list[dict[str, float]]:
    """The auction's figures on other draws of the request stream and the campaigns (``seed``): how much of the
    quality auction's gain is the draw's. Per seed: CTR and revenue over highest-bid-first, the River model's and
    the true probabilities' log loss over the constant CTR's after 10k impressions."""
    world = build_world(store)
    chosen = AdsSettings().squash if squash is None else squash
    rows = []
    for seed in draws:
        baseline, _, _ = simulate(world, requests, "highest_bid", seed=seed)
        quality, logged, _ = simulate(world, requests, "quality", seed=seed, squash=chosen)
        ctr, revenue = _over_highest_bid(quality.figures(1.0), baseline.figures(1.0))
        rows.append(
            {
                "seed": float(seed),
                "ctr_over_highest_bid": ctr,
                "revenue_over_highest_bid": revenue,
                "river_logloss_over_constant_after_10k": _after_10k(logloss_curve(logged, "river")),
                "oracle_logloss_over_constant_after_10k": _after_10k(logloss_curve(logged, "oracle")),
            }
        )
    return rows


def main() -> None:
    """``python -m eval.ads OUT.json [SEEDS] [SQUASH]``: the per-seed figures on the demo store (seeds 7,8,9)."""
    import json
    import sys
    import tempfile

    from retrieval.demo_store import write_demo_store

    draws = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "7,8,9").split(",")]
    squash = float(sys.argv[3]) if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory(prefix="shopassist-ads-") as tmp:
        store = Path(tmp) / "demo"
        write_demo_store(store)
        rows = seeds(store, draws, squash=squash)
    Path(sys.argv[1]).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    for row in rows:
        print(json.dumps({k: round(v, 3) for k, v in row.items()}))


if __name__ == "__main__":
    main()
