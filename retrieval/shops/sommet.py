"""Sommet: a generated outdoor shop written in French (ids such as ``SM-4401``, orders ``CMD70001``, prices in
euros; returns, delivery and warranty policies in French). Everything here is invented and seeded; it exists so
the routing tests see a second catalog in another language, with accents, elisions ("l'hiver", "d'escalade")
and French grammar words in its titles."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from retrieval.shops import common

SEED = 5
NAME = "Sommet"

# (category, brand, title, price, attributes, description); ids are SM-<4401 + 7 n>; the 2-person tent is sold out
_A = dict[str, Any]
CATALOG: list[tuple[str, str, str, float, _A, str]] = [
 ("Randonnée > Chaussures", "Altiva", "Chaussures de randonnée Altiva Crête GTX homme", 149.0, {"pointure": ["41", "42", "43", "44"], "imperméable": True, "couleur": "marron"}, "Chaussures montantes imperméables avec membrane, semelle Vibram."),
 ("Randonnée > Chaussures", "Altiva", "Chaussures de trail Altiva Sentier femme", 119.0, {"pointure": ["37", "38", "39"], "imperméable": False, "couleur": "bleu"}, "Chaussures légères pour le trail sur sentiers secs."),
 ("Randonnée > Sacs à dos", "Cordée", "Sac à dos Cordée 30 L", 79.0, {"volume_l": 30, "couleur": "vert", "poids_g": 950}, "Sac à dos de randonnée à la journée avec housse de pluie."),
 ("Randonnée > Sacs à dos", "Cordée", "Sac à dos Cordée Expédition 65 L", 189.0, {"volume_l": 65, "couleur": "rouge", "poids_g": 2100}, "Grand sac pour le trekking de plusieurs jours."),
 ("Camping > Tentes", "Bivouac", "Tente Bivouac 2 places", 159.0, {"places": 2, "poids_kg": 2.4, "saisons": 3}, "Tente dôme légère pour deux personnes, montage rapide."),
 ("Camping > Tentes", "Bivouac", "Tente familiale Bivouac 6 places", 349.0, {"places": 6, "poids_kg": 11.5, "saisons": 3}, "Grande tente familiale avec deux chambres séparées."),
 ("Camping > Sacs de couchage", "Bivouac", "Sac de couchage Bivouac -5 °C", 99.0, {"température_confort_c": -5, "garnissage": "synthétique"}, "Sac de couchage momie pour trois saisons."),
 ("Camping > Sacs de couchage", "Bivouac", "Sac de couchage duvet Bivouac -15 °C", 279.0, {"température_confort_c": -15, "garnissage": "duvet"}, "Sac en duvet d'oie pour l'hiver en montagne."),
 ("Camping > Cuisine", "Flamme", "Réchaud à gaz Flamme Mini", 39.0, {"puissance_w": 2600, "poids_g": 85}, "Réchaud compact pour cartouches à visser."),
 ("Camping > Cuisine", "Flamme", "Popote inox Flamme 4 pièces", 45.0, {"matière": "inox", "pièces": 4}, "Casseroles et couvercles empilables."),
 ("Vêtements > Vestes", "Altiva", "Veste imperméable Altiva Orage", 199.0, {"imperméable": True, "taille": ["S", "M", "L", "XL"], "couleur": "noir"}, "Veste trois couches respirante pour la pluie."),
 ("Vêtements > Vestes", "Altiva", "Doudoune Altiva Flocon", 169.0, {"garnissage": "duvet", "taille": ["S", "M", "L"], "couleur": "bleu"}, "Doudoune chaude et compressible."),
 ("Vêtements > Polaires", "Altiva", "Polaire Altiva Brume", 59.0, {"taille": ["S", "M", "L", "XL"], "couleur": "gris"}, "Polaire légère pour les couches intermédiaires."),
 ("Escalade > Baudriers", "Cordée", "Baudrier Cordée Falaise", 69.0, {"taille": ["S", "M", "L"], "poids_g": 380}, "Baudrier confortable pour l'escalade en falaise."),
 ("Escalade > Cordes", "Cordée", "Corde d'escalade Cordée 9,8 mm 60 m", 139.0, {"diamètre_mm": 9.8, "longueur_m": 60}, "Corde dynamique polyvalente."),
 ("Escalade > Chaussons", "Cordée", "Chaussons d'escalade Cordée Grip", 89.0, {"pointure": ["38", "39", "40", "41", "42"]}, "Chaussons polyvalents pour débuter."),
 ("Accessoires > Lampes", "Lumen", "Lampe frontale Lumen 400", 35.0, {"lumens": 400, "rechargeable": True}, "Lampe frontale rechargeable par USB."),
 ("Accessoires > Gourdes", "Lumen", "Gourde isotherme Lumen 750 ml", 29.0, {"contenance_ml": 750, "matière": "inox"}, "Garde les boissons froides 24 h et chaudes 12 h."),
 ("Accessoires > Bâtons", "Altiva", "Bâtons de randonnée Altiva Carbone", 99.0, {"matière": "carbone", "pliables": True}, "Paire de bâtons pliables en carbone."),
 ("Accessoires > Lampes", "Lumen", "Lanterne de camping Lumen", 25.0, {"lumens": 200, "rechargeable": False}, "Lanterne à piles pour la tente."),
]  # fmt: skip


POLICIES = {
    "retours": "# Retours\n\n- Vous pouvez retourner un article non utilisé sous 30 jours.\n- Les articles utilisés ou lavés ne sont ni repris ni échangés.\n- Le remboursement est effectué sous 10 jours après réception.\n",
    "livraison": "# Livraison\n\n- La livraison est gratuite dès 60 € d'achat, sinon elle coûte 5,90 €.\n- Nous livrons en France, en Belgique et en Suisse.\n- Les commandes passées avant 13 h partent le jour même.\n",
    "garantie": "# Garantie\n\n- Tous nos produits sont garantis 2 ans contre les défauts de fabrication.\n- Les tentes et sacs de couchage Bivouac sont garantis 5 ans.\n",
}

README = """# Sommet (generated test shop; do not edit)

Built deterministically (seed {seed}) by `retrieval/shops/sommet.py`. Everything is invented: the {products}
products, their attributes and prices, {customers} customers (example.com addresses), {orders} orders and {events}
shopper events, and the policies. It exists to test shopassist on a catalog written in French.
"""


def build_products(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n, (category, brand, title, amount, attributes, description) in enumerate(CATALOG):
        stock = 0 if n == 4 else rng.randint(1, 20)
        row = common.listing(
            rng, id=f"SM-{4401 + n * 7}", title=title, description=description, brand=brand, category=category,
            price=amount, currency="EUR", stock=stock, attributes=attributes, reviews=rng.randint(0, 20),
            rating=(3.6, 4.8),
        )  # fmt: skip
        rows.append(row)
    return rows


SPEC = common.ShopSpec(
    name=NAME,
    customer_id=lambda n: f"CL-{n:04d}",
    names=["Camille Martin", "Louis Bernard", "Chloé Petit", "Hugo Dubois", "Léa Moreau"],
    customers=20,
    order_id=lambda n: f"CMD{n + 70001}",
    tracking=lambda r: f"6A{r.randrange(10**11):011d}",
    orders=40,
    free_shipping_over=60,
    shipping_fee=5.9,
    event_prefix="sm",
    currency="EUR",
)


def write_sommet(target: Path, seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    return common.write_generated(target, SPEC, rng, build_products(rng), POLICIES, README, seed)
