"""Greenleaf Market: a generated grocery and beauty shop with Chinese and English product names, numeric ids
(``208113``), nested attributes (``nutrition``) and policies on freshness, substitutions and delivery slots.
Everything is invented and seeded; it exists so tests and evaluations see a schema, a language mix and policy
topics that neither the demo boutique nor Voltline has."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from retrieval.shops import common

SEED = 11
NAME = "Greenleaf Market"

_A = dict[str, Any]
# (category, brand, title, price, attributes, description); ids are 208101, 208102, … in this order
CATALOG: list[tuple[str, str, str, float, _A, str]] = [
    ("Grocery > Tea", "Yunling", "云南普洱茶饼 357克", 32.00,
     {"net_weight_g": 357, "origin": "Yunnan, China", "tea_type": "pu-erh", "caffeine": True, "shelf_life_days": 3650},
     "Pressed pu-erh tea cake from Yunnan, aged three years."),
    ("Grocery > Tea", "Yunling", "西湖龙井绿茶 100克", 28.50,
     {"net_weight_g": 100, "origin": "Hangzhou, China", "tea_type": "green", "caffeine": True, "shelf_life_days": 540},
     "Longjing green tea, spring harvest."),
    ("Grocery > Tea", "Meadow", "Chamomile Herbal Tea 20 bags", 4.99,
     {"net_weight_g": 30, "tea_type": "herbal", "caffeine": False, "dietary": ["vegan", "organic"]},
     "Caffeine-free chamomile flowers in 20 bags."),
    ("Grocery > Pantry > Rice", "Golden Field", "泰国香米 5公斤", 18.90,
     {"net_weight_g": 5000, "origin": "Thailand", "grain": "jasmine", "dietary": ["gluten-free"]},
     "Thai jasmine rice, new crop."),
    ("Grocery > Pantry > Noodles", "Golden Field", "Buckwheat Soba Noodles 300g", 3.49,
     {"net_weight_g": 300, "origin": "Japan", "allergens": ["wheat", "buckwheat"], "dietary": ["vegan"],
      "nutrition": {"energy_kcal": 344, "protein_g": 12.4, "sugar_g": 2.1}},
     "Dried soba noodles; cook for five minutes."),
    ("Grocery > Pantry > Sauces", "Haitian", "海天生抽酱油 500毫升", 3.99,
     {"volume_ml": 500, "origin": "Guangdong, China", "allergens": ["soy", "wheat"], "dietary": ["vegan"]},
     "Light soy sauce for cooking and dipping."),
    ("Grocery > Pantry > Sauces", "Chili Lane", "Crispy Chili Oil 210g", 6.49,
     {"net_weight_g": 210, "allergens": ["soy", "peanut"], "spice_level": "hot",
      "nutrition": {"energy_kcal": 610, "protein_g": 5.0, "sugar_g": 1.2}},
     "Chili oil with crunchy garlic, shallot and peanuts."),
    ("Grocery > Pantry > Honey", "Meadow", "Raw Wildflower Honey 500g", 11.99,
     {"net_weight_g": 500, "origin": "New Zealand", "dietary": ["organic"], "storage": "room temperature"},
     "Unfiltered raw honey; may crystallise, which is natural."),
    ("Grocery > Snacks", "Crunch & Co", "Sea Salt Almonds 200g", 5.99,
     {"net_weight_g": 200, "allergens": ["tree nuts"], "dietary": ["vegan", "gluten-free"],
      "nutrition": {"energy_kcal": 598, "protein_g": 21.0, "sugar_g": 4.4}},
     "Dry-roasted almonds with sea salt."),
    ("Grocery > Snacks", "Crunch & Co", "海苔脆片 芝麻味 40克", 2.99,
     {"net_weight_g": 40, "allergens": ["sesame"], "dietary": ["vegan"]},
     "Roasted seaweed snack with sesame."),
    ("Grocery > Fresh > Fruit", "Orchard", "Honeycrisp Apples 1kg", 4.49,
     {"net_weight_g": 1000, "origin": "Washington, USA", "storage": "refrigerate", "shelf_life_days": 21},
     "Crisp, sweet apples."),
    ("Grocery > Fresh > Dairy", "Alpine", "Greek Yogurt Plain 500g", 3.79,
     {"net_weight_g": 500, "allergens": ["milk"], "storage": "refrigerate", "shelf_life_days": 14,
      "nutrition": {"energy_kcal": 97, "protein_g": 9.0, "sugar_g": 3.6}},
     "Thick strained yogurt, 2% fat."),
    ("Grocery > Fresh > Dairy", "Oatly Farm", "Oat Milk Barista 1L", 2.99,
     {"volume_ml": 1000, "dietary": ["vegan"], "allergens": ["oats"], "storage": "refrigerate after opening"},
     "Oat drink that foams for coffee."),
    ("Beauty > Skincare > Sunscreen", "Dermalune", "Daily UV Sunscreen SPF 50 50ml", 16.00,
     {"volume_ml": 50, "spf": 50, "skin_type": ["all", "sensitive"], "fragrance_free": True, "water_resistant_minutes": 40},
     "Light mineral sunscreen, water resistant for 40 minutes."),
    ("Beauty > Skincare > Moisturisers", "Dermalune", "Ceramide Barrier Cream 50ml", 22.00,
     {"volume_ml": 50, "skin_type": ["dry"], "fragrance_free": True, "key_ingredients": ["ceramides", "glycerin"]},
     "Rich moisturiser for dry skin."),
    ("Beauty > Skincare > Moisturisers", "Hanami", "玻尿酸保湿面霜 50克", 19.50,
     {"net_weight_g": 50, "skin_type": ["normal", "combination"], "fragrance_free": False, "key_ingredients": ["hyaluronic acid"]},
     "Gel cream with hyaluronic acid."),
    ("Beauty > Skincare > Cleansers", "Hanami", "Green Tea Foaming Cleanser 150ml", 12.00,
     {"volume_ml": 150, "skin_type": ["oily", "combination"], "key_ingredients": ["green tea extract"]},
     "Foaming face wash for oily skin."),
    ("Beauty > Hair Care > Shampoo", "Roots", "Argan Repair Shampoo 400ml", 9.99,
     {"volume_ml": 400, "hair_type": ["dry", "damaged"], "sulfate_free": True},
     "Sulfate-free shampoo with argan oil."),
    ("Beauty > Lip Care", "Roots", "Beeswax Lip Balm 3-pack", 6.99,
     {"net_weight_g": 13, "key_ingredients": ["beeswax", "shea butter"]},
     "Three lip balms: mint, vanilla and unscented."),
    ("Beauty > Fragrance", "Hanami", "桂花淡香水 30毫升", 45.00,
     {"volume_ml": 30, "scent": "osmanthus"},
     "Eau de toilette with osmanthus flowers."),
]  # fmt: skip
OUT_OF_STOCK = {"西湖龙井绿茶 100克", "Beeswax Lip Balm 3-pack"}

POLICIES = {
    "freshness": """# Freshness guarantee

