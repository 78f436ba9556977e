"""Routing from the shop's own data, over five shops of different trades, id shapes and languages, with the
real encoders and engines and no LLM. These are the development cases the thresholds were set on; the frozen
evaluation dialogs (eval/data/shops) are scored by ``shopassist eval --suite shops``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.assistant.intents import Intent
from app.assistant.plan import Answer, choose
from app.assistant.router import Router
from app.assistant.tools import Caller
from app.wiring import Services
from eval.shops import shop_services
from retrieval.catalog import within
from retrieval.compounds import COMPOUNDING

CASES: dict[str, list[tuple[str, str]]] = {
    "voltline": [
        ("do you have any bluetooth speakers?", "find"), ("I want a gaming keyboard", "find"),
        ("cheapest coffee grinder", "find"), ("something for camping in the rain", "find"),
        ("a monitor for my home office", "find"), ("recommend me a kettle", "find"), ("any tents under $250", "find"),
        ("a speaker for parties at home", "find"), ("有蓝牙音箱吗", "find"),
        ("what's the weight of the Trailhead Solo tent?", "product_question"),
        ("does the QuietPro 900 have a headphone jack?", "product_question"),
        ("how many grind settings does the Crema Burr grinder have?", "product_question"),
        ("What's the screen size of the Arcbook 16 Pro?", "product_question"),
        ("Does the Raptor Strike keyboard have RGB?", "product_question"),
        ("what's your returns policy?", "policy"), ("is delivery free?", "policy"),
        ("how do I claim under warranty?", "policy"), ("do you match lower prices from other stores?", "policy"),
        ("can I trade in my old laptop?", "policy"), ("What time does the warehouse ship same-day orders?", "policy"),
        ("where's my parcel?", "order_status"), ("is VLO-58290 on its way?", "order_status"),
        ("I want to complain", "handoff"), ("who won the world cup?", "out_of_scope"), ("good evening", "greeting"),
        ("suggest something for me", "recommend"),
    ],
    "greenleaf": [
        ("do you sell honey?", "find"), ("I'm looking for soy sauce", "find"), ("有绿茶吗", "find"),
        ("lip balm", "find"),
        ("something spicy for noodles", "find"), ("face wash for oily skin", "find"), ("moisturiser under $20", "find"),
        ("how much sugar is in the Crispy Chili Oil?", "product_question"),
        ("what skin type is the Ceramide Barrier Cream for?", "product_question"),
        ("Is the pu-erh tea cake from Yunnan?", "product_question"),
        ("is 208112 still fresh for two weeks?", "product_question"),
        ("will you replace missing items with something else?", "policy"), ("what time slots can I book?", "policy"),
        ("do your products contain allergens?", "policy"), ("can I return an opened shampoo?", "policy"),
        ("do you offer gift wrapping?", "policy"), ("我的包裹到哪了", "order_status"), ("你好", "greeting"),
        ("what's the population of China?", "out_of_scope"), ("this is the worst service ever", "handoff"),
        ("有什么推荐的吗", "recommend"),
    ],
    "boutique": [
        ("hi", "greeting"), ("I'm looking for a linen dress under $150", "find"), ("do you have black jeans?", "find"),
        ("我想买一条连衣裙", "find"), ("jeans under $120 for a night out", "find"), ("suggest a warm coat", "find"),
        ("a bikini for the pool under $70", "find"), ("can you recommend something for me?", "recommend"),
        ("compare P0001 and P0002", "compare"), ("what is P0123 made of?", "product_question"),
        ("where is my order O100001?", "order_status"), ("has my package shipped yet", "order_status"),
        ("我的订单到哪了", "order_status"), ("How long do I have to return something?", "policy"),
        ("do you ship to Canada?", "policy"), ("can I pay with PayPal?", "policy"),
        ("what size should I take if I'm between sizes?", "policy"), ("可以退货吗？", "policy"),
        ("This is unacceptable, I want to speak to a manager", "handoff"), ("我要投诉", "handoff"),
        ("what's the weather in Paris?", "out_of_scope"), ("write me a poem about the sea", "out_of_scope"),
        ("asdfgh", "out_of_scope"),
    ],
    "pfoten": [  # a catalog, policies and customers in German
        ("Hallo", "greeting"), ("Wie viel kostet der Versand?", "policy"),
        ("Kann ich geöffnetes Futter zurückgeben?", "policy"), ("Wie funktioniert das Sparabo?", "policy"),
        ("Liefert ihr auch in die Schweiz?", "policy"), ("Wo ist meine Bestellung B-2026-00012?", "order_status"),
        ("Wann kommt mein Paket an?", "order_status"), ("Habt ihr klumpende Katzenstreu?", "find"),
        ("Ich suche ein Hundebett für einen großen Hund", "find"),
        ("Zeig mir Spielzeug für Welpen unter 10 Euro", "find"),
        ("Ich möchte mit einem Mitarbeiter sprechen", "handoff"), ("Wie wird das Wetter morgen?", "out_of_scope"),
        ("Ist der Kletterwelt Kratzbaum für große Katzen geeignet?", "product_question"),
    ],
    "sommet": [  # a catalog, policies and customers in French (probe cases, run while the cues were written)
        ("Avez-vous des chaussures de randonnée imperméables ?", "find"),
        ("je cherche une tente pour 2 personnes", "find"), ("un sac à dos pour une semaine de trek", "find"),
        ("une veste pour la pluie en taille M", "find"), ("quelque chose pour cuisiner en camping", "find"),
        ("sac de couchage pour l'hiver moins de 300 €", "find"), ("lampe frontale rechargeable", "find"),
        ("le moins cher des réchauds", "find"),
        ("Quel est le poids du sac à dos Cordée 30 L ?", "product_question"),
        ("La doudoune Flocon existe-t-elle en rouge ?", "product_question"),
        ("Combien de lumens a la lanterne Lumen ?", "product_question"),
        ("Est-ce que la gourde Lumen passe au lave-vaisselle ?", "product_question"),
        ("La livraison est-elle gratuite ?", "policy"), ("Livrez-vous en Suisse ?", "policy"),
        ("Puis-je retourner une veste que j'ai déjà portée ?", "policy"),
        ("Quelle est la garantie sur les tentes ?", "policy"), ("Où en est ma commande ?", "order_status"),
        ("Ma commande CMD70003 est-elle partie ?", "order_status"), ("Bonjour !", "greeting"),
        ("C'est inadmissible, je veux parler à un responsable", "handoff"),
        ("Quel temps fera-t-il demain à Lyon ?", "out_of_scope"),
    ],
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(CASES))
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_store: Path
) -> Iterator[tuple[str, Services]]:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "boutique":  # the session's demo store, not a second build
        (root / "store").symlink_to(demo_store)
    with shop_services(request.param, root) as services:
        yield request.param, services


def router(services: Services) -> Router:
    return services.assistant.router


def test_each_kind_of_turn_is_routed_from_the_shops_own_data(shop: tuple[str, Services]) -> None:
    name, services = shop
    wrong = []
    for message, expected in CASES[name]:
        turn = router(services).route(message)
        if turn.intent.value != expected:
            wrong.append((message, expected, turn.intent.value, turn.reasons))
        assert turn.reasons, message  # every decision says why
    assert not wrong, wrong


def test_order_numbers_are_read_in_the_shape_the_shop_uses(shop: tuple[str, Services]) -> None:
    name, services = shop
    order = services.commerce.order_ids(1)[0]
    turn = router(services).route(f"what's happening with {order.lower()}?")
    assert turn.intent == Intent.ORDER_STATUS and turn.order_ids == (order,), turn.reasons
    other = {"voltline": "O100001", "greenleaf": "VLO-58213", "boutique": "GL26-004402", "pfoten": "VLO-58213",
             "sommet": "B-2026-00012"}[name]  # fmt: skip
    assert router(services).route(f"what about {other}?").order_ids == ()  # another shop's shape is no order


def test_a_product_named_by_its_own_words_is_the_one_asked_about(shop: tuple[str, Services]) -> None:
    name, services = shop
    question = {
        "voltline": ("How many watts is the Hearth 1.7L kettle?", "VL-KT-0101"),
        "greenleaf": ("How much protein is in the Greek Yogurt?", "208112"),
        "boutique": ("What fit is the Northwind Weekend Cashmere Pullover Sweater?", "P0932"),
        "pfoten": ("Wie lang ist die Gassi Nylonleine?", "PG.00521-C"),
        "sommet": ("Quel est le volume du sac à dos Cordée Expédition ?", "SM-4422"),
    }[name]
    turn = router(services).route(question[0])
    assert turn.intent == Intent.PRODUCT_QUESTION and turn.product_ids[0] == question[1], turn.reasons


def test_a_question_can_touch_a_policy_and_a_product_at_once(shop: tuple[str, Services]) -> None:
    name, services = shop
    if name != "voltline":
        pytest.skip("one shop has a warranty policy")
    turn = router(services).route("what's the warranty on the QuietPro 700?")
    assert turn.intent == Intent.PRODUCT_QUESTION and turn.product_ids == ("VL-HP-0101",)
    assert "warranty" in turn.policy_docs, turn.reasons


def test_catalog_values_named_in_a_message_are_found(shop: tuple[str, Services]) -> None:
    name, services = shop
    message, attribute, value = {
        "voltline": ("a smart plug that works with Alexa", "works_with", "Alexa"),
        "greenleaf": ("a moisturiser for dry skin", "skin_type", "dry"),
        "boutique": ("a warm sweater in navy", "colour", "navy"),
        "pfoten": ("ein Halsband aus Leder", "material", "Leder"),
        "sommet": ("un sac de couchage en duvet", "garnissage", "duvet"),
    }[name]
    values = {(v.attribute, v.value) for v in router(services).route(message).values}
    assert (attribute, value) in values


@pytest.mark.parametrize(
    ("intent", "catalog_down", "llm_ready", "answer"),
    [
        (Intent.BLOCKED, True, True, Answer.BLOCKED),
        (Intent.FIND, True, True, Answer.CATALOG_DOWN),
        (Intent.ORDER_STATUS, False, True, Answer.ORDERS),
        (Intent.ORDER_STATUS, False, False, Answer.ORDERS),
        (Intent.HANDOFF, False, True, Answer.HANDOFF),
        (Intent.GREETING, False, True, Answer.GREETING),
        (Intent.OUT_OF_SCOPE, False, True, Answer.OUT_OF_SCOPE),
        (Intent.FIND, False, True, Answer.GENERATE),
        (Intent.POLICY, False, False, Answer.FROM_DATA),
        (Intent.PRODUCT_QUESTION, False, True, Answer.GENERATE),
    ],
)
def test_the_kind_of_answer_for_each_turn(intent: Intent, catalog_down: bool, llm_ready: bool, answer: Answer) -> None:
    assert choose(intent, catalog_down=catalog_down, llm_ready=llm_ready) == answer


def test_the_frozen_dialogs_plan_at_the_target(shop: tuple[str, Services]) -> None:
    """The evaluation dialogs (written before the routing code, never edited to fit it) through the plan alone:
    a regression guard on the figures `shopassist eval --suite chat` reports per shop."""
    from eval.shop_chat import plan_figures

    name, services = shop
    if name in ("pfoten", "sommet"):  # below the target (docs/benchmarks.md): figures to raise, not guards yet
        pytest.skip(f"{name}'s dialogs are reported, not yet at the target")
    figures = plan_figures(services, name)
    assert figures["intent_accuracy"] >= 0.9, [r for r in figures["rows"] if r["intent"] != r["expected"]]
    assert figures["product_precision_at_3"] >= 0.9, [r for r in figures["rows"] if r.get("precision", 1) < 1]
    assert figures["policy_doc_found"] >= 0.9


def test_only_turns_no_signal_decided_are_left_to_the_llm(shop: tuple[str, Services]) -> None:
    name, services = shop
    undecided = [m for m, _ in CASES[name] if router(services).route(m).alternatives]
    assert len(undecided) <= len(CASES[name]) // 5, undecided  # the shop's data decides nearly every turn
    vague = router(services).route("I'm looking for something nice")
    assert vague.alternatives and {Intent.FIND, Intent.POLICY} <= {vague.intent, *vague.alternatives}
    assert vague.intent not in vague.alternatives
    assert router(services).route("good evening").alternatives == ()
    # no signal of the shop at all: off-topic by rule, never a generated reply chosen by the model
    assert router(services).route("hmm, not sure about that").alternatives == ()


def test_the_honest_answer_lists_what_the_question_is_about(shop: tuple[str, Services]) -> None:
    name, services = shop
    if name != "voltline":
        pytest.skip("a Voltline product")
    kettle = services.catalog.get_many(["VL-KT-0101"])["VL-KT-0101"]
    knowledge = services.assistant.knowledge
    assert "wattage_w" in knowledge.attributes_about(kettle, "will it boil water fast, how powerful is it?")
    assert "capacity_l" in knowledge.attributes_about(kettle, "is it big enough to make tea for six people?")


def _value_in_category(services: Services) -> tuple[str, str, str]:
    """A query built from the catalog itself: (category leaf, an attribute value some in-stock products of that
    category have and others lack, the category path), the most common such pair."""
    products = list(services.catalog.get_many(services.catalog.ids()).values())
    best: tuple[int, tuple[str, str, str]] | None = None
    for path in sorted({p.category for p in products if p.category}):
        members = [p for p in products if p.category == path and p.in_stock]
        counts: dict[str, int] = {}
        for p in members:
            for value in p.attributes.values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and item.isascii() and item.isalpha() and len(item) > 2:
                        counts[item.lower()] = counts.get(item.lower(), 0) + 1
        for value, held in counts.items():
            if 0 < held < len(members) and (best is None or held > best[0]):
                best = (held, (path.split(" > ")[-1], value, path))
    assert best is not None
    return best[1]


def test_the_search_puts_first_what_meets_the_query_in_the_catalogs_terms(shop: tuple[str, Services]) -> None:
    _, services = shop
    leaf, value, path = _value_in_category(services)
    text = f"{value} {leaf}"
    searcher = services.catalog.searcher
    result = searcher.search(text, limit=10)
    assert result.signals.category is not None and path.startswith(result.signals.category), result.signals
    assert any(m.value.lower() == value for m in result.signals.values), result.signals
    met = [result.signals.met(h.product) for h in result.hits]
    assert met == sorted(met, reverse=True) and met[0] >= 2, (text, met)  # category and value, then fewer
    plain = searcher.search(text, limit=10, understand=False)
    assert not plain.signals and len(plain.hits) == len(result.hits)  # the retrievers' fused order alone
    assert met[0] >= max(result.signals.met(h.product) for h in plain.hits)  # never a worse match first


def test_a_query_naming_nothing_of_the_catalog_keeps_the_fused_order(shop: tuple[str, Services]) -> None:
    _, services = shop
    searcher = services.catalog.searcher
    result = searcher.search("zzqx wibble", limit=10)
    assert not result.signals
    plain = searcher.search("zzqx wibble", limit=10, understand=False)
    assert [h.id for h in result.hits] == [h.id for h in plain.hits]


def test_a_chinese_query_names_attribute_values_through_its_translation(shop: tuple[str, Services]) -> None:
    name, services = shop
    if name != "voltline":
        pytest.skip("a Voltline attribute")
    signals = services.catalog.searcher.search("我想要无线耳机", limit=5).signals  # "I want wireless headphones"
    assert ("wireless", "true") in {(m.attribute, m.value) for m in signals.values}, signals
    assert signals.category == "Electronics > Audio > Headphones"


def test_a_repeated_query_is_read_once_per_catalog_version(shop: tuple[str, Services]) -> None:
    """Kept last in this module: it adds a product to the shop (the boutique is the session's shared store)."""
    name, services = shop
    if name == "boutique":
        pytest.skip("writes to the shop; the boutique here is the session's demo store")
    understanding = router(services).understanding
    text = "a zorbium finish lantern"
    first = understanding.signals(text)
    assert understanding.signals(text) is first  # the same catalog version: kept
    assert not any(m.value.lower() == "zorbium" for m in first.values)
    any_product = services.catalog.get(services.catalog.ids()[0])
    assert any_product is not None
    row = {
        "id": f"{any_product.id}-ZB",
        "title": "Glowmere Camp Lantern",
        "price": 19.0,
        "currency": "USD",
        "category": any_product.category,
        "attributes": {"finish": "zorbium"},
        "in_stock": True,
        "stock": 5,
    }
    outcome = services.catalog.ingest_items([row])
    assert not outcome.rejected
    after = understanding.signals(text)  # a new version: read again, and the new value is named
    assert after is not first
    assert ("finish", "zorbium") in {(m.attribute, m.value) for m in after.values}, after


def _words_of(value: object) -> set[str]:
    items = value if isinstance(value, list) else [value]
    return {i.lower() for i in items if isinstance(i, str) and i.isalpha() and len(i) > 2}


def _sold_out_value(services: Services) -> tuple[str, str, str] | None:
    """From the catalog itself: (category leaf, an attribute value only sold-out products of that category hold
    and no product in stock anywhere does, the category path), where the category has products in stock."""
    products = list(services.catalog.get_many(services.catalog.ids()).values())
    stocked = set().union(*(_words_of(v) for p in products if p.in_stock for v in p.attributes.values()))
    for path in sorted({p.category for p in products if p.category}):
        members = [p for p in products if p.category == path]
        if not any(p.in_stock for p in members):
            continue
        gone = {w for p in members if not p.in_stock for v in p.attributes.values() for w in _words_of(v)}
        for value in sorted(gone - stocked):
            return path.split(" > ")[-1], value, path
    return None


def test_what_only_sold_out_products_are_is_said_to_be_sold_out(shop: tuple[str, Services]) -> None:
    _, services = shop
    found = _sold_out_value(services)
    if found is None:
        pytest.skip("no attribute value of this catalog is held only by sold-out products")
    leaf, value, path = found
    caller = Caller("c", None, False)
    plan = services.assistant.planner.plan(caller, f"{value} {leaf}", [], llm_ready=True)
    if not plan.intent.values:
        pytest.skip(f"{value!r} is not read as a value of this catalog")
    assert plan.answer == Answer.SOLD_OUT, (value, leaf, plan.intent.reasons)
    assert plan.retrieved.sold_out and all(not p.in_stock for p in plan.retrieved.sold_out)
    assert any(p.category == path for p in plan.retrieved.sold_out)
    assert all(p.in_stock and p.category == plan.retrieved.sold_out[0].category for p in plan.retrieved.products)
    # what is in stock is offered as what it is
    leaf_, stocked, _ = _value_in_category(services)
    offered = services.assistant.planner.plan(caller, f"{stocked} {leaf_}", [], llm_ready=True)
    assert offered.answer == Answer.GENERATE and not offered.retrieved.sold_out and offered.retrieved.products


def test_a_sold_out_product_named_by_a_word_only_it_has_is_said_to_be_sold_out(shop: tuple[str, Services]) -> None:
    _, services = shop
    words = services.assistant.retriever.words
    products = list(services.catalog.get_many(services.catalog.ids()).values())
    stocked = set().union(*(set(words(f"{p.title} {p.description}")) for p in products if p.in_stock))
    caller = Caller("c", None, False)
    tried = []
    for product in sorted((p for p in products if not p.in_stock), key=lambda p: p.id):
        own = sorted(w for w in set(words(product.title)) - stocked if len(w) > 3 and w.isalpha())
        if not own:
            continue
        plan = services.assistant.planner.plan(caller, own[0], [], llm_ready=True)
        if plan.intent.intent != Intent.FIND or product.id not in plan.intent.product_ids:
            tried.append((own[0], plan.intent.intent.value, plan.intent.product_ids))
            continue
        assert plan.answer == Answer.SOLD_OUT and product in plan.retrieved.sold_out, (own[0], plan.intent.reasons)
        assert all(p.in_stock for p in plan.retrieved.products)
        return
    pytest.skip(f"no sold-out product is named as a search by a word of its own: {tried}")


def test_a_sold_out_answer_comes_after_the_guard_and_the_catalog() -> None:
    assert choose(Intent.FIND, catalog_down=False, llm_ready=True, sold_out=True) == Answer.SOLD_OUT
    assert choose(Intent.FIND, catalog_down=False, llm_ready=False, sold_out=True) == Answer.SOLD_OUT
    assert choose(Intent.FIND, catalog_down=True, llm_ready=True, sold_out=True) == Answer.CATALOG_DOWN
    assert choose(Intent.BLOCKED, catalog_down=False, llm_ready=True, sold_out=True) == Answer.BLOCKED


def test_a_compound_of_the_catalogs_category_words_finds_that_category(shop: tuple[str, Services]) -> None:
    """In a language that writes compounds as one word: the top level and the leaf of each category path joined
    as one word ("Hund" + "Futter" → "hundfutter"), a word the catalog itself never uses."""
    _, services = shop
    vocabulary = services.assistant.knowledge.vocabulary()
    if vocabulary.language not in COMPOUNDING:
        pytest.skip(f"{vocabulary.language} does not write compounds as one word")
    caller = Caller("c", None, False)
    missed, tried = [], 0
    for path in sorted(vocabulary.categories):
        segments = path.split(" > ")
        if len(segments) < 2 or not all(s.isalpha() for s in (segments[0], segments[-1])):
            continue
        query = (segments[0] + segments[-1]).lower()
        tried += 1
        plan = services.assistant.planner.plan(caller, query, [], llm_ready=True)
        shown = plan.retrieved.products
        if plan.intent.intent != Intent.FIND or not shown or not within(shown[0].category, path):
            missed.append((query, plan.intent.intent.value, [p.category for p in shown[:3]]))
    assert tried >= 5 and len(missed) <= tried // 10, missed
