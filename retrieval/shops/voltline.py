"""Voltline: a generated electronics, home, outdoor and beauty shop (SKU ids such as ``VL-HP-0101``, numeric
tracking numbers, warranty and price-match policies). Everything here is invented, seeded and stated as such in
the shop's README; it exists so tests and evaluations see a trade, an id shape and an attribute schema that the
demo boutique does not have."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from retrieval.shops import common

SEED = 7
NAME = "Voltline"

# (code, category, brand, title, price, attributes, description); ids are VL-<code>-<0101 + n within code>
_A = dict[str, Any]
CATALOG: list[tuple[str, str, str, str, float, _A, str]] = [
    ("HP", "Electronics > Audio > Headphones", "Voltline", "QuietPro 700 Wireless Headphones", 189.99,
     {"noise_cancelling": True, "battery_hours": 30, "connectivity": ["Bluetooth 5.3", "USB-C"], "colour": ["black", "silver"], "weight_g": 250},
     "Over-ear headphones with active noise cancelling and 30 hours of battery."),
    ("HP", "Electronics > Audio > Headphones", "Voltline", "QuietPro 900 Studio Headphones", 279.99,
     {"noise_cancelling": True, "battery_hours": 40, "connectivity": ["Bluetooth 5.3", "3.5 mm jack"], "colour": ["black"], "weight_g": 265},
     "Flagship over-ear headphones with adaptive noise cancelling."),
    ("HP", "Electronics > Audio > Headphones", "Sonara", "Sonara Classic On-Ear Headphones", 59.99,
     {"noise_cancelling": False, "battery_hours": 20, "connectivity": ["Bluetooth 5.0"], "colour": ["blue", "white"], "weight_g": 180},
     "Light on-ear headphones for everyday listening."),
    ("EB", "Electronics > Audio > Earbuds", "Voltline", "Voltline Sprint Earbuds", 79.99,
     {"noise_cancelling": False, "battery_hours": 8, "water_resistance": "IPX4 (splash resistant)", "connectivity": ["Bluetooth 5.2"], "colour": ["black", "green"]},
     "True wireless earbuds with ear hooks; IPX4 splash resistant, not for swimming."),
    ("EB", "Electronics > Audio > Earbuds", "Sonara", "Sonara Buds ANC", 129.99,
     {"noise_cancelling": True, "battery_hours": 6, "water_resistance": "IPX5", "connectivity": ["Bluetooth 5.3"], "colour": ["white"]},
     "Compact earbuds with noise cancelling and a wireless charging case."),
    ("SP", "Electronics > Audio > Smart Speakers", "Sonara", "Sonara Home Mini Smart Speaker", 49.99,
     {"works_with": ["Alexa"], "connectivity": ["Wi-Fi", "Bluetooth 5.0"], "colour": ["charcoal", "sand"]},
     "Small smart speaker with Alexa built in."),
    ("SP", "Electronics > Audio > Smart Speakers", "Voltline", "Voltline Boom Outdoor Speaker", 99.99,
     {"water_resistance": "IP67 (waterproof to 1 m)", "battery_hours": 15, "connectivity": ["Bluetooth 5.1"], "colour": ["orange", "black"]},
     "Rugged portable speaker, waterproof and dustproof (IP67)."),
    ("LT", "Electronics > Computers > Laptops", "Arcbook", "Arcbook 14 Student Laptop", 649.00,
     {"screen_in": 14, "ram_gb": 8, "storage_gb": 256, "processor": "Ryzen 5 7530U", "battery_hours": 12, "weight_kg": 1.4},
     "Light 14-inch laptop for study and everyday work."),
    ("LT", "Electronics > Computers > Laptops", "Arcbook", "Arcbook 16 Pro Laptop", 1299.00,
     {"screen_in": 16, "ram_gb": 32, "storage_gb": 1000, "processor": "Core Ultra 7 155H", "battery_hours": 10, "weight_kg": 1.9},
     "16-inch laptop for creative work with a 2.5K display."),
    ("LT", "Electronics > Computers > Laptops", "Raptor", "Raptor G15 Gaming Laptop", 1099.00,
     {"screen_in": 15.6, "ram_gb": 16, "storage_gb": 1000, "processor": "Core i7-13650HX", "graphics": "GeForce RTX 4060", "refresh_hz": 165, "battery_hours": 5, "weight_kg": 2.4},
     "Gaming laptop with an RTX 4060 and a 165 Hz screen for PC gaming."),
    ("MN", "Electronics > Computers > Monitors", "Raptor", "Raptor 27 QHD Gaming Monitor", 329.00,
     {"screen_in": 27, "resolution": "2560x1440", "refresh_hz": 170, "panel": "IPS"},
     "27-inch QHD monitor at 170 Hz for gaming."),
    ("MN", "Electronics > Computers > Monitors", "Arcbook", "Arcbook 24 Office Monitor", 149.00,
     {"screen_in": 24, "resolution": "1920x1080", "refresh_hz": 75, "panel": "IPS"},
     "24-inch full HD monitor for the home office."),
    ("MS", "Electronics > Gaming > Mice", "Raptor", "Raptor Viper Wireless Gaming Mouse", 69.99,
     {"wireless": True, "dpi": 26000, "weight_g": 63, "rgb": True},
     "Ultralight wireless mouse for PC gaming."),
    ("KB", "Electronics > Gaming > Keyboards", "Raptor", "Raptor Strike Mechanical Keyboard", 119.99,
     {"wireless": False, "switches": "linear red", "layout": "US", "rgb": True},
     "Full-size mechanical keyboard with linear switches."),
    ("KT", "Home > Kitchen > Kettles", "Hearth", "Hearth 1.7L Electric Kettle", 39.99,
     {"wattage_w": 2200, "capacity_l": 1.7, "material": "stainless steel", "auto_shutoff": True, "colour": ["steel"]},
     "Fast-boil kettle with automatic shut-off and boil-dry protection."),
    ("KT", "Home > Kitchen > Kettles", "Hearth", "Hearth Glass Tea Kettle", 54.99,
     {"wattage_w": 1800, "capacity_l": 1.5, "material": "borosilicate glass", "temperature_settings": 5, "auto_shutoff": True},
     "Glass kettle with five temperature settings for tea."),
    ("EM", "Home > Kitchen > Coffee Machines", "Crema", "Crema Duo Espresso Machine", 249.00,
     {"pressure_bar": 15, "wattage_w": 1350, "water_tank_l": 1.2, "milk_frother": True},
     "Espresso machine for two cups at once, with a steam wand for milk."),
    ("EM", "Home > Kitchen > Coffee Machines", "Crema", "Crema Uno Pod Coffee Maker", 89.00,
     {"pressure_bar": 19, "wattage_w": 1260, "water_tank_l": 0.8, "milk_frother": False, "colour": ["red", "black"]},
     "Compact pod machine for espresso and lungo."),
    ("CG", "Home > Kitchen > Coffee Machines", "Crema", "Crema Burr Coffee Grinder", 69.00,
     {"grind_settings": 31, "wattage_w": 150, "capacity_g": 250},
     "Conical burr grinder with 31 grind settings from espresso to French press."),
    ("AF", "Home > Kitchen > Air Fryers", "Hearth", "Hearth 5.5L Air Fryer", 119.00,
     {"capacity_l": 5.5, "wattage_w": 1700, "programs": 8, "dishwasher_safe_basket": True},
     "Air fryer with eight programs and a dishwasher-safe basket."),
    ("VC", "Home > Smart Home > Vacuums", "Tidy", "Tidy R5 Robot Vacuum", 299.00,
     {"works_with": ["Alexa", "Google Assistant"], "battery_minutes": 150, "mopping": True},
     "Robot vacuum and mop with app control and voice assistants."),
    ("PL", "Home > Smart Home > Plugs", "Tidy", "Tidy Smart Plug (2-pack)", 24.99,
     {"works_with": ["Alexa", "Google Assistant", "Apple Home"], "max_load_w": 3680, "energy_monitoring": True},
     "Wi-Fi smart plugs with energy monitoring."),
    ("TN", "Outdoor > Camping > Tents", "Trailhead", "Trailhead 4-Person Dome Tent", 219.00,
     {"persons": 4, "season": "3-season", "weight_kg": 5.2, "water_resistance": "3000 mm hydrostatic head"},
     "Roomy dome tent for four with two doors and a full rain fly."),
    ("TN", "Outdoor > Camping > Tents", "Trailhead", "Trailhead Solo Ultralight Tent", 179.00,
     {"persons": 1, "season": "3-season", "weight_kg": 1.1, "water_resistance": "2000 mm hydrostatic head"},
     "One-person trekking tent that packs small."),
    ("SB", "Outdoor > Camping > Sleeping Bags", "Trailhead", "Trailhead Down Sleeping Bag -5C", 159.00,
     {"comfort_temp_c": -5, "fill": "duck down", "weight_kg": 1.3},
     "Mummy sleeping bag with duck down fill, comfortable to -5 C."),
    ("BP", "Outdoor > Hiking > Backpacks", "Trailhead", "Trailhead 40L Hiking Backpack", 109.00,
     {"capacity_l": 40, "weight_kg": 1.2, "rain_cover": True, "colour": ["green", "grey"]},
     "Hiking pack with a ventilated back and a rain cover."),
    ("HD", "Beauty > Hair Care > Hair Dryers", "Lumi", "Lumi Ionic Hair Dryer", 79.00,
     {"wattage_w": 2000, "ionic": True, "heat_settings": 3, "colour": ["rose", "white"]},
     "Ionic hair dryer with three heat settings and a cool shot."),
    ("TB", "Beauty > Oral Care > Electric Toothbrushes", "Lumi", "Lumi Sonic Toothbrush", 49.00,
     {"battery_days": 30, "modes": 4, "timer": True},
     "Sonic toothbrush with a two-minute timer."),
]  # fmt: skip
OUT_OF_STOCK = {"Raptor 27 QHD Gaming Monitor", "Trailhead Solo Ultralight Tent"}

POLICIES = {
    "returns": """# Returns