- If fresh or chilled food arrives damaged or past its date, tell us within 48 hours with a photo and we refund it in full.
- Chilled items travel in insulated boxes with ice packs.
""",
    "delivery": """# Delivery slots

- Choose a one-hour delivery slot at checkout, from 8 am to 9 pm, seven days a week.
- Same-day delivery is available for orders placed before 11 am.
- Delivery is free on orders over $40; below that it costs $4.99.
""",
    "substitutions": """# Substitutions

- If an item is out of stock on the day we pack your order, we may replace it with a similar item of equal or higher value at the same price.
- You can refuse a substitute at the door for a full refund, or switch substitutions off for your whole order at checkout.
""",
    "returns": """# Returns

- Unopened beauty products can be returned within 30 days for a refund.
- Food cannot be returned once delivered, except under the freshness guarantee.
""",
    "allergens": """# Allergens

- Every product page lists its allergens; products are packed in a facility that also handles nuts, sesame and milk.
- We cannot guarantee that any product is free from traces of allergens.
""",
}

README = """# Greenleaf Market (generated test shop; do not edit)

Built deterministically (seed {seed}) by `retrieval/shops/greenleaf.py`. Everything is invented: the {products}
grocery and beauty products (some with Chinese names), their attributes (nested nutrition tables included) and
prices, {customers} customers (example.com addresses), {orders} orders, {events} shopper events and the policies.
"""


def build_products(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n, (category, brand, title, amount, attributes, description) in enumerate(CATALOG):
        stock = 0 if title in OUT_OF_STOCK else rng.randint(3, 80)
        row: dict[str, Any] = {
            "id": str(208101 + n),
            "title": title,
            "description": description,
            "brand": brand,
            "category": category,
            "price": amount,
            "currency": "USD",
            "in_stock": stock > 0,
            "stock": stock,
            "attributes": attributes,
            "review_count": rng.randint(0, 60),
        }
        rows.append(row)
    return rows


SPEC = common.ShopSpec(
    name=NAME,
    customer_id=lambda n: f"u{n:05d}",
    names=["Li Wei", "Zhang Min", "Emma Brown", "Chen Jie"],
    customers=30,
    order_id=lambda n: f"GL26-{4401 + n:06d}",
    tracking=lambda r: f"SF{r.randrange(10**12):012d}",
    orders=90,
    free_shipping_over=40,
    shipping_fee=4.99,
    event_prefix="gl",
)


def write_greenleaf(target: Path, seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    return common.write_generated(target, SPEC, rng, build_products(rng), POLICIES, README, seed)
