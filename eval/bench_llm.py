"""LLM serving benchmark: the embedded llama.cpp server through the one client path.

Baseline and variants run in the same process (machines here are noisy, so read the ratios):
- TTFT with a cold prompt (nothing cached) vs a warm one (system prompt already in the prefix cache);
- decode tokens/s of one stream vs the aggregate of concurrent streams (continuous batching).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from app.config import LLMSettings
from app.llm.prompts import load_prompt
from app.llm.service import LLMService
from app.observability import Metrics
from eval.resources import peak_rss_mib

QUESTIONS = [
    "Do you have linen summer dresses under $80?",
    "What is your return policy for sale items?",
    "Where is my order?",
    "Which knit tops come in size XS?",
]


async def _ttft(service: LLMService, system: str, question: str, max_tokens: int) -> tuple[float, int, float]:
    """Seconds to the first token, pieces streamed, and seconds for the whole stream."""
    started = time.perf_counter()
    first = None
    pieces = 0
    async for _ in service.stream(
        [SystemMessage(system), HumanMessage(question)], max_tokens=max_tokens, temperature=0
    ):
        if first is None:
            first = time.perf_counter() - started
        pieces += 1
    return first or float("nan"), pieces, time.perf_counter() - started


async def _run(service: LLMService, system: str, concurrency: int) -> dict[str, Any]:
    cold = []
    for question in QUESTIONS[:2]:
        nonce = f"Session {uuid.uuid4()}.\n"  # a unique first line defeats every prefix cache
        ttft, _, _ = await _ttft(service, nonce + system, question, 8)
        cold.append(ttft)
    await asyncio.to_thread(service.warm, system)  # what the service does at start-up (every slot)
    warm = [(await _ttft(service, system, q, 8))[0] for q in QUESTIONS]

    decode_tokens = 96
    _, pieces, seconds = await _ttft(service, system, QUESTIONS[0], decode_tokens)
    single_tps = pieces / seconds
    started = time.perf_counter()
    results = await asyncio.gather(
        *[_ttft(service, system, QUESTIONS[i % len(QUESTIONS)], decode_tokens) for i in range(concurrency)]
    )
    wall = time.perf_counter() - started
    aggregate_tps = sum(r[1] for r in results) / wall
    return {
        "cold_ttft_s": statistics.median(cold),
        "warm_ttft_s": statistics.median(warm),
        "single_stream_tok_s": single_tps,
        "concurrent_streams": concurrency,
        "concurrent_aggregate_tok_s": aggregate_tps,
        "concurrent_ttft_max_s": max(r[0] for r in results),
    }


def run(model: str = "qwen2.5-1.5b", threads: int = 2, parallel: int = 2) -> dict[str, Any]:
    settings = LLMSettings(model=model, threads=threads, parallel=parallel)
    service = LLMService(settings, Metrics())
    started = time.perf_counter()
    service.start()
    if service.state != "ready":
        raise RuntimeError(f"LLM did not start: {service.error}")
    load_s = time.perf_counter() - started
    system = load_prompt("assistant_system").render(
        shop_name="Demo Boutique", shop_description="an online clothing shop", short_refs=False
    )
    try:
        figures = asyncio.run(_run(service, system, concurrency=parallel))
    finally:
        service.close()
    figures.update(
        model=model,
        threads=threads,
        load_s=load_s,
        warm_over_cold_ttft=figures["warm_ttft_s"] / figures["cold_ttft_s"],
        concurrent_over_single_tok_s=figures["concurrent_aggregate_tok_s"] / figures["single_stream_tok_s"],
        peak_rss_mib=peak_rss_mib(),
    )
    return figures
