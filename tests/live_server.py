"""Run an ASGI app on a real uvicorn server on 127.0.0.1 in a background thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from eval.serving import serve_in_thread


@dataclass
class LiveServer:
    url: str
    app: Any

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(base_url=self.url, **kwargs)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        with self.client() as client:
            while time.monotonic() < deadline:
                last = client.get("/readyz")
                if last.status_code == 200:
                    return
                time.sleep(0.2)
        raise AssertionError(f"server not ready after {timeout}s: {last.text if last else 'no answer'}")


@contextmanager
def serve_app(app: Any) -> Iterator[LiveServer]:
    with serve_in_thread(app) as url:
        yield LiveServer(url=url, app=app)
