"""Commerce benchmarks over HTTP on the served demo store (`shopassist serve`, as `make run` starts it): adding a
cart line (catalog read, stock check, database write, the recommender's cart event) against a product read in the
same run; MCP ``search_catalog`` through the SDK's client against ``GET /v1/products/search`` in the same run; the
storefront (``/demo``) loading in headless Chromium until its grid and recommendations show, against the
server-rendered product page (no API calls) in the same browser."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eval.bench_search import _percentile
from eval.serving import bench_env, cli, serving

KEY = "bench-admin-key-0123456789"


@contextmanager
def served_demo(prefix: str, events: bool = False) -> Iterator[tuple[Path, str]]:
    """The demo store built, ingested and served by ``shopassist serve`` in a temporary data dir: (root, URL);
    with ``events`` its shopper events loaded and ALS trained, as ``make run`` does."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        env = bench_env(root, SHOPASSIST_ADMIN_API_KEY=KEY, SHOPASSIST_LLM__MODEL="smollm2-135m")
        cli(env, "demo-data")
        cli(env, "ingest", str(root / "demo" / "products.jsonl"))
        if events:
            cli(env, "load-events", str(root / "demo" / "events.jsonl"))
            cli(env, "train-recs")
        with serving(env) as (base, _process, _ready_s):
            yield root, base


def carts(adds: int = 300) -> dict[str, Any]:
    import httpx

    with served_demo("bench-carts-") as (root, base):
        rows = [json.loads(line) for line in (root / "demo" / "products.jsonl").read_text().splitlines()]
        products = [r["id"] for r in rows if r.get("in_stock", True) and (r.get("stock") is None or r["stock"] > 0)]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as client:
            added, read = [], []
            cart = ""
            for n in range(adds):
                if n % 20 == 0:  # a fresh cart now and then: carts of realistic size
                    cart = client.post("/v1/carts", json={"customer_id": f"c{n % 200 + 1:04d}"}).json()["id"]
                product = products[n % len(products)]
                started = time.perf_counter()
                client.post(f"/v1/carts/{cart}/lines", json={"product_id": product}).raise_for_status()
                added.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                client.get(f"/v1/products/{product}").raise_for_status()
                read.append((time.perf_counter() - started) * 1000)
    return {
        "line_add_p50_ms": _percentile(added, 50),
        "line_add_p99_ms": _percentile(added, 99),
        "product_read_p50_ms": _percentile(read, 50),
        "line_add_p50_over_product_read_p50": _percentile(added, 50) / max(_percentile(read, 50), 1e-9),
    }


QUERIES = ("linen dress", "black jeans", "warm coat", "silk blouse", "summer sandals", "wool sweater",
           "denim jacket", "swimsuit", "party dress", "running shoes")  # fmt: skip


def mcp(calls: int = 200) -> dict[str, Any]:
    import asyncio

    import httpx
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async def tools(base: str) -> list[float]:
        latencies = []
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http,
            Client(streamable_http_client(f"{base}/mcp/", http_client=http)) as client,
        ):
            for n in range(calls + 10):
                started = time.perf_counter()
                await client.call_tool("search_catalog", {"query": QUERIES[n % len(QUERIES)], "limit": 5})
                latencies.append((time.perf_counter() - started) * 1000)
        return latencies[10:]  # the first calls warm the encoders' caches

    with served_demo("bench-mcp-") as (_root, base):
        over_mcp = asyncio.run(tools(base))
        rest = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as client:
            for n in range(calls + 10):
                started = time.perf_counter()
                client.get("/v1/products/search", params={"q": QUERIES[n % len(QUERIES)], "limit": 5})
                rest.append((time.perf_counter() - started) * 1000)
    return {
        "search_catalog_p50_ms": _percentile(over_mcp, 50),
        "search_catalog_p99_ms": _percentile(over_mcp, 99),
        "rest_search_p50_ms": _percentile(rest[10:], 50),
        "mcp_p50_over_rest_p50": _percentile(over_mcp, 50) / max(_percentile(rest[10:], 50), 1e-9),
    }


def storefront(loads: int = 20) -> dict[str, Any]:
    """Each load a fresh browser context (no cache, a new shopper): navigation start to the grid and the
    recommendations shown (``body[data-ready=home]``)."""
    import shutil

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with served_demo("bench-storefront-", events=True) as (root, base), sync_playwright() as playwright:
        product = json.loads((root / "demo" / "products.jsonl").read_text().splitlines()[0])["id"]
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        pages: list[float] = []
        plain: list[float] = []
        for n in range(loads + 2):
            for url, selector, into in ((f"{base}/demo?shopper=new", "body[data-ready=home]", pages),
                                        (f"{base}/demo/products/{product}", "h1", plain)):  # fmt: skip
                context = browser.new_context()
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(selector, timeout=30_000)
                if n >= 2:  # the first loads warm the server's caches
                    into.append((time.perf_counter() - started) * 1000)
                context.close()
        browser.close()
    return {
        "storefront_load_p50_ms": _percentile(pages, 50),
        "storefront_load_p95_ms": _percentile(pages, 95),
        "product_page_load_p50_ms": _percentile(plain, 50),
        "storefront_p50_over_product_page_p50": _percentile(pages, 50) / max(_percentile(plain, 50), 1e-9),
    }
