"""Merchant insights over HTTP on the Voltline shop (SKU ids, electronics): forecasts, restock, reviews."""

from __future__ import annotations

import itertools
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import MERCHANT_KEY, customer_token
from tests.live_server import LiveServer
from tests.scripted_llm import ScriptedLLM

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}
HEADPHONES = "VL-HP-0103"
TENT = "VL-TN-0101"


@pytest.fixture(scope="module")
def http(scripted_shop: LiveServer, sentiment_dir: Path) -> httpx.Client:
    models = Path(scripted_shop.app.state.services.settings.data_dir) / "insights"
    models.mkdir(parents=True, exist_ok=True)
    for model in sentiment_dir.iterdir():  # the suite's small models, not a full fit per server
        shutil.copy(model, models / model.name)
    return scripted_shop.client()


def test_forecast_shape_and_refused_requests(scripted_shop: LiveServer, http: httpx.Client) -> None:
    response = http.get(f"/v1/insights/products/{TENT}/forecast", headers=MERCHANT, params={"horizon": 14})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["product_id"] == TENT and body["model"] and len(body["daily"]) == 14 and body["level"] == 80
    days = [date.fromisoformat(d["date"]) for d in body["daily"]]
    assert all((b - a).days == 1 for a, b in itertools.pairwise(days))
    assert all(0 <= d["lo"] <= d["mean"] <= d["hi"] for d in body["daily"])
    for horizon in (0, 366):
        refused = http.get(f"/v1/insights/products/{TENT}/forecast", headers=MERCHANT, params={"horizon": horizon})
        assert refused.status_code == 422
    assert http.get("/v1/insights/products/VL-XX-9999/forecast", headers=MERCHANT).status_code == 404
    shopper = customer_token(scripted_shop, "vl-cust-030")
    assert http.get(f"/v1/insights/products/{TENT}/forecast", headers=shopper).status_code == 403
    assert http.get("/v1/insights/restock", headers=shopper).status_code == 403


def test_category_forecasts_sum_their_products(http: httpx.Client) -> None:
    category = http.get(f"/v1/products/{TENT}", headers=MERCHANT).json()["category"]
    top = category.split(" > ")[0]
    leaf = http.get("/v1/insights/categories/forecast", headers=MERCHANT, params={"category": category})
    whole = http.get("/v1/insights/categories/forecast", headers=MERCHANT, params={"category": top})
    assert leaf.status_code == 200 and whole.status_code == 200, (leaf.text, whole.text)
    assert len(leaf.json()["daily"]) == 28 and leaf.json()["category"] == category
    assert sum(d["mean"] for d in whole.json()["daily"]) >= sum(d["mean"] for d in leaf.json()["daily"]) * 0.8
    missing = http.get("/v1/insights/categories/forecast", headers=MERCHANT, params={"category": "No Such Thing"})
    assert missing.status_code == 404
    too_far = {"category": top, "horizon": 91}
    assert http.get("/v1/insights/categories/forecast", headers=MERCHANT, params=too_far).status_code == 422


def test_todays_sales_move_todays_forecast_at_once(http: httpx.Client) -> None:
    def today_mean() -> float:
        body = http.get(f"/v1/insights/products/{HEADPHONES}/forecast", headers=MERCHANT).json()
        first = body["daily"][0]
        assert first["date"] == datetime.now(UTC).date().isoformat()
        return float(first["mean"])

    def sell(quantity: int) -> None:
        event = {"event_id": f"sale-{uuid.uuid4()}", "user_id": "vl-cust-031", "product_id": HEADPHONES,
                 "type": "purchase", "value": quantity, "ts": datetime.now(UTC).isoformat()}  # fmt: skip
        assert http.post("/v1/events", headers=MERCHANT, json={"events": [event]}).status_code == 202

    sell(2)
    before = today_mean()
    assert before >= 2
    sell(3)
    assert today_mean() == pytest.approx(before + 3, abs=0.01)


