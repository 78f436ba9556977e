"""Search benchmarks: the engines at 10k and 100k products, ingest throughput, the HTTP search endpoint.

Engine level: real MiniLM embeddings of the demo products plus noisy copies (scale), one search thread,
Qdrant's engine in process (qdrant-edge) against qdrant-client's local mode and Chroma (its own environment,
``make venv-chroma``) in the same run, recall@10 of HNSW against exact search. Figures are printed as
measured; ratios compare variants of the same run.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from eval.serving import bench_env, cli, serving
from retrieval.catalog import Product
from retrieval.demo_store import write_demo_store
from retrieval.embed import OnnxMiniLMEncoder, product_text

Matrix = npt.NDArray[np.float32]


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def demo_products(root: Path) -> list[Product]:
    store = root / "demo"
    write_demo_store(store)
    return [Product.model_validate(json.loads(line)) for line in (store / "products.jsonl").read_text().splitlines()]


def scaled_vectors(base: Matrix, count: int, seed: int = 0, noise: float = 0.8) -> Matrix:
    """``count`` vectors: the real ones, then noisy copies (real-embedding neighbourhoods at scale)."""
    rng = np.random.default_rng(seed)
    rows = [base]
    while sum(len(r) for r in rows) < count:
        jitter = rng.normal(scale=noise / np.sqrt(base.shape[1]), size=base.shape).astype(np.float32)
        rows.append(base + jitter)
    out = np.vstack(rows)[:count]
    normalised: Matrix = (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)
    return normalised


def _edge_engine(
    path: Path,
    vectors: Matrix,
    payloads: list[dict[str, Any]],
    m: int,
    ef_construct: int,
    int8: bool = False,
    full_scan_threshold_kb: int = 20_000,
) -> tuple[Any, float, float]:
    import qdrant_edge as qe

    quantization = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, always_ram=True) if int8 else None
    config = qe.EdgeConfig(
        vectors={
            "dense": qe.EdgeVectorParams(
                size=vectors.shape[1], distance=qe.Distance.Cosine, quantization_config=quantization
            )
        },
        hnsw_config=qe.HnswIndexConfig(m=m, ef_construct=ef_construct, full_scan_threshold=full_scan_threshold_kb),
        max_search_threads=1,
    )
    shard = qe.EdgeShard.create(str(path), config)
    shard.update(qe.UpdateOperation.create_field_index("category_prefixes", qe.PayloadSchemaType.Keyword))
    shard.update(qe.UpdateOperation.create_field_index("price", qe.PayloadSchemaType.Float))
    started = time.perf_counter()
    for start in range(0, len(vectors), 1000):
        shard.update(
            qe.UpdateOperation.upsert_points(
                [
                    qe.Point(i, {"dense": vectors[i].tolist()}, payloads[i])
                    for i in range(start, min(start + 1000, len(vectors)))
                ]
            )
        )
    upserted = time.perf_counter()
    shard.optimize()
    built = time.perf_counter()
    return shard, upserted - started, built - upserted


def _edge_search(
    shard: Any, query: Matrix, filtered: bool, ef: int | None, k: int = 10, int8: bool = False
) -> list[int]:
    import qdrant_edge as qe

    flt = None
    if filtered:
        flt = qe.Filter(
            must=[
                qe.FieldCondition(key="category_prefixes", match=qe.MatchValue("Tops")),
                qe.FieldCondition(key="price", range=qe.RangeFloat(gte=30.0, lte=120.0)),
            ]
        )
    if ef is None:
        params = qe.SearchParams(exact=True)
    elif int8:  # search the int8 copy, rescore the best 2x candidates with the full vectors
        quantized = qe.QuantizationSearchParams(rescore=True, oversampling=2.0)
        params = qe.SearchParams(hnsw_ef=ef, quantization=quantized)
    else:
        params = qe.SearchParams(hnsw_ef=ef)
    hits = shard.query(
        qe.QueryRequest(limit=k, query=qe.Query.Nearest(query.tolist(), using="dense"), filter=flt, params=params)
    )
    return [int(h.id) for h in hits]


def _local_search(client: Any, query: Matrix, filtered: bool, k: int = 10) -> list[int]:
    from qdrant_client import models as qm

    flt = None
    if filtered:
        flt = qm.Filter(
            must=[
                qm.FieldCondition(key="category_prefixes", match=qm.MatchValue(value="Tops")),
                qm.FieldCondition(key="price", range=qm.Range(gte=30.0, lte=120.0)),
            ]
        )
    response = client.query_points("bench", query=query.tolist(), using="dense", query_filter=flt, limit=k)
    return [int(p.id) for p in response.points]


ROOT = Path(__file__).resolve().parents[1]
CHROMA_PYTHON = ROOT / ".venv-chroma" / "bin" / "python"


def _chroma(work: Path, vectors: Matrix, payloads: list[dict[str, Any]], queries: Matrix,
            exact: dict[str, list[list[int]]], m: int, ef_construction: int, ef: int) -> dict[str, float]:  # fmt: skip
    """Chroma on the same points, queries and filter, in its own environment (``eval/chroma_engine.py``)."""
    import os
    import subprocess

    if not CHROMA_PYTHON.is_file():
        raise RuntimeError(f"{CHROMA_PYTHON} is missing: make venv-chroma")
    source, target = work / "chroma-in.npz", work / "chroma-out.json"

    def padded(rows: list[list[int]]) -> npt.NDArray[np.int64]:
        return np.array([r + [-1] * (10 - len(r)) for r in rows], dtype=np.int64)

    np.savez(
        source,
        vectors=vectors,
        queries=queries,
        tops=np.array([p["category_prefixes"][0] for p in payloads]),
        prices=np.array([p["price"] for p in payloads], dtype=np.float64),
        exact_unfiltered=padded(exact["unfiltered"]),
        exact_filtered=padded(exact["filtered"]),
        m=m,
        ef_construction=ef_construction,
        ef_search=ef,
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ANONYMIZED_TELEMETRY": "False"}
    command = [str(CHROMA_PYTHON), "-m", "eval.chroma_engine", str(source), str(target)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError("chroma bench failed: " + " | ".join(done.stderr.strip().splitlines()[-3:]))
    figures: dict[str, float] = json.loads(target.read_text())
    return figures


# (m, ef_construct, int8 scalar quantization, search beams): the defaults of app/config.py (m 32, ef_construct
# 256, int8, ef 1024, full scan below 20,000 KB of filtered vectors) first, then full-precision vectors
HNSW_CONFIGS = ((32, 256, True, (512, 1024, 1536)), (32, 256, False, (256, 512)))
DEFAULT_KEY = "m32_efc256_int8.ef1024"


def engines(scales: tuple[int, ...] = (10_000, 100_000), queries: int = 300, local_queries: int = 30) -> dict[str, Any]:
    from qdrant_client import QdrantClient
    from qdrant_client import models as qm

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        root = Path(tmp)
        products = demo_products(root)
        encoder = OnnxMiniLMEncoder(threads=2)
        base = encoder.encode([product_text(p) for p in products])
        query_texts = [
            json.loads(line)["query"]
            for line in (Path(__file__).parent / "data" / "search_queries.jsonl").read_text().splitlines()
        ]
        query_base = encoder.encode(query_texts)
        rng = np.random.default_rng(1)
        for scale in scales:
            vectors = scaled_vectors(base, scale)
            payloads = []
            for i in range(scale):
                p = products[i % len(products)]
                parts = p.category.split(" > ")
                payloads.append(
                    {"category_prefixes": [" > ".join(parts[: j + 1]) for j in range(len(parts))], "price": p.price}
                )
            qvecs = scaled_vectors(query_base, queries, seed=2, noise=0.2)
            row: dict[str, Any] = {}
            exact_ids: dict[str, list[list[int]]] = {}
            for m, ef_construct, int8, efs in HNSW_CONFIGS:
                config = f"m{m}_efc{ef_construct}" + ("_int8" if int8 else "")
                shard, upsert_s, build_s = _edge_engine(
                    root / f"edge-{scale}-{config}", vectors, payloads, m=m, ef_construct=ef_construct, int8=int8
                )
                row[f"{config}.upsert_s"] = upsert_s
                row[f"{config}.hnsw_build_s"] = build_s
                for filtered in (False, True):
                    label = "filtered" if filtered else "unfiltered"
                    exact = [_edge_search(shard, q, filtered, None) for q in qvecs]
                    exact_ids.setdefault(label, exact)
                    for ef in efs:
                        for _ in range(20):  # warm caches
                            _edge_search(shard, qvecs[rng.integers(len(qvecs))], filtered, ef, int8=int8)
                        latencies, found = [], []
                        for q in qvecs:
                            t0 = time.perf_counter()
                            found.append(_edge_search(shard, q, filtered, ef, int8=int8))
                            latencies.append((time.perf_counter() - t0) * 1000)
                        pairs = zip(found, exact, strict=True)
                        recall = statistics.mean(len(set(a) & set(b)) / max(len(b), 1) for a, b in pairs)
                        key = f"{config}.ef{ef}.{label}"
                        row[f"{key}.p50_ms"] = _percentile(latencies, 50)
                        row[f"{key}.p99_ms"] = _percentile(latencies, 99)
                        row[f"{key}.recall@10"] = recall
                shard.close()
            client = QdrantClient(location=":memory:")
            client.create_collection(
                "bench", vectors_config={"dense": qm.VectorParams(size=vectors.shape[1], distance=qm.Distance.COSINE)}
            )
            for start in range(0, scale, 2000):
                client.upload_points(
                    "bench",
                    [
                        qm.PointStruct(id=i, vector={"dense": vectors[i].tolist()}, payload=payloads[i])
                        for i in range(start, min(start + 2000, scale))
                    ],
                )
            for filtered in (False, True):
                label = "filtered" if filtered else "unfiltered"
                latencies = []
                for q in qvecs[:local_queries]:
                    t0 = time.perf_counter()
                    _local_search(client, q, filtered)
                    latencies.append((time.perf_counter() - t0) * 1000)
                row[f"local_{label}_p50_ms"] = _percentile(latencies, 50)
                row[f"local_{label}_p99_ms"] = _percentile(latencies, 99)
                edge_p50 = row[f"{DEFAULT_KEY}.{label}.p50_ms"]
                row[f"local_over_edge_{label}_p50"] = row[f"local_{label}_p50_ms"] / edge_p50
            client.close()
            chroma = _chroma(root, vectors, payloads, qvecs, exact_ids, m=32, ef_construction=256, ef=1024)
            row.update({f"chroma.{k}": v for k, v in chroma.items()})
            for label in ("unfiltered", "filtered"):
                row[f"chroma_over_edge_{label}_p99"] = chroma[f"{label}_p99_ms"] / row[f"{DEFAULT_KEY}.{label}.p99_ms"]
            figures[f"{scale}"] = row
    return figures


def ingest(backends: tuple[str, ...] = ("onnx-int8", "torch")) -> dict[str, Any]:
    """Products/s through the one ingest path (both encoders + BM25 + index write) per MiniLM backend."""
    from app.config import EmbedSettings, Settings
    from app.wiring import build_catalog

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        products = demo_products(root)
        feed = (root / "demo" / "products.jsonl").read_bytes()
        for backend in backends:
            settings = Settings(_env_file=None, data_dir=root / backend, embed=EmbedSettings(backend=backend))
            catalog = build_catalog(settings)
            catalog.warm()
            catalog.indexer.warm()  # encoders loaded: the figure is the per-product rate
            started = time.perf_counter()
            outcome = catalog.ingest_feed(feed, "jsonl")
            total = time.perf_counter() - started
            report = outcome.report
            # a rebuild (new index settings, same encoders) reads every vector from the vector cache
            started = time.perf_counter()
            rebuilt = catalog.indexer.rebuild(products)
            rebuild_s = time.perf_counter() - started
            figures[backend] = {
                "products": len(products),
                "embed_s": report.embed_seconds,
                "write_and_index_s": report.write_seconds,
                "products_per_s_embedding": report.written / report.embed_seconds,
                "products_per_s_total": report.written / total,
                "rebuild_s_vectors_cached": rebuild_s,
                "rebuild_embed_s_vectors_cached": rebuilt.embed_seconds,
                "rebuild_speedup": total / rebuild_s,
            }
            catalog.index.close()
    return figures


async def _load(base: str, key: str, paths: list[str], concurrency: int, total: int) -> tuple[list[float], float, int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(paths[i % len(paths)])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=10
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        wall = time.perf_counter() - started
    return latencies, wall, errors


def http(concurrency: int = 4, total: int = 3000, understand: bool = True) -> dict[str, Any]:
    """`/v1/products/search` over loopback against `shopassist serve` with the demo catalog (``understand``:
    ``SHOPASSIST_SEARCH__UNDERSTAND``, the re-ordering by the query's constraints)."""
    from urllib.parse import urlencode

    key = "bench-admin-key-0123456789"
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        root = Path(tmp)
        env = bench_env(
            root,
            SHOPASSIST_ADMIN_API_KEY=key,
            SHOPASSIST_LLM__MODEL="smollm2-135m",
            SHOPASSIST_SEARCH__UNDERSTAND=str(understand).lower(),
        )
        cli(env, "demo-data")
        cli(env, "ingest", str(root / "demo" / "products.jsonl"))
        with serving(env) as (base, _process, _ready_s):
            queries = [
                json.loads(line)
                for line in (Path(__file__).parent / "data" / "search_queries.jsonl").read_text().splitlines()
            ]
            rng = random.Random(3)
            paths = []
            for q in queries:
                for text in filter(None, [q["query"], q.get("zh")]):
                    params: dict[str, Any] = {"q": text, "limit": 10}
                    if rng.random() < 0.5:
                        params.update(category=q["categories"][0].split(" > ")[0], in_stock="true", max_price=150)
                    paths.append("/v1/products/search?" + urlencode(params))
            asyncio.run(_load(base, key, paths, concurrency, len(paths)))  # warm: embeddings cached
            latencies, wall, errors = asyncio.run(_load(base, key, paths, concurrency, total))
    return {
        "requests": total,
        "concurrency": concurrency,
        "rps": total / wall,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "errors": errors,
        "distinct_queries": len(paths),
        "understand": understand,
    }


def run() -> dict[str, Any]:
    return {"engines": engines(), "ingest": ingest(), "http": http(), "http fused order only": http(understand=False)}


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    jobs: dict[str, Callable[[], dict[str, Any]]] = {
        "engines": engines,
        "ingest": ingest,
        "http": lambda: {"understood": http(), "fused order only": http(understand=False)},
    }
    selected = jobs if which == "all" else {which: jobs[which]}
    for name, job in selected.items():
        print(name, json.dumps(job(), indent=2))
