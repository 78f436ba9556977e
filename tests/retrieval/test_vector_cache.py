"""The on-disk vector cache (real ONNX MiniLM and USE encoders, real SQLite): stored vectors are the encoders'
own, only new text is encoded, and a cache file that cannot be used never stops an ingest."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from retrieval.catalog import Product
from retrieval.embed import MultilingualEncoder, OnnxMiniLMEncoder, product_text
from retrieval.index.base import DENSE, MULTILINGUAL
from retrieval.indexer import CatalogIndexer
from retrieval.sparse import Bm25Encoder
from retrieval.vector_cache import VectorCache

DENSE_ENCODER, MULTILINGUAL_ENCODER, SPARSE = OnnxMiniLMEncoder(), MultilingualEncoder(), Bm25Encoder()


def products(demo_store: Path, n: int = 20) -> list[Product]:
    lines = (demo_store / "products.jsonl").read_text().splitlines()[:n]
    return [Product.model_validate(json.loads(line)) for line in lines]


def indexer(cache: VectorCache | None, dense: OnnxMiniLMEncoder = DENSE_ENCODER) -> CatalogIndexer:
    return CatalogIndexer(None, dense, MULTILINGUAL_ENCODER, SPARSE, batch_size=8, vectors=cache)  # type: ignore[arg-type]


def vectors_of(points: list) -> dict[tuple[str, str], np.ndarray]:  # type: ignore[type-arg]
    return {(p.product.id, name): np.asarray(p.dense[name]) for p in points for name in (DENSE, MULTILINGUAL)}


def test_a_second_ingest_reads_the_stored_vectors_and_encodes_only_changed_text(
    demo_store: Path, tmp_path: Path
) -> None:
    items = products(demo_store)
    plain = vectors_of(indexer(None).embed(items))
    first = VectorCache(tmp_path / "vectors.sqlite")
    assert vectors_of(indexer(first).embed(items)).keys() == plain.keys()
    assert (first.hits, first.misses, first.count()) == (0, 2 * len(items), 2 * len(items))
    first.close()

    again = VectorCache(tmp_path / "vectors.sqlite")  # another process, another data dir: the same file
    changed = items[3].model_copy(update={"title": items[3].title + " (2025 edition)"})
    cached = vectors_of(indexer(again).embed([*items[:3], changed, *items[4:]]))
    assert (again.hits, again.misses) == (2 * len(items) - 2, 2)
    for key, vector in plain.items():
        if key[0] != changed.id:
            assert np.allclose(cached[key], vector, atol=1e-6), key
    fresh = vectors_of(indexer(None).embed([changed]))
    for key, vector in fresh.items():
        assert np.allclose(cached[key], vector, atol=1e-6)
        assert not np.allclose(vector, plain[key], atol=1e-3)  # the new title moved the vectors


def test_an_encoder_that_would_give_other_vectors_does_not_read_them(demo_store: Path, tmp_path: Path) -> None:
    items = products(demo_store, 6)
    cache = VectorCache(tmp_path / "vectors.sqlite")
    plain = vectors_of(indexer(cache).embed(items))
    truncated = OnnxMiniLMEncoder(max_tokens=4)
    assert truncated.identity != DENSE_ENCODER.identity
    before = cache.misses
    got = vectors_of(indexer(cache, truncated).embed(items))
    assert cache.misses - before == len(items)  # the multilingual vectors were read, MiniLM's encoded again
    expected = truncated.encode([product_text(p) for p in items])
    for row, product in enumerate(items):
        assert np.allclose(got[(product.id, DENSE)], expected[row], atol=1e-6)
        assert not np.allclose(got[(product.id, DENSE)], plain[(product.id, DENSE)], atol=1e-3)


def test_a_damaged_cache_file_or_row_is_passed_over_and_the_vectors_are_encoded(
    demo_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    items = products(demo_store, 4)
    plain = vectors_of(indexer(None).embed(items))

    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="retrieval.vector_cache"):
        broken = VectorCache(garbage)
        got = vectors_of(indexer(broken).embed(items))
    assert any("vector cache" in r.message for r in caplog.records)
    assert all(np.allclose(got[k], v, atol=1e-6) for k, v in plain.items())

    path = tmp_path / "vectors.sqlite"
    cache = VectorCache(path)
    indexer(cache).embed(items)
    cache.close()
    with sqlite3.connect(path) as db:  # a torn row: half a vector
        db.execute("UPDATE vectors SET vector = substr(vector, 1, 100)")
    reread = VectorCache(path)
    got = vectors_of(indexer(reread).embed(items))
    assert reread.hits == 0 and reread.misses == 2 * len(items)
    assert all(np.allclose(got[k], v, atol=1e-6) for k, v in plain.items())
