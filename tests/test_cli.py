"""The ``shopassist`` command as a user runs it: a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.llm.models import SHIPPED_MODELS
from tests.conftest import VECTOR_CACHE_ENV

pytestmark = pytest.mark.integration  # the command as real processes

BIN = Path(sys.executable).parent / "shopassist"


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPASSIST_")}
    env.update(VECTOR_CACHE_ENV)
    env.update(
        SHOPASSIST_DATA_DIR=str(data_dir),
        SHOPASSIST_LLM__MODEL="smollm2-135m",
        SHOPASSIST_LLM__MODELS_DIR=str(data_dir / "models"),
        SHOPASSIST_LLM__CTX_SIZE="2048",
    )
    env.update(extra)
    return env


def test_info_is_fast_and_masks_secrets(tmp_path: Path) -> None:
    secret = "info-secret-key-that-must-not-print"
    started = time.perf_counter()
    result = subprocess.run(
        [str(BIN), "info"],
        env=cli_env(tmp_path, SHOPASSIST_ADMIN_API_KEY=secret, COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 3.0, f"shopassist info took {elapsed:.2f}s"
    assert "backend=embedded" in result.stdout
    assert "smollm2-135m" in result.stdout
    assert SHIPPED_MODELS["smollm2-135m"].sha256[:12] in result.stdout
    assert secret not in result.stdout + result.stderr


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = (
        "import sys, app.cli, app.config, app.main;"
        "heavy = [m for m in ('torch', 'xllamacpp', 'sentence_transformers', 'gradio') if m in sys.modules];"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_the_service_and_prints_a_generated_admin_key(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=cli_env(tmp_path, COLUMNS="200"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, ready.text if ready else "no answer"
        key_file = tmp_path / "admin_api_key"
        assert (key_file.stat().st_mode & 0o777) == 0o600
        key = key_file.read_text().strip()
        caps = httpx.get(f"{base}/v1/capabilities", headers={"Authorization": f"Bearer {key}"}, timeout=5)
        assert caps.status_code == 200
        assert caps.json()["llm"]["model_sha256"] == SHIPPED_MODELS["smollm2-135m"].sha256
        assert key not in caps.text
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says how it ended
    assert process.returncode in (0, -15), stderr
    assert "Application shutdown complete." in stderr
    assert key in stdout  # the generated key is shown once to the operator
    assert key not in stderr  # ... and never written to the logs
    assert '"message": "request"' in stderr  # structured access log


def test_demo_data_load_events_and_train_recs(tmp_path: Path) -> None:
    env = cli_env(tmp_path, COLUMNS="200")

    def run(*args: str) -> str:
        result = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    assert "1199 products" in run("demo-data")
    events = tmp_path / "some-events.jsonl"  # a tenth of the shoppers: the commands, not the volume, are tested
    lines = (tmp_path / "demo" / "events.jsonl").read_text().splitlines()
    events.write_text("\n".join(x for x in lines if int(json.loads(x)["user_id"][1:]) <= 60) + "\n")
    total = len(events.read_text().splitlines())
    assert f"{total} events stored, 0 already there, 0 invalid" in run("load-events", str(events))
    assert f"0 events stored, {total} already there" in run("load-events", str(events))
    trained = run("train-recs")
    assert "model als-" in trained and "served: no version served yet" in trained
    current = (tmp_path / "recs" / "CURRENT").read_text().strip()
    assert current in trained and (tmp_path / "recs" / current / "factors.npz").is_file()
    again = run("train-recs")  # the same events again: no worse than the served version
    assert f"served (was {current}): NDCG@10" in again
