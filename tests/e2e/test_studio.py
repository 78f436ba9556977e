"""The merchant studio at /ui/studio in Chromium: find a product, generate a variant with the real (small) model,
edit it, see an edit with an unsupported claim refused, approve a clean edit, and find the product by its new
title; then run a batch job over a category and watch it finish."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page

from tests.conftest import MERCHANT_KEY, SUPPORT_KEY
from tests.live_server import LiveServer

MERCHANT = {"Authorization": f"Bearer {MERCHANT_KEY}"}


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/ui/studio/")
    page.get_by_label("username").fill("merchant")
    page.get_by_label("password").fill(MERCHANT_KEY)
    page.get_by_role("button", name="Login").click()


def test_only_merchant_and_admin_keys_sign_in(shop: LiveServer) -> None:
    with shop.client() as client:
        support = client.post("/ui/studio/login", data={"username": "x", "password": SUPPORT_KEY})
        merchant = client.post("/ui/studio/login", data={"username": "x", "password": MERCHANT_KEY})
    assert support.status_code == 400 and merchant.status_code == 200


def test_generate_edit_approve_then_search_finds_the_new_text(shop: LiveServer, browser: Browser) -> None:
    page = browser.new_page()
    sign_in(page, shop.url)
    search = page.get_by_label("Find a product")
    search.wait_for(timeout=60_000)
    search.fill("wrap dress")
    search.press("Enter")
    card = page.locator("h4").filter(has_text=re.compile(r"P\d{4}"))
    card.first.wait_for(timeout=30_000)
    product_id = re.search(r"P\d{4}", card.first.inner_text())
    assert product_id is not None
    pid = product_id.group(0)
    page.get_by_text(re.compile(r"★ from \d+ review|No reviews yet")).first.wait_for(timeout=10_000)

    page.get_by_role("button", name="Generate").click()
    title = page.locator("#variant-1-title textarea, #variant-1-title input").first
    page.wait_for_function(
        "() => { const e = document.querySelector('#variant-1-title textarea, #variant-1-title input');"
        " return e && e.value.length > 0; }",
        timeout=180_000,
    )
    status = page.locator("#variant-1-status")

    title.fill("Quokka Studio Miracle Dress")  # "miracle" is a banned claim
    page.get_by_role("button", name="Approve variant 1").click()
    status.filter(has_text="Not approved").wait_for(timeout=30_000)
    assert "Miracle" in status.inner_text()

    title.fill("Quokka Studio Wrap Dress")
    page.get_by_role("button", name="Approve variant 1").click()
    status.filter(has_text="Approved draft").wait_for(timeout=60_000)
    assert pid in status.inner_text()
    page.close()

    with shop.client() as client:
        product = client.get(f"/v1/products/{pid}", headers=MERCHANT).json()
        found = client.get("/v1/products/search", params={"q": "Quokka Studio wrap dress"}, headers=MERCHANT).json()
    assert product["title"] == "Quokka Studio Wrap Dress"
    assert found["items"][0]["id"] == pid


def test_a_batch_job_runs_with_a_live_progress_bar(shop: LiveServer, browser: Browser) -> None:
    page = browser.new_page()
    sign_in(page, shop.url)
    page.get_by_role("tab", name="Batch").click()
    page.get_by_label("Category").fill("Intimate > Legwear")
    page.get_by_label("At most (products)").fill("1")
    page.get_by_role("button", name="Start job").click()
    state = page.locator("#job-state")
    state.filter(has_text="running").wait_for(timeout=30_000)
    state.filter(has_text="done, 1 written, 0 failed of 1").wait_for(timeout=180_000)
    job_id = re.search(r"j_[0-9a-f]{16}", state.inner_text())
    page.close()
    assert job_id is not None
    with shop.client() as client:
        job = client.get(f"/v1/copy/jobs/{job_id.group(0)}", headers=MERCHANT).json()
    assert job["status"] == "done" and job["options"]["category"] == "Intimate > Legwear"


def test_a_campaign_is_created_refused_and_reported_in_the_campaigns_tab(shop: LiveServer, browser: Browser) -> None:
    services = shop.app.state.services
    product = next(p for p in services.catalog.get_many(services.catalog.ids()[:50]).values() if p.in_stock)
    page = browser.new_page()
    sign_in(page, shop.url)
    page.get_by_role("tab", name="Campaigns").click()
    status = page.locator("#campaign-status")
    page.get_by_label("Name").fill("Studio spring test")
    page.get_by_label("Product ids (comma-separated)").fill("NOPE-1")
    page.get_by_role("button", name="Create campaign").click()
    status.filter(has_text="Not created").wait_for(timeout=30_000)
    assert "unknown products" in status.inner_text()
    page.get_by_label("Product ids (comma-separated)").fill(product.id)
    page.get_by_label("Keywords (comma-separated; none: any query)").fill("spring, linen")
    page.get_by_role("button", name="Create campaign").click()
    status.filter(has_text="Created").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('#campaign-report').innerText.includes('Studio spring test')", timeout=10_000
    )
    made = [c for c in services.ads.store.campaigns() if c.name == "Studio spring test"]
    assert len(made) == 1 and made[0].product_ids == [product.id] and made[0].keywords == ["spring", "linen"]
    page.close()
