"""Feed → catalog → encoders → index: the one ingest path of the CLI, the API and batch jobs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from retrieval.catalog import Product
from retrieval.embed import Encoder, keyword_text, product_text
from retrieval.index.base import DENSE, MULTILINGUAL, IndexedPoint, ProductIndex
from retrieval.language import ENGLISH, CatalogLanguage, Language
from retrieval.sparse import Bm25Encoder
from retrieval.vector_cache import VectorCache, encode

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Pipeline = tuple[Encoder, Encoder]  # (dense, multilingual) encoders one ingest worker uses


@dataclass(frozen=True)
class IngestReport:
    accepted: int  # valid products in the request
    unchanged: int  # already indexed with the same content
    written: int  # embedded and written
    deleted: int
    index_version: str
    embed_seconds: float
    write_seconds: float

    @property
    def products_per_second(self) -> float:
        total = self.embed_seconds + self.write_seconds
        return self.written / total if total > 0 else 0.0


def indexed_hash(product: Product, language: Language) -> str:
    """The content hash stored with a product's point: a catalog read in another language than before (its BM25
    terms stemmed anew) re-indexes every product on its next ingest. English keeps the bare hash."""
    digest = product.content_hash()
    return digest if language.english else f"{digest}/{language.code}"


class CatalogIndexer:
    def __init__(
        self,
        index: ProductIndex,
        dense: Encoder,
        multilingual: Encoder,
        sparse: Bm25Encoder,
        batch_size: int = 128,
        *,
        workers: int = 1,
        make_pipeline: Callable[[], Pipeline] | None = None,
        vectors: VectorCache | None = None,
        language: CatalogLanguage | None = None,
    ) -> None:
        """``workers`` > 1 with ``make_pipeline``: large ingests run that many single-threaded encoder pipelines
        side by side (built on first use, kept), which outran one pipeline with two threads per encoder by
        ~25% on two cores (docs/benchmarks.md); ``dense`` and ``multilingual`` serve small ingests and queries.
        ``vectors``: products' embeddings already computed for the same text are read, not encoded again.
        ``language``: the catalog's, for BM25 (English when not given)."""
        self.index = index
        self.language = language
        self.dense = dense
        self.multilingual = multilingual
        self.sparse = sparse
        self.batch_size = batch_size
        self.workers = workers
        self.make_pipeline = make_pipeline
        self.vectors = vectors
        self._pipelines: list[Pipeline] = []
        self._lock = threading.Lock()  # one ingest at a time; searches go on

    def embed(
        self, products: Sequence[Product], progress: Progress | None = None, language: Language = ENGLISH
    ) -> list[IndexedPoint]:
        # similar lengths batch together: less padding in the transformer
        products = sorted(products, key=lambda p: len(product_text(p)))
        batches = [products[i : i + self.batch_size] for i in range(0, len(products), self.batch_size)]
        pipelines = self._worker_pipelines() if len(batches) > 1 else [(self.dense, self.multilingual)]
        done = 0
        done_lock = threading.Lock()

        def run(share: list[list[Product]], pipeline: Pipeline) -> list[IndexedPoint]:
            nonlocal done
            out: list[IndexedPoint] = []
            for batch in share:
                out.extend(self._embed_batch(batch, pipeline, language))
                if progress:
                    with done_lock:
                        done += len(batch)
                        progress(done, len(products))
            return out

        if len(pipelines) == 1:
            return run(batches, pipelines[0])
        # worker k takes every n-th batch: the length-sorted batches spread evenly over the workers
        with ThreadPoolExecutor(len(pipelines), thread_name_prefix="ingest") as pool:
            shares = [pool.submit(run, batches[k :: len(pipelines)], p) for k, p in enumerate(pipelines)]
            return [point for share in shares for point in share.result()]

    def warm(self) -> None:
        """Load the ingest pipelines' models now (a large ingest would otherwise load them first)."""
        for dense, multilingual in self._worker_pipelines():
            dense.encode(["warm up"])
            multilingual.encode(["warm up"])

    def _worker_pipelines(self) -> list[Pipeline]:
        if self.workers <= 1 or self.make_pipeline is None:
            return [(self.dense, self.multilingual)]
        while len(self._pipelines) < self.workers:
            self._pipelines.append(self.make_pipeline())
        return self._pipelines

    def _embed_batch(self, batch: Sequence[Product], pipeline: Pipeline, language: Language) -> list[IndexedPoint]:
        dense_encoder, multilingual_encoder = pipeline
        texts = [product_text(p) for p in batch]
        dense = encode(self.vectors, dense_encoder, texts)
        multilingual = encode(self.vectors, multilingual_encoder, texts)
        return [
            IndexedPoint(
                product=product,
                dense={DENSE: dense[row].tolist(), MULTILINGUAL: multilingual[row].tolist()},
                sparse=self.sparse.document(keyword_text(product), language.bm25),
                content_hash=indexed_hash(product, language),
            )
            for row, product in enumerate(batch)
        ]

    def _language(self, products: Sequence[Product], anew: bool) -> Language:
        """The language the catalog will be in: these products' when they are all of it, else the served one's."""
        if self.language is None:
            return ENGLISH
        return self.language.of(products) if anew else self.language.current()

    def rebuild(self, products: Sequence[Product], progress: Progress | None = None) -> IngestReport:
        """Write every product into a fresh index (new settings or encoder), switched in atomically: a new
        version directory (embedded engine) or a new collection behind the alias (Qdrant server). With the
        vector cache only text an encoder has not embedded before is encoded."""
        return self.ingest(products, replace=True, progress=progress, fresh=True)

    def ingest(
        self,
        products: Sequence[Product],
        *,
        replace: bool = False,
        progress: Progress | None = None,
        fresh: bool = False,
    ) -> IngestReport:
        """Index new and changed products (unchanged ones are skipped); ``replace`` deletes the rest;
        ``fresh`` re-embeds everything into a new index instead of changing the served one."""
        with self._lock:
            existing = self.index.content_hashes()
            language = self._language(products, fresh or replace or not existing)
            changed = list(products) if fresh else [
                p for p in products if existing.get(p.id) != indexed_hash(p, language)]  # fmt: skip
            deletes = sorted(set(existing) - {p.id for p in products}) if replace else []
            started = time.perf_counter()
            points = self.embed(changed, progress, language)
            embedded = time.perf_counter()
            version = self.index.apply(points, [], replace=True) if fresh else self.index.apply(points, deletes)
            written = time.perf_counter()
        report = IngestReport(
            accepted=len(products),
            unchanged=len(products) - len(changed),
            written=len(points),
            deleted=len(deletes),
            index_version=version,
            embed_seconds=embedded - started,
            write_seconds=written - embedded,
        )
        log.info(
            "ingest done", extra={"written": report.written, "unchanged": report.unchanged, "deleted": report.deleted}
        )
        return report
