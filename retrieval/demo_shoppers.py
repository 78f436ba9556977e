"""Generated demo shoppers with taste: who they are, what they browse and buy, and in what order.

Every shopper has occasions they dress for (beach, work, cosy, weekend, evening: each a set of the demo's
classes), two favourite brands, three favourite colours and a price band. They shop in sessions: a session
serves one occasion, browses a few products (mostly staying in one class, sometimes moving to another class
of the same occasion), puts some in the cart and may end in an order, often with a complementary piece from
another class of the occasion (a swimsuit with a cover-up, shorts or a sundress; the catalog sells no
sandals or hats). Product choice is weighted by the shopper's affinity and, weakly, by how many reviews the
product has (popular things sell more). Sessions are more frequent at weekends and grow over the months
(``WEEKDAY_TRAFFIC``, ``GROWTH``), so the shop's sales carry a weekly season and a trend. All generated,
seeded, and said so in the store's README.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.catalog import Product

# occasion -> the classes (the part of the category after "department > ") and title nouns that serve it
OCCASIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "beach": (("Swim", "Shorts"), ("Sundress", "Tank")),
    "work": (("Blouses", "Pants", "Skirts", "Fine gauge"), ("Blazer", "Shirt Dress")),
    "cosy": (("Sweaters", "Lounge", "Sleep", "Legwear", "Outerwear"), ()),
    "weekend": (("Knits", "Jeans", "Casual bottoms", "Jackets"), ("Cutoff Shorts",)),
    "evening": (("Dresses", "Trend", "Intimates", "Chemises", "Layering"), ()),
}
OCCASION_SHARE = {"beach": 0.2, "work": 0.2, "cosy": 0.25, "weekend": 0.2, "evening": 0.15}
PRICE_BANDS = (-1.0, 0.0, 1.0)  # prefers the cheaper, the middle or the pricier end of a class
# log-weights of a product for a shopper: per log review (popularity), favourite brand, colour, price distance
TASTE = {"popularity": 0.8, "brand": 2.5, "colour": 0.8, "price": 1.0}
# when sessions happen: relative traffic per weekday (Monday first), and the traffic at the end of the period
# relative to its start (a growing shop)
WEEKDAY_TRAFFIC = (0.8, 0.75, 0.8, 0.9, 1.1, 1.45, 1.2)
GROWTH = 1.8


@functools.lru_cache(maxsize=4)
def _demand_cdf(start: datetime, hours: int) -> npt.NDArray[np.float64]:
    middle = np.arange(hours) + 0.5
    weekday = np.array([WEEKDAY_TRAFFIC[(start + timedelta(hours=float(h))).weekday()] for h in middle])
    trend = 1.0 + (GROWTH - 1.0) * middle / middle[-1]
    cdf = np.concatenate([[0.0], np.cumsum(weekday * trend)])
    return np.asarray(cdf / cdf[-1], dtype=np.float64)


def session_times(uniform: list[float], now: datetime, days: float) -> list[datetime]:
    """Map uniform draws in [0, 1] to session times in the ``days`` before ``now`` through the inverse of the
    demand curve (weekday x trend), so the draws (and the rest of the random stream) stay the same."""
    start = now - timedelta(days=days)
    cdf = _demand_cdf(start, int(days * 24))
    offsets = np.interp(uniform, cdf, np.arange(len(cdf), dtype=np.float64))  # hours since the period began
    return [start + timedelta(hours=float(h)) for h in offsets]


def class_of(product: Product) -> str:
    return product.category.split(" > ")[-1]


def occasions_of(product: Product) -> set[str]:
    cls = class_of(product)
    return {
        name for name, (classes, nouns) in OCCASIONS.items() if cls in classes or any(n in product.title for n in nouns)
    }


@dataclass(frozen=True)
class Shopper:
    customer_id: str
    occasions: tuple[str, ...]  # favourite first
    brands: frozenset[str]
    colours: frozenset[str]
    price_band: float


def make_shopper(rng: random.Random, customer_id: str, brands: list[str], colours: list[str]) -> Shopper:
    names = list(OCCASION_SHARE)
    first = rng.choices(names, weights=list(OCCASION_SHARE.values()))[0]
    chosen = [first]
    if rng.random() < 0.5:
        chosen.append(rng.choice([n for n in names if n != first]))
    return Shopper(
        customer_id,
        tuple(chosen),
        frozenset(rng.sample(brands, 2)),
        frozenset(rng.sample(colours, 3)),
        rng.choice(PRICE_BANDS),
    )


class Affinity:
    """How much a shopper wants each product: occasions first, then brand, colour and price band."""

    def __init__(self, products: list[Product]) -> None:
        self.products = products
        self.occasions = [occasions_of(p) for p in products]
        classes = np.array([class_of(p) for p in products])
        self.class_mask = {c: classes == c for c in set(classes.tolist())}
        log_price = np.log(np.array([p.price for p in products]))
        # where the product's price sits within its class, -1 (cheapest) .. 1 (dearest)
        self.price_position = np.zeros(len(products))
        for mask in self.class_mask.values():
            low, high = log_price[mask].min(), log_price[mask].max()
            self.price_position[mask] = 0.0 if high == low else 2 * (log_price[mask] - low) / (high - low) - 1
        self.popularity = np.log1p(np.array([p.review_count for p in products], dtype=np.float64))
        self.brands = np.array([p.brand or "" for p in products])
        self.colours = [{str(c) for c in p.attributes.get("colour", [])} for p in products]  # type: ignore[union-attr]
        self.serves = {name: np.array([name in names for names in self.occasions]) for name in OCCASIONS}

    def weights(self, shopper: Shopper, occasion: str) -> npt.NDArray[np.float64]:
        brand = np.isin(self.brands, list(shopper.brands))
        colour = np.array([not shopper.colours.isdisjoint(c) for c in self.colours])
        score = TASTE["popularity"] * self.popularity + TASTE["brand"] * brand + TASTE["colour"] * colour
        score -= TASTE["price"] * np.abs(self.price_position - shopper.price_band)
        return np.where(self.serves[occasion], np.exp(score), 0.0)


def _pick(
    rng: random.Random, weights: npt.NDArray[np.float64], allowed: npt.NDArray[np.bool_] | None,
    seen: npt.NDArray[np.float64],
) -> int:  # fmt: skip
    """A product by weight, within ``allowed``; one the shopper has seen before is ten times less likely."""
    cumulative = np.cumsum(weights * seen if allowed is None else weights * seen * allowed)
    choice = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    seen[choice] = 0.1
    return choice


def shop(
    rng: random.Random, affinity: Affinity, shopper: Shopper, now: datetime, days: float = 150
) -> list[dict[str, Any]]:
    """One shopper's sessions, oldest first: each a dict with its start, occasion, views, carts and basket."""
    products = affinity.products
    sessions = []
    starts = sorted(session_times([rng.uniform(0, days) / days for _ in range(rng.randint(4, 12))], now, days))
    cache: dict[str, npt.NDArray[np.float64]] = {}
    seen = np.ones(len(products))  # 0.1 where the shopper has seen the product already
    for start in starts:
        roll = rng.random()
        # favourite occasion 70%, the second one (or the favourite again) 20%, any occasion 10%
        occasion = shopper.occasions[0 if roll < 0.7 else -1] if roll < 0.9 else rng.choice(list(OCCASION_SHARE))
        if occasion not in cache:
            cache[occasion] = affinity.weights(shopper, occasion)
        weights = cache[occasion]
        first = _pick(rng, weights, None, seen)
        same_class = affinity.class_mask[class_of(products[first])]
        viewed = [first]
        for _ in range(rng.randint(1, 6)):
            stay = rng.random() < 0.65
            viewed.append(_pick(rng, weights, same_class if stay else None, seen))
        carted = [n for n in dict.fromkeys(viewed) if rng.random() < 0.25]
        basket: list[int] = []
        if rng.random() < 0.45:
            basket = carted[:2] or [viewed[-1]]
            if rng.random() < 0.5 and (weights * ~same_class).sum() > 0:
                basket.append(_pick(rng, weights, ~same_class, seen))  # the complementary piece, added at checkout
        sessions.append(
            {"start": start.replace(microsecond=0), "occasion": occasion, "viewed": viewed, "carted": carted,
             "basket": list(dict.fromkeys(basket))}
        )  # fmt: skip
    return sessions
