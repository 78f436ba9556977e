"""What ad selection costs `/v1/products/search` over loopback (`shopassist serve`, the demo store with its events
and ALS): personalised search for the demo shoppers with no campaigns, then with 1,000 running campaigns (ads
selected, impressions committed), against the same requests with ``ads=false`` in the same run."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from eval.bench_commerce import KEY, served_demo
from eval.bench_search import _load, _percentile

CAMPAIGNS = 1_000


def _campaigns(base: str, products: list[dict[str, Any]], count: int) -> int:
    import httpx

    rng = random.Random(11)
    made = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as client:
        for n in range(count):
            chosen = rng.sample(products, rng.randint(1, 3))
            words = [w.lower() for w in chosen[0]["title"].split() if len(w) > 3]
            keywords = rng.sample(words, min(2, len(words)))
            body = {"name": f"bench {n}", "product_ids": [p["id"] for p in chosen], "daily_budget": 1e6,
                    "bid_cpc": round(rng.uniform(0.1, 2.0), 2), "keywords": keywords}  # fmt: skip
            made += client.post("/v1/ads/campaigns", json=body).status_code == 201
    return made


def http(concurrency: int = 4, total: int = 3000) -> dict[str, Any]:
    with served_demo("bench-ads-", events=True) as (root, base):
        products = [json.loads(x) for x in (root / "demo" / "products.jsonl").read_text().splitlines()]
        in_stock = [p for p in products if p.get("in_stock", True) and (p.get("stock") or 0) > 0]
        data = Path(__file__).parent / "data" / "search_queries.jsonl"
        queries = [json.loads(line)["query"] for line in data.read_text().splitlines()]

        def paths(ads: bool) -> list[str]:
            out = []
            for n, q in enumerate(queries * 3):
                params = {"q": q, "limit": 10, "user_id": f"c{n % 600 + 1:04d}", "ads": str(ads).lower()}
                out.append("/v1/products/search?" + urlencode(params))
            return out

        asyncio.run(_load(base, KEY, paths(False), concurrency, len(queries) * 3))  # warm the caches
        none_lat, none_wall, _ = asyncio.run(_load(base, KEY, paths(True), concurrency, total))
        made = _campaigns(base, in_stock, CAMPAIGNS)
        asyncio.run(_load(base, KEY, paths(True), concurrency, len(queries)))  # the campaign cache loads
        series: dict[tuple[bool, int], tuple[list[float], float]] = {}
        errors = 0
        for concurrency_now, count in ((1, total // 3), (concurrency, total)):
            for _ in range(3):  # interleaved, so drift hits both alike
                for ads in (True, False):
                    lat, wall, err = asyncio.run(_load(base, KEY, paths(ads), concurrency_now, count // 3))
                    old_lat, old_wall = series.get((ads, concurrency_now), ([], 0.0))
                    series[(ads, concurrency_now)] = (old_lat + lat, old_wall + wall)
                    errors += err
    out: dict[str, Any] = {"campaigns": float(made), "no_campaigns_p99_ms": _percentile(none_lat, 99),
                           "no_campaigns_rps": total / none_wall, "errors": float(errors)}  # fmt: skip
    for (ads, conc), (lat, wall) in series.items():
        name = f"{'ads' if ads else 'ads_off'}_c{conc}"
        out |= {f"{name}_p50_ms": _percentile(lat, 50), f"{name}_p99_ms": _percentile(lat, 99),
                f"{name}_rps": len(lat) / wall}  # fmt: skip
    for conc in (1, concurrency):
        out[f"ads_added_c{conc}_p50_ms"] = out[f"ads_c{conc}_p50_ms"] - out[f"ads_off_c{conc}_p50_ms"]
        out[f"ads_added_c{conc}_p99_ms"] = out[f"ads_c{conc}_p99_ms"] - out[f"ads_off_c{conc}_p99_ms"]
    return out
