"""Chroma on the engine bench's vectors, in its own environment (``make venv-chroma``), for the side-by-side
table of ``eval/bench_search.py``: same points, queries, filter (top category ``Tops`` and price 30 to 120) and
exact neighbours, one search thread.

    .venv-chroma/bin/python -m eval.chroma_engine IN.npz OUT.json

``IN.npz``: ``vectors``, ``queries``, ``tops`` (top-level category per point), ``prices``, ``exact_unfiltered``
and ``exact_filtered`` (ids of the exact top 10 per query); ``ef_search`` and ``m``/``ef_construction`` as in
the Qdrant configuration. Only numpy and chromadb are imported here.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

WHERE = {"$and": [{"top": "Tops"}, {"price": {"$gte": 30.0}}, {"price": {"$lte": 120.0}}]}


def run(data: Any, warm: int = 20) -> dict[str, float]:
    import chromadb

    vectors, queries = data["vectors"], data["queries"]
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-chroma-") as tmp:
        client = chromadb.PersistentClient(path=tmp)
        hnsw = {
            "space": "cosine",
            "max_neighbors": int(data["m"]),
            "ef_construction": int(data["ef_construction"]),
            "ef_search": int(data["ef_search"]),
            "num_threads": 1,
        }
        collection = client.create_collection("bench", configuration={"hnsw": hnsw}, embedding_function=None)
        started = time.perf_counter()
        batch = client.get_max_batch_size()
        for start in range(0, len(vectors), batch):
            end = min(start + batch, len(vectors))
            collection.add(
                ids=[str(i) for i in range(start, end)],
                embeddings=vectors[start:end],
                metadatas=[{"top": str(data["tops"][i]), "price": float(data["prices"][i])} for i in range(start, end)],
            )
        out["add_s"] = time.perf_counter() - started
        for label, where in (("unfiltered", None), ("filtered", WHERE)):
            exact = data[f"exact_{label}"]
            for q in queries[:warm]:
                collection.query(query_embeddings=q[None, :], n_results=10, where=where, include=[])
            latencies, recalls = [], []
            for q, truth in zip(queries, exact, strict=True):
                t0 = time.perf_counter()
                ids = collection.query(query_embeddings=q[None, :], n_results=10, where=where, include=[])["ids"][0]
                latencies.append((time.perf_counter() - t0) * 1000)
                wanted = {int(t) for t in truth if t >= 0}
                recalls.append(len({int(i) for i in ids} & wanted) / max(len(wanted), 1))
            out[f"{label}_p50_ms"] = float(np.percentile(latencies, 50))
            out[f"{label}_p99_ms"] = float(np.percentile(latencies, 99))
            out[f"{label}_recall@10"] = float(np.mean(recalls))
    return out


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    with np.load(source) as data:
        figures = run(dict(data))
    target.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
