"""``ServerIndex``: a Qdrant server or cluster through ``qdrant-client`` (shards, replicas, gRPC).

Clients read and write through a collection alias. Incremental changes are written to the aliased
collection (Qdrant's WAL and replication make each write durable); a full replace builds a new collection
``<alias>_v<n>`` and switches the alias in one atomic call, so readers never see a half-built index.
In tests the same code runs against qdrant-client's local mode.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from qdrant_client import QdrantClient
from qdrant_client import models as qm

from retrieval.catalog import Product
from retrieval.index.base import (
    FLOAT_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    VECTOR_SIZES,
    Condition,
    Hit,
    IndexedPoint,
    IndexQuery,
    SearchFilters,
    SparseVec,
    filter_conditions,
    payload_of,
    point_id,
    product_of,
)

log = logging.getLogger(__name__)

_BATCH = 256


class ServerIndex:
    sole_writer = False  # other workers write the same collection; ``version`` counts this process's changes only

    def __init__(
        self,
        client: QdrantClient,
        alias: str = "products",
        *,
        shards: int = 1,
        replication_factor: int = 1,
        hnsw_m: int = 16,
        hnsw_ef_construct: int = 128,
        hnsw_ef: int = 128,
        int8: bool = False,
        full_scan_threshold_kb: int = 10_000,
    ) -> None:
        self.client = client
        self.alias = alias
        self.shards = shards
        self.replication_factor = replication_factor
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construct = hnsw_ef_construct
        self.hnsw_ef = hnsw_ef
        self.int8 = int8
        self.full_scan_threshold_kb = full_scan_threshold_kb
        self._write_lock = threading.Lock()
        self._changes = 0
        self._collection = self._resolve_alias()
        if self._collection is None:
            self._collection = f"{alias}_v1"
            self._create(self._collection)
            self._point_alias(self._collection, previous=None)

    @classmethod
    def connect(
        cls, url: str, api_key: str | None = None, prefer_grpc: bool = True, timeout: int = 10, **kwargs: Any
    ) -> ServerIndex:
        return cls(QdrantClient(url=url, api_key=api_key, prefer_grpc=prefer_grpc, timeout=timeout), **kwargs)

    # ---- collections and the alias --------------------------------------------------------------------
    def _resolve_alias(self) -> str | None:
        for alias in self.client.get_aliases().aliases:
            if alias.alias_name == self.alias:
                return str(alias.collection_name)
        return None

    def _create(self, name: str) -> None:
        self.client.create_collection(
            name,
            vectors_config={
                n: qm.VectorParams(size=size, distance=qm.Distance.COSINE) for n, size in VECTOR_SIZES.items()
            },
            sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            hnsw_config=qm.HnswConfigDiff(
                m=self.hnsw_m, ef_construct=self.hnsw_ef_construct, full_scan_threshold=self.full_scan_threshold_kb
            ),
            quantization_config=(
                qm.ScalarQuantization(scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8, always_ram=True))
                if self.int8
                else None
            ),
            shard_number=self.shards,
            replication_factor=self.replication_factor,
        )
        for field in KEYWORD_FIELDS:
            self.client.create_payload_index(name, field, qm.PayloadSchemaType.KEYWORD)
        for field in FLOAT_FIELDS:
            self.client.create_payload_index(name, field, qm.PayloadSchemaType.FLOAT)

    def _point_alias(self, collection: str, previous: str | None) -> None:
        operations: list[Any] = []
        if previous is not None:
            operations.append(qm.DeleteAliasOperation(delete_alias=qm.DeleteAlias(alias_name=self.alias)))
        operations.append(
            qm.CreateAliasOperation(create_alias=qm.CreateAlias(collection_name=collection, alias_name=self.alias))
        )
        self.client.update_collection_aliases(change_aliases_operations=operations)

    @property
    def version(self) -> str:
        """The served collection and the number of changes this process applied to it."""
        return f"{self._collection}+{self._changes}"

    # ---- writes ------------------------------------------------------------------------------------------
    def apply(self, upserts: Sequence[IndexedPoint], deletes: Sequence[str], *, replace: bool = False) -> str:
        with self._write_lock:
            if replace:
                return self._rebuild(upserts)
            if not upserts and not deletes:
                return self.version
            if deletes:
                self.client.delete(self.alias, qm.PointIdsList(points=[point_id(i) for i in deletes]), wait=True)
            self._upsert(self.alias, upserts)
            self._changes += 1
            return self.version

    def _rebuild(self, upserts: Sequence[IndexedPoint]) -> str:
        previous = self._collection
        match = re.search(r"_v(\d+)$", previous or "")
        name = f"{self.alias}_v{int(match.group(1)) + 1 if match else 2}"
        if self.client.collection_exists(name):
            self.client.delete_collection(name)
        self._create(name)
        try:
            self._upsert(name, upserts)
        except Exception:
            self.client.delete_collection(name)
            raise
        self._point_alias(name, previous)  # atomic switch: readers see the old or the new collection
        self._collection = name
        self._changes = 0
        if previous and previous != name:
            self.client.delete_collection(previous)
        return self.version

    def _upsert(self, collection: str, upserts: Sequence[IndexedPoint]) -> None:
        for start in range(0, len(upserts), _BATCH):
            batch = upserts[start : start + _BATCH]
            self.client.upsert(collection, [self._point(p) for p in batch], wait=True)

    def _point(self, point: IndexedPoint) -> qm.PointStruct:
        vectors: dict[str, Any] = dict(point.dense)
        if point.sparse is not None:
            vectors[SPARSE] = qm.SparseVector(indices=point.sparse.indices, values=point.sparse.values)
        return qm.PointStruct(id=point_id(point.product.id), vector=vectors, payload=payload_of(point))

    # ---- reads ---------------------------------------------------------------------------------------
    def search(self, query: IndexQuery) -> list[Hit]:
        flt = _filter(query.filters)
        if query.exact:
            params = qm.SearchParams(exact=True)
        else:
            rescore = qm.QuantizationSearchParams(rescore=True, oversampling=2.0) if self.int8 else None
            params = qm.SearchParams(hnsw_ef=query.hnsw_ef or self.hnsw_ef, quantization=rescore)
        sources = [(name, _vector(vector)) for name, vector in query.sources()]
        if not sources:
            return []
        if len(sources) == 1:
            using, vector = sources[0]
            response = self.client.query_points(
                self.alias,
                query=vector,
                using=using,
                query_filter=flt,
                search_params=params,
                limit=query.limit,
                with_payload=True,
            )
        else:
            response = self.client.query_points(
                self.alias,
                prefetch=[
                    qm.Prefetch(query=v, using=u, filter=flt, params=params, limit=query.prefetch_limit)
                    for u, v in sources
                ],
                query=qm.RrfQuery(rrf=qm.Rrf(k=query.rrf_k, weights=query.fusion_weights())),
                query_filter=flt,
                limit=query.limit,
                with_payload=True,
            )
        return [
            Hit(id=str(p.payload["id"]), score=float(p.score), product=product_of(p.payload))
            for p in response.points
            if p.payload
        ]

    def get(self, ids: Sequence[str]) -> dict[str, Product]:
        if not ids:
            return {}
        records = self.client.retrieve(self.alias, [point_id(i) for i in ids], with_payload=True)
        found = {str(r.payload["id"]): product_of(r.payload) for r in records if r.payload}
        return {i: found[i] for i in ids if i in found}

    def vectors(self, ids: Sequence[str], name: str) -> dict[str, list[float]]:
        if not ids:
            return {}
        by_point = {point_id(i): i for i in ids}
        records = self.client.retrieve(self.alias, list(by_point), with_payload=False, with_vectors=[name])
        found: dict[str, list[float]] = {}
        for r in records:
            vector = r.vector.get(name) if isinstance(r.vector, dict) else None
            if isinstance(vector, list):  # a dense vector (a multi-vector would be a list of lists)
                found[by_point[str(r.id)]] = [float(v) for v in vector if isinstance(v, float | int)]
        return found

    def content_hashes(self) -> dict[str, str]:
        hashes: dict[str, str] = {}
        offset: Any = None
        while True:
            records, offset = self.client.scroll(
                self.alias, limit=1000, offset=offset, with_payload=["id", "content_hash"], with_vectors=False
            )
            for record in records:
                if record.payload:
                    hashes[str(record.payload["id"])] = str(record.payload.get("content_hash", ""))
            if offset is None:
                return hashes

    def ids(self, filters: SearchFilters | None = None) -> list[str]:
        found: list[str] = []
        offset: Any = None
        condition = _filter(filters) if filters is not None else None
        while True:
            records, offset = self.client.scroll(
                self.alias, scroll_filter=condition, limit=1000, offset=offset, with_payload=["id"], with_vectors=False
            )
            found.extend(str(r.payload["id"]) for r in records if r.payload)
            if offset is None:
                return sorted(found)

    def count(self) -> int:
        return int(self.client.count(self.alias, exact=True).count)

    def close(self) -> None:
        self.client.close()


def _condition(condition: Condition) -> qm.FieldCondition:
    if condition.is_range:
        return qm.FieldCondition(key=condition.key, range=qm.Range(gte=condition.gte, lte=condition.lte))
    if condition.any_of is not None:
        return qm.FieldCondition(key=condition.key, match=qm.MatchAny(any=list(condition.any_of)))
    return qm.FieldCondition(key=condition.key, match=qm.MatchValue(value=str(condition.value)))


def _vector(vector: list[float] | SparseVec) -> Any:
    return qm.SparseVector(indices=vector.indices, values=vector.values) if isinstance(vector, SparseVec) else vector


def _filter(filters: SearchFilters) -> qm.Filter | None:
    if filters.is_empty():
        return None
    must, must_not = filter_conditions(filters)
    return qm.Filter(must=[_condition(c) for c in must] or None, must_not=[_condition(c) for c in must_not] or None)
