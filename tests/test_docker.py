"""The deployment files: compose validated by docker-compose itself (offline), Dockerfile order checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"
SECRETS = {"SHOPASSIST_ADMIN_API_KEY": "a" * 32, "VLLM_API_KEY": "b" * 32, "QDRANT_API_KEY": "c" * 32}


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose (Debian package) is installed by `make test`; run it through make"
    return subprocess.run(
        [binary, "-f", str(DOCKER / "compose.yaml"), "config"],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_is_valid_and_wires_the_services() -> None:
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"app", "qdrant", "vllm"}
    env = services["app"]["environment"]
    assert env["SHOPASSIST_LLM__BACKEND"] == "openai"
    assert env["SHOPASSIST_LLM__BASE_URL"] == "http://vllm:8000/v1"
    assert env["SHOPASSIST_QDRANT__URL"] == "http://qdrant:6333"
    assert env["SHOPASSIST_ENV"] == "production"
    # only the app publishes a port, and only on the host's loopback
    assert [p["host_ip"] if isinstance(p, dict) else p.split(":")[0] for p in services["app"]["ports"]] == ["127.0.0.1"]
    assert "ports" not in services["vllm"] and "ports" not in services["qdrant"]
    vllm = services["vllm"]
    assert "--enable-lora" in vllm["command"]
    assert "--served-model-name=shopassist" in vllm["command"]
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def test_compose_refuses_to_start_without_secrets() -> None:
    result = compose_config({})
    assert result.returncode != 0
    assert "SHOPASSIST_ADMIN_API_KEY" in result.stderr


def test_dockerfile_installs_cpu_torch_before_the_package() -> None:
    lines = (DOCKER / "Dockerfile").read_text().splitlines()
    torch_line = next(i for i, line in enumerate(lines) if "torch==2.13.0" in line and "pip install" in line)
    package_line = next(i for i, line in enumerate(lines) if line.strip().startswith("RUN pip install ."))
    assert torch_line < package_line
    assert any(line.startswith("USER ") for line in lines), "the image must not run as root"
    assert lines[-1].startswith("CMD") and "shopassist" in lines[-1]