def test_restock_is_ordered_by_urgency(http: httpx.Client) -> None:
    response = http.get("/v1/insights/restock", headers=MERCHANT, params={"limit": 20})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items  # some of the shop's stock runs short of its lead-time demand
    for item in items:
        assert item["stock"] <= item["reorder_point"] and item["suggested_quantity"] > 0
    dates = [item["stockout_date"] or "9999" for item in items]
    assert dates == sorted(dates)
    assert http.get("/v1/insights/restock", headers=MERCHANT, params={"limit": 0}).status_code == 422


def test_reviews_are_stored_per_item_and_summarised_at_once(scripted_shop: LiveServer, http: httpx.Client) -> None:
    before = http.get(f"/v1/products/{HEADPHONES}/reviews/summary", headers=MERCHANT).json()
    reviews = [
        {"review_id": "vl-rv-1", "product_id": HEADPHONES, "rating": 2, "text": "Battery life is poor, died in a day."},
        {"review_id": "vl-rv-2", "product_id": HEADPHONES, "rating": 5, "text": "Great sound quality, love the bass."},
        {"review_id": "vl-rv-3", "product_id": HEADPHONES, "rating": 0, "text": "rating out of range"},
        {"review_id": "vl-rv-4", "product_id": "VL-XX-9999", "rating": 4, "text": "unknown product"},
    ]  # fmt: skip
    response = http.post("/v1/reviews", headers=MERCHANT, json={"reviews": reviews})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["stored"] == ["vl-rv-1", "vl-rv-2"]
    assert [(r["index"], r["review_id"]) for r in body["rejected"]] == [(2, "vl-rv-3"), (3, "vl-rv-4")]
    summary = http.get(f"/v1/products/{HEADPHONES}/reviews/summary", headers=MERCHANT).json()
    assert summary["reviews"] == before["reviews"] + 2
    aspects = {(a["aspect"], a["sentiment"]) for a in summary["aspects"]}
    assert ("battery", "negative") in aspects and ("sound", "positive") in aspects
    resent = http.post("/v1/reviews", headers=MERCHANT, json={"reviews": reviews[:1]})
    assert resent.status_code == 202 and resent.json()["rejected"][0]["reason"] == "review_id: already stored"
    all_bad = http.post("/v1/reviews", headers=MERCHANT, json={"reviews": [reviews[2], {}]})
    assert all_bad.status_code == 202 and all_bad.json()["accepted"] == 0
    assert [r["reason"].split(":")[0] for r in all_bad.json()["rejected"]] == ["rating", "review_id"]
    assert http.post("/v1/reviews", headers=MERCHANT, json={"reviews": []}).status_code == 422
    shopper = customer_token(scripted_shop, "vl-cust-032")
    assert http.post("/v1/reviews", headers=shopper, json={"reviews": reviews[:1]}).status_code == 403
    assert http.get(f"/v1/products/{HEADPHONES}/reviews/summary", headers=shopper).status_code == 200
    assert http.get("/v1/products/VL-XX-9999/reviews/summary", headers=MERCHANT).status_code == 404


def test_the_chat_is_shown_review_opinions_as_opinions(
    scripted_shop: LiveServer, scripted: ScriptedLLM, http: httpx.Client
) -> None:
    more = [{"review_id": "vl-rv-9", "product_id": HEADPHONES, "rating": 1, "text": "The battery died after a week."}]
    assert http.post("/v1/reviews", headers=MERCHANT, json={"reviews": more}).status_code == 202
    scripted.reset()
    scripted.say("Reviewers say", f"Reviewers say the battery is a weak point [{HEADPHONES}].")
    try:
        reply = http.post("/v1/chat", headers=MERCHANT, json={"message": f"how is the battery of {HEADPHONES}?"})
        assert reply.status_code == 200, reply.text
        prompt = next(p for p in scripted.prompts() if "Reviewers say" in p)
        assert f"{HEADPHONES}" in prompt and "battery problems (2 of" in prompt
        assert "weak point" in reply.json()["reply"]  # an opinion, attributed, is not cut as an unsupported fact
    finally:
        scripted.reset()
