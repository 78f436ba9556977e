"""A scripted OpenAI-protocol server: a real HTTP server on 127.0.0.1 that replays fixed completions.

It is not a patch of our code: the service talks to it through its one client path (langchain-openai over
HTTP, SSE streaming, ``response_format``), exactly as it talks to vLLM. Tests give it rules — a substring of
the last user message (or of any message) and the reply to send — so routing, grounding and streaming logic
is tested in milliseconds and deterministically; the real model stays in the integration tests.

A rule's reply may also be an HTTP status (a real 5xx or 429 on the wire) to cause backend faults for real.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import SecretStr

from app.config import LLMSettings

MODEL = "scripted"
API_KEY = "scripted-key-0123456789"


@dataclass
class Rule:
    """Reply ``reply`` (or fail with ``status``) when ``match`` occurs in the chosen messages."""

    match: str
    reply: str | Callable[[dict[str, Any]], str] = ""  # a callable writes the reply from the request body
    status: int | None = None
    in_any_message: bool = False  # False: only the last user message is searched
    json_only: bool = False  # only for requests with a response_format (the constrained router)
    delay_s: float = 0.0  # before the first byte: a slow backend


@dataclass
class ScriptedLLM:
    """The server's script and what it was asked (for assertions on the prompts the service sent)."""

    url: str = ""
    default: str = "Sorry, I have nothing to add."
    rules: list[Rule] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def llm_settings(self) -> LLMSettings:
        """The service's LLM settings for this server (an ``openai`` backend, as for vLLM)."""
        return LLMSettings(backend="openai", base_url=self.base_url, api_key=SecretStr(API_KEY), served_model=MODEL)

    def say(self, match: str, reply: str | Callable[[dict[str, Any]], str], **kwargs: Any) -> Rule:
        """Add a rule in front of the others (the newest rule wins) and return it."""
        rule = Rule(match, reply, **kwargs)
        with self._lock:
            self.rules.insert(0, rule)
        return rule

    def fail(self, match: str, status: int) -> Rule:
        return self.say(match, "", status=status)

    def reset(self) -> None:
        with self._lock:
            self.rules.clear()
            self.requests.clear()

    def choose(self, body: dict[str, Any]) -> Rule:
        messages = body.get("messages") or []
        users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
        last = users[-1] if users else ""
        everything = "\n".join(str(m.get("content", "")) for m in messages)
        wants_json = "response_format" in body
        with self._lock:
            self.requests.append(body)
            for rule in self.rules:
                if rule.json_only and not wants_json:
                    continue
                if rule.match.lower() in (everything if rule.in_any_message else last).lower():
                    return rule
        return Rule("", self.default)

    def prompts(self) -> list[str]:
        """Every request's messages joined, oldest first."""
        with self._lock:
            return ["\n".join(str(m.get("content", "")) for m in r.get("messages", [])) for r in self.requests]


_PIECE = re.compile(r"\S+\s*|\s+")


def _pieces(text: str) -> list[str]:
    """Word-sized stream pieces (a model's tokens are smaller; the gate must not depend on piece size)."""
    return _PIECE.findall(text) or [""]


def _handler(script: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures
            return

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {API_KEY}":
                return True
            self._send_json(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            if self.path.rstrip("/") == "/v1/models":
                self._send_json(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
            else:
                self._send_json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self._authorised():
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send_json(404, {"error": {"message": "not found"}})
                return
            rule = script.choose(body)
            if rule.delay_s:
                time.sleep(rule.delay_s)
            if rule.status is not None:
                self._send_json(rule.status, {"error": {"message": f"scripted {rule.status}", "type": "server"}})
                return
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
            pieces = _pieces(rule.reply(body) if callable(rule.reply) else rule.reply)
            limit = body.get("max_completion_tokens") or body.get("max_tokens")
            finish = "stop"
            if isinstance(limit, int) and len(pieces) > limit:
                pieces, finish = pieces[:limit], "length"
            usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces)}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            created = int(time.time())
            if not body.get("stream"):
                self._send_json(
                    200,
                    {
                        "id": "chatcmpl-scripted",
                        "object": "chat.completion",
                        "created": created,
                        "model": MODEL,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": "".join(pieces)},
                                "finish_reason": finish,
                            }
                        ],
                        "usage": usage,
                    },
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for events in self._chunks(pieces, finish, created, usage, body):
                try:
                    self.wfile.write(f"data: {json.dumps(events)}\n\n".encode())
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading
                    return
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _chunks(
            self, pieces: list[str], finish: str, created: int, usage: dict[str, int], body: dict[str, Any]
        ) -> Iterator[dict[str, Any]]:
            base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": created, "model": MODEL}
            yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
            for piece in pieces:
                yield {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
            if (body.get("stream_options") or {}).get("include_usage"):
                yield {**base, "choices": [], "usage": usage}

    return Handler


@contextmanager
def serve_scripted(script: ScriptedLLM | None = None) -> Iterator[ScriptedLLM]:
    """Serve ``script`` on a free port of 127.0.0.1 until the block ends."""
    script = script or ScriptedLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    server.daemon_threads = True
    script.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="scripted-llm", daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
