"""Product copy over the live demo shop with the real (small) model: whatever it writes, the draft that comes back
is within the length limits, free of markup, and has no unsupported claim left; approval updates the catalog."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.conftest import MERCHANT_KEY, customer_token
from tests.live_server import LiveServer
from tests.scripted_llm import ScriptedLLM

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}
TAG = re.compile(r"<\s*/?\s*[a-z]", re.IGNORECASE)


def generate(shop: LiveServer, **body: Any) -> Any:
    with shop.client(timeout=180) as client:
        return client.post("/v1/copy", headers=MERCHANT, json=body)


def test_copy_for_a_product_is_checked_limited_and_stored(shop: LiveServer) -> None:
    response = generate(shop, product_id="P1153", tone="playful", variants=2)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["variants"]) == 2 and body["draft_id"] == body["variants"][0]["draft_id"]
    for draft in body["variants"]:
        assert draft["title"] and 1 <= len(draft["bullets"]) <= 5 and draft["description"]
        assert len(draft["seo"]["title"]) <= 60 and len(draft["seo"]["meta_description"]) <= 155
        texts = [draft["title"], *draft["bullets"], draft["description"], *draft["seo"].values()]
        assert not any(TAG.search(t) for t in texts)
        assert draft["checks"]["faithful"] and draft["checks"]["unsupported_claims"] == []
        assert draft["prompt"] == "copy_system@2+copy_user@2"
        assert draft["model"] == shop.app.state.services.llm.backend.model_name  # smollm2-135m, or vLLM's adapter
    with shop.client() as client:
        stored = client.get(f"/v1/copy/drafts/{body['draft_id']}", headers=MERCHANT)
    assert stored.status_code == 200 and stored.json()["title"] == body["title"]


def test_a_reply_cut_at_the_token_cap_is_not_repaired_but_replaced_by_the_attribute_template(
    scripted_shop: LiveServer, scripted: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the scripted server: the real model samples its copy (temperature 0.4) and may stop before the cap."""
    services = scripted_shop.app.state.services
    monkeypatch.setattr(services.copywriter, "max_tokens", 32)  # too few for the copy JSON
    scripted.reset()
    scripted.say("Hearth", "{" + ' "title": "Hearth 1.7L Kettle",' * 40)  # JSON that never closes
    try:
        response = generate(scripted_shop, product_id="VL-KT-0101")
        assert response.status_code == 200, response.text
        assert len(scripted.requests) == 1  # cut off, and no repair under the same cap
        assert response.json()["checks"]["fallback"] is True and response.json()["checks"]["faithful"]
    finally:
        scripted.reset()


def test_approval_writes_the_copy_and_makes_it_searchable(shop: LiveServer) -> None:
    services = shop.app.state.services
    draft = services.copywriter.drafts.add(
        "P0002",
        {
            "fields": {
                "title": "Zephyrine Pleated Approval Skirt",
                "bullets": ["Pleated", "Soft"],
                "description": "A pleated skirt written in the studio.",
                "seo_title": "Zephyrine Pleated Approval Skirt",
                "meta_description": "A pleated skirt.",
            },
            "checks": {"faithful": True, "unsupported_claims": [], "claims": [], "regenerated": False},
            "prompt": "copy_system@1+copy_user@1",
            "model": "human edit",
        },
        author="test",
    )
    with shop.client() as client:
        approved = client.post(f"/v1/copy/drafts/{draft.id}/approve", headers=MERCHANT)
        product = client.get("/v1/products/P0002", headers=MERCHANT).json()
        found = client.get("/v1/products/search", params={"q": "Zephyrine approval skirt"}, headers=MERCHANT).json()
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert product["title"] == "Zephyrine Pleated Approval Skirt"
    assert product["attributes"]["bullets"] == ["Pleated", "Soft"]
    assert found["items"][0]["id"] == "P0002"


def test_copy_requests_are_validated_and_merchant_only(shop: LiveServer) -> None:
    both = generate(shop, product_id="P0001", attributes={"title": "x"})
    neither = generate(shop)
    unknown = generate(shop, product_id="NOPE-1")
    with shop.client() as client:
        customer = client.post("/v1/copy", headers=customer_token(shop, "c0001"), json={"product_id": "P0001"})
        raw = client.post(
            "/v1/copy",
            headers=MERCHANT,
            json={"attributes": {"title": "Wool Scarf", "material": "wool"}},
            timeout=180,
        )
        raw_approve = client.post(f"/v1/copy/drafts/{raw.json()['draft_id']}/approve", headers=MERCHANT)
        missing = client.post("/v1/copy/drafts/d_nope/approve", headers=MERCHANT)
    assert both.status_code == 422 and neither.status_code == 422 and unknown.status_code == 404
    assert customer.status_code == 403
    assert raw.status_code == 200 and raw.json()["product_id"] is None
    assert raw_approve.status_code == 409 and missing.status_code == 404


def test_a_batch_job_runs_in_the_service_and_reports_progress(shop: LiveServer) -> None:
    with shop.client(timeout=30) as client:
        created = client.post(
            "/v1/copy/jobs", headers=MERCHANT, json={"product_ids": ["P0003", "P0004"], "tone": "luxury"}
        )
        assert created.status_code == 202, created.text
        job_id = created.json()["job_id"]
        assert created.json()["total"] == 2
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            job = client.get(f"/v1/copy/jobs/{job_id}", headers=MERCHANT).json()
            if job["status"] == "done":
                break
            time.sleep(1.0)
        draft = client.get(f"/v1/copy/drafts/{job['drafts'][0]['draft_id']}", headers=MERCHANT)
        bad_category = client.post("/v1/copy/jobs", headers=MERCHANT, json={"category": "No Such Category"})
        unknown_ids = client.post("/v1/copy/jobs", headers=MERCHANT, json={"product_ids": ["P0003", "NOPE-9"]})
        both = client.post("/v1/copy/jobs", headers=MERCHANT, json={"product_ids": ["P0003"], "category": "Tops"})
        missing = client.get("/v1/copy/jobs/j_nope", headers=MERCHANT)
        customer = client.get(f"/v1/copy/jobs/{job_id}", headers=customer_token(shop, "c0001"))
    assert job["status"] == "done" and (job["done"], job["failed"], job["total"]) == (2, 0, 2), job
    assert [d["product_id"] for d in job["drafts"]] == ["P0003", "P0004"] and job["options"]["tone"] == "luxury"
    assert draft.status_code == 200 and draft.json()["checks"]["faithful"] and draft.json()["product_id"] == "P0003"
    assert bad_category.status_code == 404 and "No Such Category" in bad_category.json()["error"]["message"]
    assert unknown_ids.status_code == 404 and "NOPE-9" in unknown_ids.json()["error"]["message"]
    assert both.status_code == 422 and missing.status_code == 404 and customer.status_code == 403
