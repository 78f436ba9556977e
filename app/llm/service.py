"""The one LLM client path: LangChain ``ChatOpenAI`` against whichever backend the settings chose.

The service starts its backend in a background thread (model join, load and system-prompt warm-up take
seconds), reports its state to ``/readyz``, and records tokens, latency and time-to-first-token.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import openai
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from app.config import LLMSettings
from app.llm.backend import LLMBackend, backend_from_settings
from app.llm.breaker import CircuitBreaker, CircuitOpenError
from app.observability import Metrics

log = logging.getLogger(__name__)

State = Literal["stopped", "starting", "ready", "failed"]


class LLMUnavailableError(RuntimeError):
    """The LLM backend is not (yet) usable."""


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class LLMService:
    def __init__(self, settings: LLMSettings, metrics: Metrics, backend: LLMBackend | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.backend = backend or backend_from_settings(settings)
        self.state: State = "stopped"
        self.error: str | None = None
        self._chat: ChatOpenAI | None = None
        # an async connection pool is bound to the event loop that opened its connections: each loop gets its own
        # client (a second asyncio.run otherwise fails on the first's pooled connection: "Event loop is closed")
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatOpenAI] = weakref.WeakKeyDictionary()
        self._per_loop_lock = threading.Lock()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s)

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self, warmup_system_prompt: str | None = None) -> None:
        """Start the backend and warm the system prompt; blocking. Failures are kept in ``error``."""
        self.state = "starting"
        try:
            self.backend.start()
            self._chat = self._build_chat()
            if warmup_system_prompt and self.settings.warmup:
                self.warm(warmup_system_prompt)
        except Exception as exc:  # the service keeps running and reports the failure in /readyz
            self.state = "failed"
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("LLM backend failed to start", extra={"backend": self.backend.name})
            return
        finally:
            self._ready.set()
        self.state = "ready"
        log.info("LLM backend ready", extra={"backend": self.backend.name, "model": self.backend.model_name})

    def start_in_background(self, warmup_system_prompt: str | None = None) -> None:
        self._ready.clear()
        self.state = "starting"
        self._thread = threading.Thread(target=self.start, args=(warmup_system_prompt,), name="llm-start", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for the start to finish; True when the backend is usable."""
        self._ready.wait(timeout)
        return self.state == "ready"

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=60)
        self._chat = None
        with self._per_loop_lock:
            self._per_loop.clear()
        self.backend.close()
        self.state = "stopped"

    def _build_chat(self) -> ChatOpenAI:
        # Connection pools of this service only: langchain-openai otherwise shares one cached pool per base URL
        # across every client in the process, and an async pool is bound to the event loop that first used it.
        return ChatOpenAI(
            http_client=openai.DefaultHttpxClient(),
            http_async_client=openai.DefaultAsyncHttpxClient(),
            base_url=self.backend.base_url,
            api_key=self.backend.api_key,
            model=self.backend.model_name,
            temperature=self.settings.temperature,
            max_completion_tokens=self.settings.max_tokens,
            timeout=self.settings.timeout_s,
            max_retries=self.settings.max_retries,
            stream_usage=True,
        )

    def warm(self, system_prompt: str) -> None:
        """Prefill the system prompt so later requests reuse its KV cache (prefix cache)."""
        started = time.perf_counter()
        assert self._chat is not None
        extras = self.backend.warmup_request_extras()
        for extra in extras:
            self._chat.invoke(
                [SystemMessage(system_prompt), HumanMessage("Hello")],
                max_completion_tokens=1,
                temperature=0,
                extra_body=extra or None,
            )
        log.info(
            "LLM system prompt warmed",
            extra={"seconds": round(time.perf_counter() - started, 2), "requests": len(extras)},
        )

    # ---- use -------------------------------------------------------------------------------------
    @property
    def chat_model(self) -> ChatOpenAI:
        """The LangChain chat model (a ``BaseChatModel``) for chains that want it directly: inside an event loop,
        one whose async connection pool belongs to that loop."""
        if self.state != "ready" or self._chat is None:
            raise LLMUnavailableError(f"LLM backend is {self.state}" + (f": {self.error}" if self.error else ""))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a synchronous caller: the sync pool is shared by every thread
            return self._chat
        with self._per_loop_lock:
            chat = self._per_loop.get(loop)
            if chat is None:
                chat = self._per_loop[loop] = self._build_chat()
        return chat

    def _bound(
        self,
        max_tokens: int | None,
        temperature: float | None,
        stop: list[str] | None,
        avoiding: dict[str, Any] | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = dict(avoiding or {})
        if max_tokens is not None:
            kwargs["max_completion_tokens"] = max_tokens
        if temperature is not None:
            kwargs["temperature"] = temperature
        if stop:
            kwargs["stop"] = stop
        return self.chat_model.bind(**kwargs) if kwargs else self.chat_model

    async def complete(
        self,
        messages: Sequence[BaseMessage],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: list[str] | None = None,
        avoid_words: Sequence[str] = (),
        json_schema: dict[str, Any] | None = None,
    ) -> Completion:
        """One completion; ``avoid_words`` are suppressed while decoding (not merely filtered afterwards);
        ``json_schema`` constrains the output to JSON of that schema (llama.cpp grammar, vLLM guided decoding)."""
        self._admit("complete")
        try:
            avoiding = await self.backend.avoid_fields(avoid_words) if avoid_words else None
            if json_schema is not None:  # the OpenAI field both servers read, beside langchain's own handling
                avoiding = dict(avoiding or {})
                fmt = {"type": "json_schema", "json_schema": {"name": "answer", "schema": json_schema}}
                avoiding["extra_body"] = {**avoiding.get("extra_body", {}), "response_format": fmt}
            model = self._bound(max_tokens, temperature, stop, avoiding)
            started = time.perf_counter()
            message = await model.ainvoke(list(messages))
        except Exception as exc:
            self._count_failure(exc)
            self.metrics.llm_requests.labels("complete", "error").inc()
            raise
        self.breaker.succeeded()
        seconds = time.perf_counter() - started
        usage = getattr(message, "usage_metadata", None) or {}
        completion = Completion(
            text=str(message.content),
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
            seconds=seconds,
        )
        self._record("complete", completion)
        return completion

    async def stream(
        self,
        messages: Sequence[BaseMessage],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield content pieces as the model produces them."""
        self._admit("stream")
        model = self._bound(max_tokens, temperature, stop)
        started = time.perf_counter()
        first: float | None = None
        prompt_tokens = completion_tokens = 0
        pieces: list[str] = []
        try:
            async for chunk in model.astream(list(messages)):
                usage = getattr(chunk, "usage_metadata", None)
                if usage:
                    prompt_tokens = int(usage.get("input_tokens", 0))
                    completion_tokens = int(usage.get("output_tokens", 0))
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    if first is None:
                        first = time.perf_counter() - started
                        self.metrics.llm_ttft.observe(first)
                    pieces.append(text)
                    yield text
        except GeneratorExit:  # the caller stopped reading (client gone, guard cut it off): not a backend fault
            self.breaker.succeeded()
            raise
        except Exception as exc:
            self._count_failure(exc)
            self.metrics.llm_requests.labels("stream", "error").inc()
            raise
        self.breaker.succeeded()
        self._record(
            "stream",
            Completion("".join(pieces), prompt_tokens, completion_tokens, time.perf_counter() - started),
        )

    def _admit(self, kind: str) -> None:
        """Fail at once while the circuit is open (the caller answers from data or returns 503)."""
        try:
            self.breaker.before()
        except CircuitOpenError as exc:
            self.metrics.llm_requests.labels(kind, "circuit_open").inc()
            raise LLMUnavailableError(str(exc)) from exc

    def _count_failure(self, exc: Exception) -> None:
        """Outages (no connection, timeouts, 5xx) count towards opening the circuit; a 4xx means the backend is
        up and refused this one request."""
        status = getattr(exc, "status_code", None)
        if isinstance(status, int) and status < 500:
            self.breaker.succeeded()
        else:
            self.breaker.failed()

    def _record(self, kind: str, completion: Completion) -> None:
        self.metrics.llm_requests.labels(kind, "ok").inc()
        self.metrics.llm_tokens.labels("prompt").inc(completion.prompt_tokens)
        self.metrics.llm_tokens.labels("completion").inc(completion.completion_tokens)
        self.metrics.llm_latency.observe(completion.seconds)

    async def check(self) -> str | None:
        """None when the backend answers its model list now, else the reason it does not."""
        if self.state != "ready":
            return self.state + (f": {self.error}" if self.error else "")
        if self.breaker.state == "open":
            return "circuit open after repeated failures"
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                response = await client.get(
                    f"{self.backend.base_url}/models",
                    headers={"Authorization": f"Bearer {self.backend.api_key}"},
                )
        except httpx.HTTPError as exc:
            return f"unreachable: {type(exc).__name__}"
        return None if response.status_code == 200 else f"HTTP {response.status_code} from backend"

    def describe(self) -> dict[str, Any]:
        return {
            **self.backend.describe(),
            "state": self.state,
            "circuit": self.breaker.state,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "client": "langchain-openai ChatOpenAI",
        }
