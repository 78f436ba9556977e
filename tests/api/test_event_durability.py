"""Nothing acknowledged with 202 is lost when the process is killed (SIGKILL, before any training)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from app.store.database import Database
from app.store.events import EventStore
from tests.test_cli import BIN, _free_port, cli_env

pytestmark = pytest.mark.integration  # a service process killed and restarted


def test_accepted_events_survive_kill_9(tmp_path: Path) -> None:
    port = _free_port()
    env = cli_env(tmp_path, SHOPASSIST_ADMIN_API_KEY="durability-admin-key-0123456789")
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": "Bearer durability-admin-key-0123456789"}
    acknowledged: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            for batch in range(5):
                events = [
                    {"event_id": f"k-{batch}-{n}", "user_id": f"u{n % 7}", "product_id": f"P{n:04d}", "type": "view"}
                    for n in range(40)
                ]
                response = client.post("/v1/events", json={"events": events})
                assert response.status_code == 202, response.text
                acknowledged.extend(e["event_id"] for e in events)
        server.send_signal(signal.SIGKILL)  # right after the last 202
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == -signal.SIGKILL
    database = Database(f"sqlite:///{(tmp_path / 'shopassist.db').as_posix()}")
    store = EventStore(database)
    assert store.count() == len(acknowledged) == 200
    assert set(store.history("u3")) == {f"P{n:04d}" for n in range(40) if n % 7 == 3}