- Unopened products can be returned within 30 days of delivery for a full refund.
- Opened electronics can be returned within 15 days if all accessories and the box are included; a 10% restocking fee applies to opened laptops and monitors.
- Refunds reach the original payment method within 5 business days after we receive the item.
""",
    "shipping": """# Shipping

- Standard delivery (2-4 business days) is free on orders over $49; otherwise it costs $6.99.
- Next-day delivery costs $14.99 for orders placed before 3 pm.
- Large items such as tents and monitors ship in their own box and may arrive separately.
""",
    "warranty": """# Warranty

## Manufacturer warranty
- Every electronic and home product comes with a 1-year manufacturer warranty against defects.
- Laptops from Arcbook and Raptor carry a 2-year manufacturer warranty.

## Voltline Care extended warranty
- Voltline Care extends the warranty by 2 years for $29 on products under $300 and by 3 years for $79 on products from $300.
- It must be bought within 30 days of delivery and covers accidental damage to laptops and headphones.
- Claims are made online with the order number; we repair or replace the product.
""",
    "price_match": """# Price match

- We match the price of an identical product sold new and in stock by a major authorised retailer.
- Ask within 14 days of your purchase and we refund the difference.
- Marketplace sellers, auctions, clearance and membership-only prices are not matched.
""",
    "recycling": """# Recycling and trade-in

