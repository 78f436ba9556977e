"""Store policies (Markdown files) split into passages and indexed in Qdrant's engine for the assistant.

Each bullet or paragraph of a policy file is one passage, kept with its document's name (``returns``,
``shipping``, …) so an answer can cite the policy it used. The index is tiny (tens of passages): it is built at
start-up into a directory named by the content's hash and reused while the files do not change.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.embed import Encoder
from retrieval.language import ENGLISH, Language
from retrieval.search import query_route
from retrieval.vector_cache import VectorCache, encode

_NAMESPACE = uuid.UUID("0b6f3c1e-2a44-4d2f-8c8e-5f0d9e7a1b23")
_DOC = "doc"


@dataclass(frozen=True)
class Passage:
    id: str  # "<doc>-<n>"
    doc: str  # the policy's name: "returns"
    title: str  # the document's heading: "Returns and exchanges"
    text: str
    section: str = ""  # the heading above it inside the document, if any ("Voltline Care extended warranty")

    @property
    def indexed_text(self) -> str:
        """What is embedded: the headings carry the topic words a bullet may not repeat."""
        heading = f"{self.title} - {self.section}" if self.section else self.title
        return f"{heading}: {self.text}"


@dataclass(frozen=True)
class PolicyHit:
    passage: Passage
    score: float


def read_policies(directory: Path | None) -> dict[str, str]:
    """``{name: markdown}`` from a directory of ``*.md`` files, or the packaged demo policies."""
    if directory is not None and directory.is_dir():
        return {p.stem: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.md"))}
    packaged = files("retrieval.demo_policies")
    return {
        r.name.removesuffix(".md"): r.read_text(encoding="utf-8")
        for r in sorted(packaged.iterdir(), key=lambda r: r.name)
        if r.name.endswith(".md")
    }


def split_passages(name: str, markdown: str) -> list[Passage]:
    """One passage per bullet or paragraph; Markdown emphasis removed."""
    title = name.replace("_", " ").title()
    section = ""
    blocks: list[tuple[str, str]] = []
    current: list[str] = []

    def close() -> None:
        if current:
            blocks.append((section, " ".join(current)))
            current.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
            close()
            if not blocks and stripped.startswith("# "):
                title = heading
            else:
                section = heading
            continue
        if not stripped or re.match(r"^[-*+] |^\d+\. ", stripped):
            close()
            stripped = re.sub(r"^([-*+]|\d+\.) ", "", stripped)
        if stripped:
            current.append(stripped)
    close()
    clean = [(sec, re.sub(r"\*\*|__|`", "", block).strip()) for sec, block in blocks]
    kept = [(sec, text) for sec, text in clean if text]
    return [Passage(f"{name}-{i + 1}", name, title, text, sec) for i, (sec, text) in enumerate(kept)]


class PolicyIndex:
    def __init__(
        self,
        root: Path,
        encoder: Encoder,
        policies: dict[str, str],
        multilingual: Encoder | None = None,
        vectors: VectorCache | None = None,
        language: Callable[[], Language] = lambda: ENGLISH,
    ) -> None:
        """``encoder`` embeds English (MiniLM); ``multilingual`` (USE) serves questions in other scripts and
        every question of a shop in another language (``language``: the catalog's);
        ``vectors``: passages embedded before (an unchanged policy beside an edited one) are read, not encoded."""
        self.root = root
        self.encoder = encoder
        self.multilingual = multilingual
        self.vectors = vectors
        self.language = language
        self.passages = [p for name, text in sorted(policies.items()) for p in split_passages(name, text)]
        self.by_id = {p.id: p for p in self.passages}
        self.docs = {p.doc: p.title for p in self.passages}
        self._lock = threading.Lock()
        self._shard: Any = None

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(b"multilingual" if self.multilingual is not None else b"english")
        for p in self.passages:
            digest.update(f"{p.id}\x00{p.indexed_text}\x00".encode())
        return digest.hexdigest()[:16]

    def open(self) -> None:
        """Load the index for these passages, building it first when the policies changed."""
        with self._lock:
            if self._shard is not None:
                return
            path = self.root / self.fingerprint
            if not (path / "READY").is_file():
                self._build(path)
            self._shard = qe.EdgeShard.load(str(path))
            for stale in self.root.iterdir():
                if stale.is_dir() and stale.name != path.name:
                    shutil.rmtree(stale, ignore_errors=True)

    def _build(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        texts = [p.indexed_text for p in self.passages]
        encoders = {"dense": self.encoder}
        if self.multilingual is not None:
            encoders["multilingual"] = self.multilingual
        vectors = {name: encode(self.vectors, encoder, texts) for name, encoder in encoders.items()}
        config = qe.EdgeConfig(
            vectors={
                name: qe.EdgeVectorParams(size=int(v.shape[1]) if len(v) else 384, distance=qe.Distance.Cosine)
                for name, v in vectors.items()
            },
            hnsw_config=qe.HnswIndexConfig(m=16, ef_construct=64, full_scan_threshold=10_000),
            max_search_threads=1,
        )
        shard = qe.EdgeShard.create(str(path), config)
        shard.update(qe.UpdateOperation.create_field_index(_DOC, qe.PayloadSchemaType.Keyword))
        points = [
            qe.Point(
                str(uuid.uuid5(_NAMESPACE, p.id)),
                {name: [float(x) for x in v[i]] for name, v in vectors.items()},
                {"id": p.id, _DOC: p.doc},
            )
            for i, p in enumerate(self.passages)
        ]
        if points:
            shard.update(qe.UpdateOperation.upsert_points(points))
        shard.optimize()
        shard.flush()
        shard.close()
        (path / "READY").write_text(self.fingerprint + "\n")

    def search(self, text: str, limit: int = 2, docs: Sequence[str] | None = None) -> list[PolicyHit]:
        """The passages nearest to a question, optionally within some policy documents."""
        self.open()
        using, encoder = "dense", self.encoder
        if self.multilingual is not None and query_route(text, self.language()) == "multilingual":
            using, encoder = "multilingual", self.multilingual
        vector = [float(x) for x in encoder.encode([text])[0]]
        flt = qe.Filter(must=[qe.FieldCondition(key=_DOC, match=qe.MatchAny(list(docs)))]) if docs else None
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(vector, using=using),
            filter=flt,
            with_payload=True,
            params=qe.SearchParams(exact=True),
        )
        hits = []
        for point in self._shard.query(request):
            passage = self.by_id.get(str((point.payload or {}).get("id")))
            if passage is not None:
                hits.append(PolicyHit(passage, float(point.score)))
        return hits

    def with_section(self, hits: Sequence[PolicyHit], limit: int) -> list[Passage]:
        """The passages of the best hit's section (a heading and its bullets belong together: "Voltline Care
        extended warranty" and what it costs), then the other hits, at most ``limit``, in document order."""
        if not hits:
            return []
        best = hits[0].passage
        chosen = [p for p in self.passages if best.section and p.doc == best.doc and p.section == best.section]
        for hit in hits:
            if hit.passage not in chosen:
                chosen.append(hit.passage)
        chosen = chosen[:limit] if best in chosen[:limit] else [best, *chosen[: limit - 1]]
        order = {p.id: i for i, p in enumerate(self.passages)}
        return sorted(dict.fromkeys(chosen), key=lambda p: order[p.id])

    def close(self) -> None:
        with self._lock:
            if self._shard is not None:
                self._shard.close()
                self._shard = None
