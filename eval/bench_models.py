"""Embedded models side by side (`make bench-models`): the 1.5B / 0.5B / 135M GGUFs on the chat, copy and
grounding suites, and the MiniLM encoder as int8 ONNX vs fp32 torch on search quality, ingest and query speed.
Same machine, same run, same seeds; prints a Markdown table and writes the figures to reports/models-*.json."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from app.config import EmbeddedModel, EmbedSettings, LLMSettings, Settings
from app.llm.models import SHIPPED_MODELS
from app.llm.service import LLMService
from app.observability import Metrics
from eval import llm_grounding, report, search_eval

MODELS: tuple[EmbeddedModel, ...] = ("qwen2.5-1.5b", "qwen2.5-0.5b", "smollm2-135m")
ENCODERS: tuple[Literal["onnx-int8", "torch"], ...] = ("onnx-int8", "torch")


def model_figures(key: EmbeddedModel, dialogs: int, copies: int, grounding: int) -> dict[str, Any]:
    llm = LLMSettings(model=key)
    profile = replace(report.PROFILES["fast"], chat_dialogs=dialogs, copy_products=copies, copy_zh_products=0)
    run = report.run(["chat", "copy"], profile, llm)
    chat, copy = run.suites["chat"], run.suites["copy"]
    service = LLMService(llm, Metrics())
    service.start()
    try:
        ground = llm_grounding.run(service, Settings(_env_file=None).shop_name, grounding)
    finally:
        service.close()
    summary, single, rates = chat["summary"], chat["single_request"], chat["llm_rates"]
    return {
        "gguf_mb": round(SHIPPED_MODELS[key].size / 2**20),
        "chat_invented_ids": summary["invented_ids"],
        "chat_ids_dropped_by_guard": summary["ids_dropped_by_guard"],
        "chat_policy_correct": summary["policy_correct"],
        "chat_ttft_p50_s": single["ttft_p50_s"],
        "chat_reply_p50_s": single["reply_p50_s"],
        "decode_tok_per_s": rates["decode_tok_per_s"],
        "prefill_tok_per_s": rates["prefill_tok_per_s"],
        "copy_claims_supported_first": copy["claims_supported_first_attempt"],
        "copy_claims_supported_after_regenerate": copy["claims_supported_after_regenerate"],
        "copy_template_fallbacks": copy["template_fallbacks"],
        "copy_seconds_per_product_p50": copy["seconds_per_product_p50"],
        "grounding_accuracy": ground["accuracy"],
        "grounding_invented_id_rate": ground["invented_id_rate"],
    }


def encoder_figures(backend: Literal["onnx-int8", "torch"], repeats: int = 200) -> dict[str, Any]:
    from app.wiring import build_catalog
    from retrieval.catalog import Product
    from retrieval.demo_store import write_demo_store

    with tempfile.TemporaryDirectory(prefix="shopassist-models-") as tmp:
        root = Path(tmp)
        write_demo_store(root / "demo")
        feed = (root / "demo" / "products.jsonl").read_bytes()
        products = [Product.model_validate(json.loads(line)) for line in feed.decode().splitlines()]
        settings = Settings(_env_file=None, data_dir=root, embed=EmbedSettings(backend=backend))
        catalog = build_catalog(settings)
        try:
            catalog.warm()  # load both encoders first: ingest speed, not model loading, is measured
            started = time.perf_counter()
            catalog.ingest_feed(feed, "jsonl")
            ingest_s = time.perf_counter() - started
            quality = search_eval.run(catalog, products, search_eval.load_queries())
            encoder = catalog.searcher.dense
            texts = [q.query for q in search_eval.load_queries()]
            timings = []
            for i in range(repeats):  # uncached single-query embeddings (the cache is bypassed: raw encoder)
                raw = getattr(encoder, "encoder", encoder)
                started = time.perf_counter()
                raw.encode([f"{texts[i % len(texts)]} {i}"])
                timings.append((time.perf_counter() - started) * 1000)
        finally:
            catalog.index.close()
    en = quality["en: hybrid MiniLM+BM25, understood (default)"]
    dense = quality["en: dense (MiniLM)"]
    return {
        "ingest_products_per_s": round(len(products) / ingest_s, 1),
        "query_embed_p50_ms": round(statistics.median(timings), 2),
        "dense_ndcg@10": dense["ndcg@10"],
        "hybrid_ndcg@10": en["ndcg@10"],
        "hybrid_recall@10": en["recall@10"],
    }


def table(rows: dict[str, dict[str, Any]]) -> str:
    names = list(next(iter(rows.values())))
    lines = ["| figure | " + " | ".join(rows) + " |", "|---|" + "---|" * len(rows)]
    for name in names:
        cells = [rows[column].get(name) for column in rows]
        shown = [(f"{c:.3f}" if abs(c) < 10 else f"{c:.1f}") if isinstance(c, float) else f"{c}" for c in cells]
        lines.append(f"| {name} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def main() -> None:
    """``python -m eval.bench_models [DIALOGS COPIES GROUNDING]``, or ``… encoders`` for the encoder part only."""
    encoders_only = sys.argv[1:] == ["encoders"]
    args = sys.argv[1:4] if len(sys.argv) >= 4 else (14, 12, 12)
    dialogs, copies, grounding = (int(a) for a in args)
    started = time.perf_counter()
    models: dict[str, dict[str, Any]] = (
        {} if encoders_only else {key: model_figures(key, dialogs, copies, grounding) for key in MODELS}
    )
    encoders: dict[str, dict[str, Any]] = {backend: encoder_figures(backend) for backend in ENCODERS}
    figures = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "sizes": {"dialogs": dialogs, "copy_products": copies, "grounding_cases": grounding},
        "models": models,
        "encoders": encoders,
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = Path("reports") / f"models-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    if models:
        print(table(models))
        print()
    print(table(encoders))
    print(f"\n{figures['seconds']} s; figures in {out}")


if __name__ == "__main__":
    main()
