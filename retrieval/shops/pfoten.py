"""Pfotenglück: a generated pet-supply shop written in German (ids such as ``PG.00417-B``, orders
``B-2026-00012``, prices in euros; returns, shipping and subscription policies in German). Everything here is
invented and seeded; it exists so tests and evaluations see a catalog in another language than English, with
umlauts, compound words and German grammar words in its titles."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from retrieval.shops import common

SEED = 3
NAME = "Pfotenglück"

# (category, brand, title, price, attributes, description); ids are PG.<00417 + 13 n>-<A|B|C>
_A = dict[str, Any]
CATALOG: list[tuple[str, str, str, float, _A, str]] = [
    ("Hund > Futter > Trockenfutter", "Wildfang", "Wildfang Lamm & Kartoffel Trockenfutter 12 kg", 54.99, {"getreidefrei": True, "geschmack": "Lamm", "altersstufe": "Adult", "gewicht_kg": 12}, "Getreidefreies Trockenfutter mit Lamm und Kartoffeln für ausgewachsene Hunde."),
    ("Hund > Futter > Trockenfutter", "Wildfang", "Wildfang Senior Huhn Trockenfutter 4 kg", 24.99, {"getreidefrei": False, "geschmack": "Huhn", "altersstufe": "Senior", "gewicht_kg": 4}, "Leicht verdauliches Futter für ältere Hunde ab 7 Jahren, mit Glucosamin für die Gelenke."),
    ("Hund > Futter > Trockenfutter", "Bellissimo", "Bellissimo Welpenfutter Rind 3 kg", 19.99, {"getreidefrei": False, "geschmack": "Rind", "altersstufe": "Welpe", "gewicht_kg": 3}, "Kleine Kroketten für Welpen bis 12 Monate."),
    ("Hund > Futter > Nassfutter", "Bellissimo", "Bellissimo Menü Pute mit Reis 6 x 400 g", 14.49, {"getreidefrei": False, "geschmack": "Pute", "altersstufe": "Adult"}, "Nassfutter in der Dose mit Pute und Reis."),
    ("Hund > Futter > Nassfutter", "Wildfang", "Wildfang Senior Menü Lachs 6 x 400 g", 17.99, {"getreidefrei": True, "geschmack": "Lachs", "altersstufe": "Senior"}, "Getreidefreies Nassfutter für Senioren mit Lachs."),
    ("Hund > Spielzeug", "Kauwerk", "Kauwerk Welpen Kauknochen aus Naturkautschuk", 8.99, {"material": "Naturkautschuk", "größe": "S", "für": "Welpen"}, "Weicher Kauknochen für Welpen im Zahnwechsel."),
    ("Hund > Spielzeug", "Kauwerk", "Kauwerk Wurfball mit Seil", 6.49, {"material": "Baumwolle", "größe": "M"}, "Robuster Ball am Seil zum Werfen und Zerren."),
    ("Hund > Spielzeug", "Kauwerk", "Kauwerk Intelligenzspielzeug Schnüffelteppich", 21.99, {"material": "Filz", "größe": "L", "waschbar": True}, "Schnüffelteppich zur geistigen Auslastung, in der Maschine waschbar."),
    ("Hund > Leinen & Halsbänder", "Gassi", "Gassi Nylonleine 2 m für kleine Hunde", 12.99, {"länge_m": 2, "material": "Nylon", "größe": "S"}, "Leichte Leine für kleine Hunde bis 10 kg."),
    ("Hund > Leinen & Halsbänder", "Gassi", "Gassi Rollleine 8 m", 29.99, {"länge_m": 8, "material": "Nylon", "größe": "L"}, "Ausziehbare Rollleine für große Hunde bis 50 kg."),
    ("Hund > Leinen & Halsbänder", "Gassi", "Gassi Lederhalsband braun", 18.49, {"material": "Leder", "farbe": "braun", "größe": "M"}, "Halsband aus echtem Leder mit Messingschnalle."),
    ("Hund > Betten", "Schlummer", "Schlummer Orthopädisches Hundebett XL", 89.00, {"größe": "XL", "waschbar": True, "füllung": "Memory-Schaum"}, "Hundebett mit Memory-Schaum, der Bezug ist bei 40 °C waschbar."),
    ("Hund > Betten", "Schlummer", "Schlummer Kuschelkorb rund M", 34.99, {"größe": "M", "waschbar": False, "füllung": "Polyester"}, "Runder Korb mit hohem Rand für kleine und mittlere Hunde."),
    ("Katze > Futter > Nassfutter", "Miezi", "Miezi Feine Filets Huhn 12 x 85 g", 9.99, {"geschmack": "Huhn", "getreidefrei": True, "altersstufe": "Adult"}, "Zarte Filets in Soße mit Huhn."),
    ("Katze > Futter > Nassfutter", "Miezi", "Miezi Kitten Pastete Lachs 12 x 85 g", 10.49, {"geschmack": "Lachs", "getreidefrei": True, "altersstufe": "Kitten"}, "Pastete für Kätzchen bis 12 Monate."),
    ("Katze > Futter > Trockenfutter", "Miezi", "Miezi Sterilised Trockenfutter Ente 2 kg", 16.99, {"geschmack": "Ente", "getreidefrei": False, "altersstufe": "Adult", "gewicht_kg": 2}, "Trockenfutter für kastrierte Katzen mit Ente."),
    ("Katze > Futter > Trockenfutter", "Schnurr", "Schnurr Indoor Trockenfutter Huhn 7,5 kg", 39.99, {"geschmack": "Huhn", "getreidefrei": True, "altersstufe": "Adult", "gewicht_kg": 7.5}, "Für Wohnungskatzen, reduziert Haarballen."),
    ("Katze > Katzenstreu", "Schnurr", "Schnurr Klumpstreu Bentonit 15 l", 13.99, {"klumpend": True, "material": "Bentonit", "parfümfrei": True}, "Stark klumpende Katzenstreu ohne Duftstoffe."),
    ("Katze > Katzenstreu", "Schnurr", "Schnurr Holzstreu Pellets 30 l", 11.49, {"klumpend": False, "material": "Holz", "kompostierbar": True}, "Nicht klumpende Holzpellets, kompostierbar."),
    ("Katze > Kratzbäume", "Kletterwelt", "Kletterwelt Kratzbaum Maine Coon 180 cm", 149.00, {"höhe_cm": 180, "für_große_katzen": True, "material": "Sisal"}, "Stabiler Kratzbaum mit dicken Sisalstämmen für große Katzen bis 10 kg."),
    ("Katze > Kratzbäume", "Kletterwelt", "Kletterwelt Kratzsäule 60 cm", 24.99, {"höhe_cm": 60, "für_große_katzen": False, "material": "Sisal"}, "Kleine Kratzsäule für den Flur."),
    ("Katze > Spielzeug", "Miezi", "Miezi Federangel mit Glöckchen", 5.99, {"material": "Federn"}, "Spielangel zum gemeinsamen Spielen."),
    ("Aquaristik > Filter", "Aquaklar", "Aquaklar Innenfilter 400 l/h", 27.99, {"durchfluss_l_h": 400, "für_aquarien_bis_l": 100}, "Leiser Innenfilter für Aquarien bis 100 Liter."),
    ("Aquaristik > Filter", "Aquaklar", "Aquaklar Außenfilter 1200 l/h", 119.00, {"durchfluss_l_h": 1200, "für_aquarien_bis_l": 400}, "Außenfilter mit drei Filterkörben für große Becken."),
    ("Aquaristik > Beleuchtung", "Aquaklar", "Aquaklar LED-Leuchte 60 cm", 44.99, {"länge_cm": 60, "leistung_w": 14}, "Dimmbare LED-Beleuchtung für Pflanzenaquarien."),
    ("Aquaristik > Futter", "Aquaklar", "Aquaklar Flockenfutter 250 ml", 6.99, {"für": "Zierfische"}, "Hauptfutter für alle Zierfische."),
    ("Vogel > Futter", "Piepmatz", "Piepmatz Wellensittichfutter 1 kg", 4.99, {"für": "Wellensittiche", "gewicht_kg": 1}, "Körnermischung mit Hirse für Wellensittiche."),
    ("Vogel > Futter", "Piepmatz", "Piepmatz Wildvogel Meisenknödel 30 Stück", 9.49, {"für": "Wildvögel", "ohne_netz": True}, "Meisenknödel ohne Netz für die Winterfütterung."),
    ("Vogel > Käfige", "Piepmatz", "Piepmatz Vogelkäfig Sittich 80 cm", 69.99, {"breite_cm": 80, "für": "Wellensittiche"}, "Geräumiger Käfig mit Sitzstangen und Näpfen."),
    ("Kleintier > Käfige", "Hoppel", "Hoppel Kaninchenkäfig 120 cm", 79.99, {"breite_cm": 120, "für": "Kaninchen"}, "Käfig mit Etage und Heuraufe für zwei Kaninchen."),
    ("Kleintier > Futter", "Hoppel", "Hoppel Heu Bergwiese 1,5 kg", 7.99, {"für": "Kaninchen, Meerschweinchen", "gewicht_kg": 1.5}, "Duftendes Bergwiesenheu für Nager."),
    ("Kleintier > Einstreu", "Hoppel", "Hoppel Hanfeinstreu 20 l", 12.99, {"material": "Hanf", "staubarm": True}, "Staubarme Einstreu aus Hanf."),
]  # fmt: skip


POLICIES = {
    "rueckgabe": """# Rückgabe

