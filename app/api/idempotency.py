"""``Idempotency-Key`` on write routes: the first response to a key is stored and replayed to retries for 24 h
(the same key with a different body is refused; a retry while the first is running gets 409)."""

from __future__ import annotations

import hashlib
import re

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.limits import header, send_error
from app.store.idempotency import IdempotencyStore, StoredResponse

WRITE_PATHS = re.compile(r"^/v1/(events|catalog/ingest|copy/jobs|copy/drafts/[^/]+/approve|carts|carts/[^/]+/lines)$")
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST" or not WRITE_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            await send_error(
                scope, receive, send, 422, "validation_error", "Idempotency-Key must be 1-200 visible ASCII characters"
            )
            return
        caller = hashlib.sha256((header(scope, b"authorization") or "").encode()).hexdigest()[:16]
        claim = f"{caller}:{scope['path']}:{key}"
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        request_hash = hashlib.sha256(body).hexdigest()
        stored = await run_in_threadpool(self.store.get, claim)
        if stored is None and not await run_in_threadpool(self.store.begin, claim, request_hash):
            stored = await run_in_threadpool(self.store.get, claim)
        if stored is not None:
            await self._replay(stored, request_hash, scope, receive, send)
            return
        await self._first(scope, body, claim, request_hash, receive, send)

    async def _replay(
        self, stored: StoredResponse, request_hash: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if stored.request_hash != request_hash:
            message = "this Idempotency-Key was used with a different request"
            await send_error(scope, receive, send, 422, "validation_error", message)
        elif stored.status == 0:
            message = "a request with this Idempotency-Key is still running"
            await send_error(scope, receive, send, 409, "conflict", message, 1)
        else:
            headers = [(b"content-type", stored.content_type.encode()), (b"idempotent-replayed", b"true")]
            await send({"type": "http.response.start", "status": stored.status, "headers": headers})
            await send({"type": "http.response.body", "body": stored.body})

    async def _first(
        self, scope: Scope, body: bytes, claim: str, request_hash: str, receive: Receive, send: Send
    ) -> None:
        delivered = False
        status = 0
        content_type = "application/json"
        parts: list[bytes] = []

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        settled = False

        async def settle() -> None:
            nonlocal settled
            settled = True
            if 0 < status < 500:
                await run_in_threadpool(self.store.finish, claim, request_hash, status, content_type, b"".join(parts))
            else:  # server errors are not remembered: a retry runs again
                await run_in_threadpool(self.store.release, claim)

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await settle()  # stored before the client has the answer: its retry finds it
            await send(message)

        try:
            await self.app(scope, replay, capture)
        except BaseException:
            if not settled:
                await run_in_threadpool(self.store.release, claim)
            raise
        if not settled:
            await settle()