- We take back old electronics of any brand for free recycling at delivery of a new product of the same kind.
- Trade in a working laptop or phone for store credit; the offer depends on its age and condition.
""",
}

README = """# Voltline (generated test shop; do not edit)

Built deterministically (seed {seed}) by `retrieval/shops/voltline.py`. Everything is invented: the {products}
products, their attributes and prices, {customers} customers (example.com addresses), {orders} orders with
numeric tracking numbers, {events} shopper events and the policies. It exists to test and evaluate shopassist on a
trade, id shape and attribute schema other than the demo boutique's.
"""


def build_products(rng: random.Random) -> list[dict[str, Any]]:
    counters: dict[str, int] = {}
    rows = []
    for code, category, brand, title, amount, attributes, description in CATALOG:
        n = counters.get(code, 0)
        counters[code] = n + 1
        stock = 0 if title in OUT_OF_STOCK else rng.randint(2, 40)
        reviews = rng.randint(0, 120)
        row = common.listing(
            rng, id=f"VL-{code}-{101 + n:04d}", title=title, description=description, brand=brand,
            category=category, price=amount, currency="USD", stock=stock, attributes=attributes, reviews=reviews,
            rating=(3.4, 4.9),
        )  # fmt: skip
        rows.append(row)
    return rows


SPEC = common.ShopSpec(
    name=NAME,
    customer_id=lambda n: f"vl-cust-{n:03d}",
    names=["Alex Chen", "Sam Rivera", "Jordan Lee", "Priya Shah", "Marco Bianchi"],
    customers=40,
    order_id=lambda n: f"VLO-{58210 + n}",
    tracking=lambda r: f"9400{r.randrange(10**18):018d}",
    orders=160,
    free_shipping_over=49,
    shipping_fee=6.99,
    event_prefix="vl",
)


def write_voltline(target: Path, seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    return common.write_generated(target, SPEC, rng, build_products(rng), POLICIES, README, seed)