- Ungeöffnete Artikel können innerhalb von 30 Tagen zurückgegeben werden.
- Geöffnetes Futter ist aus hygienischen Gründen vom Umtausch ausgeschlossen.
- Die Erstattung erfolgt innerhalb von 7 Tagen nach Eingang der Ware.
""",
    "versand": """# Versand

- Der Versand ist ab 39 € kostenlos, sonst kostet er 4,95 €.
- Wir liefern nach Deutschland, Österreich und in die Schweiz.
- Bestellungen bis 14 Uhr verlassen das Lager am selben Werktag.
""",
    "sparabo": """# Sparabo

- Mit dem Sparabo erhalten Sie 5 % Rabatt auf jede wiederkehrende Lieferung.
- Das Abo ist jederzeit kündbar, Lieferintervall 2 bis 8 Wochen.
""",
}

README = """# Pfotenglück (generated test shop; do not edit)

Built deterministically (seed {seed}) by `retrieval/shops/pfoten.py`. Everything is invented: the {products}
products, their attributes and prices, {customers} customers (example.com addresses), {orders} orders and {events}
shopper events, and the policies. It exists to test and evaluate shopassist on a catalog written in German.
"""


def build_products(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n, (category, brand, title, amount, attributes, description) in enumerate(CATALOG):
        stock = rng.randint(0, 30) if n % 9 else 0
        reviews = rng.randint(0, 50)
        row = common.listing(
            rng, id=f"PG.{417 + n * 13:05d}-{'ABC'[n % 3]}", title=title, description=description, brand=brand,
            category=category, price=amount, currency="EUR", stock=stock, attributes=attributes, reviews=reviews,
            rating=(3.5, 4.9),
        )  # fmt: skip
        rows.append(row)
    return rows


SPEC = common.ShopSpec(
    name=NAME,
    customer_id=lambda n: f"K{n:06d}",
    names=["Lena Müller", "Jonas Schmidt", "Aylin Kaya", "Mia Wagner", "Lukas Becker"],
    customers=30,
    order_id=lambda n: f"B-2026-{n + 1:05d}",
    tracking=lambda r: f"00340434{r.randrange(10**12):012d}",
    orders=90,
    free_shipping_over=39,
    shipping_fee=4.95,
    event_prefix="pg",
    currency="EUR",
)


def write_pfoten(target: Path, seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    return common.write_generated(target, SPEC, rng, build_products(rng), POLICIES, README, seed)
