"""Request limits: token-bucket rate limits per client IP (here, before any work) and per API key or customer
(``deps.get_principal``), and a cap on request body size. Refusals use the JSON error envelope with
``Retry-After``."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import envelope
from app.config import LimitsSettings

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UPLOAD_PATHS = frozenset({"/v1/catalog/ingest"})


class RateLimiter:
    """Token buckets by key (LRU-bounded, so a flood of new IPs cannot grow memory without bound)."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until a token is available."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value (``name`` in lower case), or None."""
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_error(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    code: str,
    message: str,
    retry_after: float | None = None,
) -> None:
    """The API's error envelope (``app.api.errors.envelope``) sent from ASGI middleware."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else None
    await envelope(status, code, message, headers=headers)(scope, receive, send)


class LimitsMiddleware:
    """Per-IP rate limit and body-size cap, as pure ASGI (streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp, settings: LimitsSettings) -> None:
        self.app = app
        self.settings = settings
        self.per_ip = RateLimiter(settings.per_ip_rps, settings.per_ip_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.per_ip.take(client[0] if client else "unknown")
        if wait > 0:
            await send_error(scope, receive, send, 429, "rate_limited", "too many requests from this address", wait)
            return
        limit = self.settings.max_upload_bytes if scope["path"] in UPLOAD_PATHS else self.settings.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_error(
                scope, receive, send, 413, "payload_too_large", f"request body is larger than {limit} bytes"
            )
            return
        await _with_body_cap(self.app, scope, receive, send, limit)


def _content_length(scope: Scope) -> int | None:
    value = header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _with_body_cap(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run the app; if a (chunked) body grows past the limit, the app sees the client disconnect and the
    client gets 413 instead of whatever the app would have answered."""
    seen = 0
    too_large = False
    replaced = False

    async def capped_receive() -> Message:
        nonlocal seen, too_large
        if too_large:
            return {"type": "http.disconnect"}
        message: dict[str, Any] = dict(await receive())
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                too_large = True
                return {"type": "http.disconnect"}
        return message

    async def capped_send(message: Message) -> None:
        nonlocal replaced
        if not too_large:
            await send(message)
        elif not replaced and message["type"] == "http.response.start":
            replaced = True
            await send_error(
                scope, receive, send, 413, "payload_too_large", f"request body is larger than {limit} bytes"
            )

    await app(scope, capped_receive, capped_send)
    if too_large and not replaced:
        await send_error(scope, receive, send, 413, "payload_too_large", f"request body is larger than {limit} bytes")
