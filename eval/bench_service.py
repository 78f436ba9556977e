"""The whole `make run` service as a user starts it: time to ready and peak RSS (budget: 3 GB)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from eval.resources import peak_rss_mib, rss_mib
from eval.serving import bench_env, cli, serving

RSS_BUDGET_MIB = 3 * 1024


def run(model: str = "qwen2.5-1.5b", requests: int = 200) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shopassist-bench-") as tmp:
        data_dir = Path(tmp)
        env = bench_env(data_dir, SHOPASSIST_LLM__MODEL=model)
        # what `make run` does: demo store, ingest, events, serve
        cli(env, "demo-data")
        cli(env, "ingest", str(data_dir / "demo" / "products.jsonl"))
        cli(env, "load-events", str(data_dir / "demo" / "events.jsonl"))
        cli(env, "load-orders", str(data_dir / "demo" / "customers.jsonl"), str(data_dir / "demo" / "orders.jsonl"))
        cli(env, "load-campaigns", str(data_dir / "demo" / "campaigns.jsonl"))
        cli(env, "load-reviews", str(data_dir / "demo" / "reviews.jsonl"))
        with serving(env) as (base, process, ready_s), httpx.Client(base_url=base, timeout=10) as client:
            started = time.perf_counter()
            for _ in range(requests):
                client.get("/healthz")
            healthz_rps = requests / (time.perf_counter() - started)
            headers = {"Authorization": f"Bearer {(data_dir / 'admin_api_key').read_text().strip()}"}
            for text in ("linen dress", "wool coat", "牛仔裤", "cashmere sweater", "swimsuit"):
                client.get("/v1/products/search", params={"q": text}, headers=headers).raise_for_status()
            client.get("/v1/users/c0001/recommendations", headers=headers).raise_for_status()
            for text in ("swimsuit", "midi dress"):  # with the demo campaigns' ads, as a shopper sees them
                client.get("/v1/products/search", params={"q": text, "user_id": "c0001"}, headers=headers)
            client.get("/v1/products", params={"limit": 24}, headers=headers).raise_for_status()  # the storefront
            client.get("/v1/catalog/facets", headers=headers).raise_for_status()
            # merchant insights: the forecasts fitted in the service, restock, a product's review summary
            client.get("/v1/insights/products/P0001/forecast", headers=headers, timeout=120).raise_for_status()
            client.get("/v1/insights/restock", headers=headers, timeout=120).raise_for_status()
            client.get("/v1/products/P0001/reviews/summary", headers=headers).raise_for_status()
            before_chat = rss_mib(process.pid)
            # the chat (LLM generating, KV cache in use), the widget's page and the Gradio UI are part of the service
            chat_started = time.perf_counter()
            for message in ("I need a linen dress under $150", "How long do I have to return something?"):
                turn = client.post(
                    "/v1/chat", headers=headers, json={"message": message, "customer_id": "c0001"}, timeout=120
                )
                turn.raise_for_status()
            chat_s = (time.perf_counter() - chat_started) / 2
            copy_started = time.perf_counter()  # the copywriter and the studio are part of it too
            client.post("/v1/copy", headers=headers, json={"product_id": "P0001"}, timeout=300).raise_for_status()
            copy_s = time.perf_counter() - copy_started
            client.get("/demo").raise_for_status()
            client.get("/ui/chat/").raise_for_status()
            client.get("/ui/studio/").raise_for_status()
            peak = peak_rss_mib(process.pid)
            return {
                "model": model,
                "catalog_products": 1199,
                "ready_s": ready_s,
                "rss_before_chat_mib": before_chat,
                "rss_mib": rss_mib(process.pid),
                "peak_rss_mib": peak,
                "budget_mib": RSS_BUDGET_MIB,
                "within_budget": peak < RSS_BUDGET_MIB,
                "healthz_rps_sequential": healthz_rps,
                "chat_turn_s": chat_s,
                "copy_draft_s": copy_s,
            }
