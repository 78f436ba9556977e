"""BM25 sparse vectors for keyword matching (Qdrant applies the IDF at query time).

One encoder serves both index implementations, so the embedded engine and a Qdrant server hold the same
sparse vectors. It is qdrant-edge's built-in BM25: tokenisation, stemming and stop words of the catalog's
language (``retrieval.language``), the same for a catalog's documents and the queries against it.
"""

from __future__ import annotations

import threading
from typing import Any

from retrieval.index.base import SparseVec


class Bm25Encoder:
    name = "bm25"

    def __init__(self) -> None:
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self, language: str) -> Any:
        with self._lock:
            model = self._models.get(language)
            if model is None:
                import qdrant_edge as qe

                model = self._models[language] = qe.Bm25(qe.Bm25Config(language=language))
            return model

    def document(self, text: str, language: str = "english") -> SparseVec:
        vector = self._load(language).embed_document(text)
        return SparseVec(indices=list(vector.indices), values=list(vector.values))

    def query(self, text: str, language: str = "english") -> SparseVec:
        vector = self._load(language).embed_query(text)
        return SparseVec(indices=list(vector.indices), values=[float(v) for v in vector.values])
