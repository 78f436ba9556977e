from __future__ import annotations

import numpy as np
import pytest

from retrieval.catalog import Product
from retrieval.embed import (
    CachedEncoder,
    MiniLMEncoder,
    MultilingualEncoder,
    OnnxMiniLMEncoder,
    keyword_text,
    product_text,
)

TEXTS = ["red linen summer dress", "warm wool overcoat for winter", "skinny jeans in dark denim", "silk camisole"]


@pytest.fixture(scope="module")
def onnx() -> OnnxMiniLMEncoder:
    return OnnxMiniLMEncoder(threads=1)


def test_product_text_is_short_and_keyword_text_complete() -> None:
    product = Product(
        id="P1",
        title="Wren Airy Linen Midi Dress",
        category="Dresses > Dresses",
        price=80,
        description="A long description about the dress.",
        attributes={"colour": ["red", "navy"], "material": "linen", "size": ["S", "M"], "petite": True},
    )
    assert product_text(product) == "Wren Airy Linen Midi Dress. Dresses > Dresses. red, navy. linen"
    words = keyword_text(product)
    assert "description about the dress" in words and "petite" in words and "S M" in words


@pytest.mark.slow  # loads the torch model (~40 s); the ONNX encoder serves and is tested in every tier
def test_onnx_int8_matches_the_torch_model(onnx: OnnxMiniLMEncoder) -> None:
    fp32 = MiniLMEncoder(threads=1).encode(TEXTS)
    int8 = onnx.encode(TEXTS)
    assert fp32.shape == int8.shape == (len(TEXTS), 384)
    cosines = (fp32 * int8).sum(axis=1)
    assert cosines.min() > 0.99
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)


def test_encoding_keeps_the_input_order(onnx: OnnxMiniLMEncoder) -> None:
    texts = ["a much longer sentence about a cashmere cardigan with pockets", "tee", "linen trousers"]
    together = onnx.encode(texts)
    one_by_one = np.vstack([onnx.encode([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)
    assert onnx.encode([]).shape == (0, 384)


def test_multilingual_vector_links_chinese_to_english() -> None:
    encoder = MultilingualEncoder(threads=1)
    english = encoder.encode(["jeans", "dress", "coat"])
    chinese = encoder.encode(["牛仔裤", "连衣裙", "外套"])
    similarity = chinese @ english.T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]


def test_cache_returns_the_same_vectors(onnx: OnnxMiniLMEncoder) -> None:
    cached = CachedEncoder(onnx, size=2)
    first = cached.encode(["linen", "wool"])
    again = cached.encode(["wool", "linen"])
    assert cached.hits == 2 and cached.misses == 2
    assert np.allclose(first[::-1], again)
    cached.encode(["silk"])  # evicts the least recently used ("wool" was used before "linen")
    cached.encode(["wool"])
    assert cached.misses == 4
