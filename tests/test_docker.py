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
    assert {"app", "qdrant", "vllm"} <= set(services)
    env = services["app"]["environment"]
    assert env["SHOPASSIST_LLM__BACKEND"] == "openai"
    assert env["SHOPASSIST_LLM__BASE_URL"] == "http://vllm:8000/v1"
    assert env["SHOPASSIST_QDRANT__URL"] == "http://qdrant:6333"
    assert env["SHOPASSIST_ENV"] == "production"
    # only the app publishes a port, and only on the host's loopback; the backends sit on an internal network
    assert [p["host_ip"] if isinstance(p, dict) else p.split(":")[0] for p in services["app"]["ports"]] == ["127.0.0.1"]
    assert "ports" not in services["vllm"] and "ports" not in services["qdrant"]
    assert config["networks"]["backend"]["internal"] is True
    assert set(services["vllm"]["networks"]) == {"backend"} and set(services["qdrant"]["networks"]) == {"backend"}
    assert set(services["app"]["networks"]) == {"frontend", "backend"}
    vllm = services["vllm"]
    assert vllm["environment"]["VLLM_API_KEY"] == SECRETS["VLLM_API_KEY"]
    assert vllm["environment"]["HF_HUB_OFFLINE"] == "1"
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def vllm_arguments(tmp_path: Path, with_adapter: bool) -> list[str]:
    """Run the vLLM service's start script in bash with a stand-in ``vllm`` that prints its arguments."""
    config = yaml.safe_load(compose_config(SECRETS).stdout)
    vllm = config["services"]["vllm"]
    adapters = tmp_path / "adapters"
    (adapters / "shopassist").mkdir(parents=True)
    if with_adapter:
        (adapters / "shopassist" / "adapter_config.json").write_text("{}")
    script = vllm["command"][0].replace("$$", "$").replace("/adapters/", f"{adapters}/")
    stub = tmp_path / "bin" / "vllm"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    stub.chmod(0o755)
    env = {"PATH": f"{stub.parent}:{os.environ.get('PATH', '')}", **vllm["environment"]}
    result = subprocess.run(
        [*vllm["entrypoint"], script], env=env, capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout.splitlines()


def test_vllm_serves_with_prefix_caching_memory_and_length_limits_and_the_adapter_when_present(
    tmp_path: Path,
) -> None:
    args = vllm_arguments(tmp_path / "with", with_adapter=True)
    assert args[:2] == ["serve", "Qwen/Qwen2.5-1.5B-Instruct"]
    for flag in ("--enable-prefix-caching", "--served-model-name=shopassist", "--max-model-len=8192"):
        assert flag in args
    assert "--gpu-memory-utilization=0.90" in args
    assert "--enable-lora" in args and args[args.index("--lora-modules") + 1].startswith("shopassist-ft=")
    without = vllm_arguments(tmp_path / "without", with_adapter=False)
    assert "--enable-lora" not in without and "--lora-modules" not in without
    assert "--enable-prefix-caching" in without


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
