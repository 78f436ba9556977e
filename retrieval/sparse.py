"""BM25 sparse vectors for keyword matching (Qdrant applies the IDF at query time).

One encoder serves both index implementations, so the embedded engine and a Qdrant server hold the same
sparse vectors. It is qdrant-edge's built-in BM25 (tokenisation, English stemming and stop words).
"""

from __future__ import annotations

import threading
from typing import Any

from retrieval.index.base import SparseVec


class Bm25Encoder:
    name = "bm25-english"

    def __init__(self, language: str = "english") -> None:
        self.language = language
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                import qdrant_edge as qe

                self._model = qe.Bm25(qe.Bm25Config(language=self.language))
            return self._model

    def document(self, text: str) -> SparseVec:
        vector = self._load().embed_document(text)
        return SparseVec(indices=list(vector.indices), values=list(vector.values))

    def query(self, text: str) -> SparseVec:
        vector = self._load().embed_query(text)
        return SparseVec(indices=list(vector.indices), values=[float(v) for v in vector.values])
