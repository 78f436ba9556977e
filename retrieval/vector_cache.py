"""Document embeddings kept on disk by (encoder identity, text).

A rebuild with new index settings, an index restored after a failure, or another data dir on the same host
(``embed.vector_cache_path``) embeds only text the encoder has not seen. The cache is an optimisation: a
file that cannot be read or written is skipped with a warning and the ingest goes on encoding.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.embed import Encoder, Vectors

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
_CHUNK = 500  # keys per SELECT: under SQLite's bound-parameter limit


def encode(vectors: VectorCache | None, encoder: Encoder, texts: Sequence[str]) -> Vectors:
    """Documents' vectors through the cache where there is one (ingest and policies alike)."""
    return encoder.encode(texts) if vectors is None else vectors.encode(encoder, texts)


class VectorCache:
    def __init__(self, path: Path, timeout_s: float = 5.0) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=timeout_s, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a power cut may lose the last vectors, never corrupt the file
            db.execute(_SCHEMA)
            self._db = db
        except (OSError, sqlite3.Error) as error:
            log.warning("vector cache unavailable", extra={"path": str(path), "error": str(error)})

    @staticmethod
    def _key(identity: str, text: str) -> bytes:
        return hashlib.blake2b(f"{identity}\0{text}".encode(), digest_size=16).digest()

    def encode(self, encoder: Encoder, texts: Sequence[str]) -> Vectors:
        """``encoder.encode(texts)``, reading the vectors already stored and storing the new ones."""
        identity = encoder.identity
        keys = [self._key(identity, text) for text in texts]
        found = self._get(keys, encoder.dim)
        out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        missing: list[int] = []
        for i, key in enumerate(keys):
            if key in found:
                out[i] = found[key]
            else:
                missing.append(i)
        if missing:
            fresh = encoder.encode([texts[i] for i in missing])
            out[missing] = fresh
            self._put([(keys[i], fresh[row].astype(np.float32).tobytes()) for row, i in enumerate(missing)])
        with self._lock:
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        return out

    def _get(self, keys: Sequence[bytes], dim: int) -> dict[bytes, Vectors]:
        if self._db is None or not keys:
            return {}
        found: dict[bytes, Vectors] = {}
        try:
            with self._lock:
                for start in range(0, len(keys), _CHUNK):
                    chunk = keys[start : start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"  # noqa: S608 (only ? marks)
                    rows = self._db.execute(query, chunk)
                    for key, blob in rows:
                        vector = np.frombuffer(blob, dtype=np.float32)
                        if vector.shape == (dim,) and np.isfinite(vector).all():  # else a miss: encoded again
                            found[key] = vector
        except sqlite3.Error as error:
            log.warning("vector cache read failed", extra={"path": str(self.path), "error": str(error)})
            return {}
        return found

    def _put(self, rows: Sequence[tuple[bytes, bytes]]) -> None:
        if self._db is None:
            return
        try:
            with self._lock:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
        except sqlite3.Error as error:
            log.warning("vector cache write failed", extra={"path": str(self.path), "error": str(error)})

    def count(self) -> int:
        if self._db is None:
            return 0
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
