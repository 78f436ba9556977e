"""Run `shopassist serve` as a user would (a subprocess on 127.0.0.1) for the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SHOPASSIST = str(Path(sys.executable).parent / "shopassist")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPASSIST_")}
    # throughput benchmarks drive one key from one address far above any per-client rate limit
    env.update(
        SHOPASSIST_DATA_DIR=str(data_dir),
        SHOPASSIST_LOG__LEVEL="WARNING",
        SHOPASSIST_LIMITS__PER_IP_RPS="0",
        SHOPASSIST_LIMITS__PER_KEY_RPS="0",
        **extra,
    )
    return env


def cli(env: dict[str, str], *args: str) -> None:
    """Run a shopassist command to completion (demo-data, ingest, load-events, ...)."""
    subprocess.run([SHOPASSIST, *args], env=env, check=True, capture_output=True)  # noqa: S603 - fixed arguments


@contextmanager
def serving(env: dict[str, str], timeout_s: float = 300) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """Start the server, wait for /readyz 200; yields (base URL, process, seconds to ready); stops it after."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [SHOPASSIST, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError("shopassist serve exited before it was ready")
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"shopassist serve was not ready within {timeout_s:.0f} s")
            time.sleep(0.25)
        yield base, process, time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def serve_in_thread(app: object, timeout_s: float = 30) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in a background thread (tests, in-process evals); yields the URL."""
    import threading

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
