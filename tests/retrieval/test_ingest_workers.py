"""Side-by-side ingest pipelines (real ONNX MiniLM and USE encoders) embed exactly what one pipeline does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.catalog import Product
from retrieval.embed import MultilingualEncoder, OnnxMiniLMEncoder
from retrieval.index.base import DENSE, MULTILINGUAL
from retrieval.indexer import CatalogIndexer
from retrieval.sparse import Bm25Encoder


def test_parallel_pipelines_embed_like_one_and_report_progress_to_the_end(demo_store: Path) -> None:
    lines = (demo_store / "products.jsonl").read_text().splitlines()[:45]
    products = [Product.model_validate(json.loads(line)) for line in lines]
    built: list[int] = []

    def pipeline() -> tuple[OnnxMiniLMEncoder, MultilingualEncoder]:
        built.append(1)
        return OnnxMiniLMEncoder(batch_size=4, threads=1), MultilingualEncoder(threads=1)

    dense, multilingual, sparse = (
        OnnxMiniLMEncoder(batch_size=4, threads=2),
        MultilingualEncoder(threads=2),
        Bm25Encoder(),
    )
    one = CatalogIndexer(None, dense, multilingual, sparse, batch_size=8)  # type: ignore[arg-type]
    two = CatalogIndexer(None, dense, multilingual, sparse, batch_size=8, workers=2, make_pipeline=pipeline)  # type: ignore[arg-type]
    seen: list[tuple[int, int]] = []
    parallel = {p.product.id: p for p in two.embed(products, lambda done, total: seen.append((done, total)))}
    sequential = {p.product.id: p for p in one.embed(products)}
    assert len(built) == 2 and set(parallel) == set(sequential) == {p.id for p in products}
    for product_id, point in sequential.items():
        other = parallel[product_id]
        for name in (DENSE, MULTILINGUAL):
            assert np.allclose(point.dense[name], other.dense[name], atol=1e-5), (product_id, name)
        assert point.sparse == other.sparse and point.content_hash == other.content_hash
    assert seen[-1] == (45, 45) and [d for d, _ in seen] == sorted(d for d, _ in seen)  # 6 batches, counted once
    two.embed(products[:5])  # one batch: the query encoders, no new pipelines
    assert len(built) == 2
