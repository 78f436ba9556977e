"""A feed nobody wrote the code for: unfamiliar and nested attributes, no categories, non-Latin titles, ids of
any shape. It ingests, is searchable, and every kind of turn is planned over it without raising."""

from __future__ import annotations

import json
from pathlib import Path

from app.assistant.intents import Intent
from app.assistant.tools import Caller
from app.wiring import build_services
from tests.conftest import make_settings

ROWS = [
    {"id": "S:001", "title": "Самовар электрический 3 л", "price": 89.0,
     "attributes": {"объём_л": 3, "материал": "латунь", "specs": {"power": {"watts": 1500}, "plug": "EU"}}},
    {"id": "x_42", "title": "ティーポット 急須", "price": 25.5, "attributes": {"glaze": ["celadon", None, 3]}},
    {"id": "7", "title": "Bamboo whisk (chasen)", "price": 18.0, "category": "",
     "attributes": {"tines": 100, "handmade": True, "origin": {"country": "Japan", "region": None}}},
    {"id": "B/9", "title": "Matcha ceremonial grade 30g", "price": 32.0, "brand": "Uji",
     "attributes": {"grade": "ceremonial", "caffeine_mg_per_serving": 70, "weird key!": "yes"}},
]  # fmt: skip


def test_an_unfamiliar_feed_ingests_is_searchable_and_every_turn_is_planned(tmp_path: Path) -> None:
    feed = "\n".join(json.dumps(row, ensure_ascii=False) for row in ROWS).encode()
    services = build_services(make_settings(tmp_path))
    try:
        services.database.create_all()
        outcome = services.catalog.ingest_feed(feed, "jsonl")
        assert not outcome.rejected and outcome.report.written == len(ROWS), outcome.rejected
        whisk = services.catalog.get("7")
        assert whisk is not None and whisk.attributes["origin.country"] == "Japan"
        assert services.catalog.get("S:001").attributes["specs.power.watts"] == 1500  # type: ignore[union-attr]
        assert "B/9" in [h.id for h in services.catalog.search("ceremonial matcha").hits[:2]]
        caller = Caller("guest", None, False)
        for message in [
            "do you have a bamboo whisk?", "how many tines does the Bamboo whisk have?", "Самовар", "急須はありますか",
            "where is my order 12345?", "what is your returns policy?", "I want a person", "hello", "tell me a joke",
            "compare them", "", "?" * 500, "<script>alert(1)</script>", "茶筅 under $20",
        ]:  # fmt: skip
            plan = services.assistant.planner.plan(caller, message, ["7", "B/9"], llm_ready=True)
            assert plan.intent.reasons, message
        named = services.assistant.planner.plan(
            caller, "how many tines does the Bamboo whisk have?", [], llm_ready=True
        )
        assert named.intent.intent == Intent.PRODUCT_QUESTION and named.retrieved.products[0].id == "7"
    finally:
        services.close()
