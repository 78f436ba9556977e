"""Search quality on the labelled query set: nDCG@10, recall@10 and MRR per retrieval mode and language.

The labels come from eval/data/search_queries.jsonl (see eval/data/README.md): relevance is computed from
the catalog's categories and attributes, independently of any ranker.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from retrieval.catalog import Product, category_prefixes

K = 10


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    query: str
    zh: str | None
    categories: tuple[str, ...]
    constraints: dict[str, Any]


def load_queries() -> list[LabelledQuery]:
    text = files("eval").joinpath("data/search_queries.jsonl").read_text(encoding="utf-8")
    queries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        constraints = {k: row[k] for k in ("colour", "material", "fit", "petite") if k in row}
        queries.append(LabelledQuery(row["id"], row["query"], row.get("zh"), tuple(row["categories"]), constraints))
    return queries


def _in_category(product: Product, prefixes: Sequence[str]) -> bool:
    return bool(set(prefixes) & set(category_prefixes(product.category)))


def _satisfies(product: Product, key: str, wanted: Any) -> bool:
    value = product.attributes.get(key)
    if key == "colour":
        return isinstance(value, list) and str(wanted) in value
    return bool(value == wanted)


def grade(query: LabelledQuery, product: Product) -> int:
    if not _in_category(product, query.categories):
        return 0
    if not query.constraints:
        return 2
    met = sum(_satisfies(product, key, wanted) for key, wanted in query.constraints.items())
    if met == len(query.constraints):
        return 2
    return 1 if met * 2 >= len(query.constraints) else 0


def ndcg(ranked: Sequence[int], all_grades: Sequence[int], k: int = K) -> float:
    def dcg(grades: Sequence[int]) -> float:
        return float(sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k])))

    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked) / ideal if ideal > 0 else 0.0


def recall(ranked: Sequence[int], perfect: int, k: int = K) -> float:
    return sum(1 for g in ranked[:k] if g == 2) / min(k, perfect) if perfect else 0.0


def reciprocal_rank(ranked: Sequence[int]) -> float:
    return next((1.0 / (i + 1) for i, g in enumerate(ranked) if g == 2), 0.0)


Searcher = Callable[[str], list[str]]  # query text -> ranked product ids


def evaluate(
    products: Sequence[Product], searcher: Searcher, queries: Sequence[LabelledQuery], *, chinese: bool = False
) -> dict[str, float]:
    by_id = {p.id: p for p in products}
    totals = {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0}
    count = 0
    for query in queries:
        text = query.zh if chinese else query.query
        if text is None:
            continue
        all_grades = [grade(query, p) for p in products]
        perfect = sum(1 for g in all_grades if g == 2)
        if perfect == 0:
            raise ValueError(f"query {query.id} ({query.query!r}) has no fully relevant product in the catalog")
        ranked = [grade(query, by_id[i]) for i in searcher(text)[:K] if i in by_id]
        totals["ndcg@10"] += ndcg(ranked, all_grades)
        totals["recall@10"] += recall(ranked, perfect)
        totals["mrr"] += reciprocal_rank(ranked)
        count += 1
    return {name: value / count for name, value in totals.items()} | {"queries": float(count)}


def run(
    catalog: Any, products: Sequence[Product], queries: Sequence[LabelledQuery] | None = None
) -> dict[str, dict[str, float]]:
    """Every retrieval variant over the labelled set (``catalog`` is a ``CatalogService``)."""
    from retrieval.index.base import DENSE, MULTILINGUAL, IndexQuery

    queries = list(queries or load_queries())
    search = catalog.searcher

    def by_mode(mode: str, understand: bool = True) -> Searcher:
        return lambda text: [h.id for h in search.search(text, limit=K, mode=mode, understand=understand).hits]

    def vectors(names: Sequence[str], with_sparse: bool) -> Searcher:
        def run_query(text: str) -> list[str]:
            dense = {}
            if DENSE in names:
                dense[DENSE] = search.dense.encode([text])[0].tolist()
            if MULTILINGUAL in names:
                dense[MULTILINGUAL] = search.multilingual.encode([text])[0].tolist()
            query = IndexQuery(
                dense=dense,
                sparse=search.sparse.query(text) if with_sparse else None,
                limit=K,
                prefetch_limit=search.prefetch_limit,
                rrf_k=search.rrf_k,
            )
            return [h.id for h in search.index.search(query)]

        return run_query

    twins = [q for q in queries if q.zh]
    return {
        "en: dense (MiniLM)": evaluate(products, by_mode("dense", False), queries),
        "en: sparse (BM25)": evaluate(products, by_mode("sparse", False), queries),
        "en: hybrid MiniLM+BM25, fused order only": evaluate(products, by_mode("hybrid", False), queries),
        "en: dense, understood": evaluate(products, by_mode("dense"), queries),
        "en: sparse, understood": evaluate(products, by_mode("sparse"), queries),
        "en: hybrid MiniLM+BM25, understood (default)": evaluate(products, by_mode("hybrid"), queries),
        "en: hybrid MiniLM+USE+BM25": evaluate(products, vectors([DENSE, MULTILINGUAL], True), queries),
        "en: multilingual USE only": evaluate(products, vectors([MULTILINGUAL], False), queries),
        "en twins of zh queries: default": evaluate(products, by_mode("hybrid"), twins),
        "zh: default (USE + dictionary translation)": evaluate(products, by_mode("hybrid"), twins, chinese=True),
        "zh: default, fused order only": evaluate(products, by_mode("hybrid", False), twins, chinese=True),
        "zh: USE only (no translation)": evaluate(products, vectors([MULTILINGUAL], False), twins, chinese=True),
    }


def latencies_ms(catalog: Any, queries: Sequence[LabelledQuery] | None = None, repeats: int = 3) -> list[float]:
    """Wall time of each labelled query through the default search path (encoders, index, fusion), in ms;
    the first pass warms the query cache off the clock, each repeat is a fresh query text."""
    import time

    texts = [q.query for q in (queries or load_queries())]
    for text in texts[:5]:
        catalog.search(f"warm {text}")
    samples = []
    for n in range(repeats):
        for text in texts:
            started = time.perf_counter()
            catalog.search(f"{text} {'!' * n}")  # a different string each round: no query-cache hit
            samples.append((time.perf_counter() - started) * 1000)
    return samples
