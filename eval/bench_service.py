"""The whole `make run` service as a user starts it: time to ready and peak RSS (budget: 3 GB)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from eval.resources import peak_rss_mib, rss_mib

RSS_BUDGET_MIB = 3 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(model: str = "qwen2.5-1.5b", requests: int = 200) -> dict[str, Any]:
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="shopassist-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPASSIST_")}
    env.update(SHOPASSIST_DATA_DIR=str(data_dir), SHOPASSIST_LLM__MODEL=model, SHOPASSIST_LOG__LEVEL="WARNING")
    shopassist = Path(sys.executable).parent / "shopassist"
    # what `make run` does: demo store, ingest, serve
    subprocess.run([str(shopassist), "demo-data"], env=env, check=True, capture_output=True)  # noqa: S603
    subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(shopassist), "ingest", str(data_dir / "demo" / "products.jsonl")], env=env, check=True, capture_output=True
    )
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [str(shopassist), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready_s = None
        with httpx.Client(base_url=base, timeout=5) as client:
            while time.perf_counter() - started < 300:
                try:
                    if client.get("/readyz").status_code == 200:
                        ready_s = time.perf_counter() - started
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError("shopassist serve exited before it was ready")
                time.sleep(0.25)
            if ready_s is None:
                raise RuntimeError("shopassist serve was not ready within 300 s")
            t0 = time.perf_counter()
            for _ in range(requests):
                client.get("/healthz")
            healthz_rps = requests / (time.perf_counter() - t0)
            key = (data_dir / "admin_api_key").read_text().strip()
            for text in ("linen dress", "wool coat", "牛仔裤", "cashmere sweater", "swimsuit"):
                response = client.get(
                    "/v1/products/search", params={"q": text}, headers={"Authorization": f"Bearer {key}"}
                )
                response.raise_for_status()
        return {
            "model": model,
            "catalog_products": 1199,
            "ready_s": ready_s,
            "rss_mib": rss_mib(process.pid),
            "peak_rss_mib": peak_rss_mib(process.pid),
            "budget_mib": RSS_BUDGET_MIB,
            "within_budget": peak_rss_mib(process.pid) < RSS_BUDGET_MIB,
            "healthz_rps_sequential": healthz_rps,
        }
    finally:
        process.terminate()
        process.wait(timeout=30)
