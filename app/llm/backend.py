"""LLM backends: where the one OpenAI-compatible client sends its requests.

``EmbeddedBackend`` starts llama.cpp's HTTP server (xllamacpp) inside this process on 127.0.0.1 with a
random port and a random key; ``OpenAIBackend`` points at vLLM or any OpenAI-compatible URL. Both are used
through the same HTTP client, so tests of the embedded server exercise the production code path.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx

from app.config import LLMSettings
from app.llm.models import SHIPPED_MODELS, ShippedModel, locate, sha256_of

log = logging.getLogger(__name__)


class LLMBackend(Protocol):
    """An OpenAI-compatible chat-completions endpoint that this process can use."""

    name: str
    sends_text_out: bool  # prompts leave this process (a remote server): personal data is redacted first

    @property
    def base_url(self) -> str: ...

    @property
    def api_key(self) -> str: ...

    @property
    def model_name(self) -> str: ...

    def start(self) -> None:
        """Make the endpoint usable (may take seconds: model load)."""

    def close(self) -> None:
        """Release what ``start`` acquired."""

    def describe(self) -> dict[str, Any]:
        """Backend facts for ``/v1/capabilities`` (no secrets)."""

    def warmup_request_extras(self) -> list[dict[str, Any]]:
        """One entry per warm-up request: extra body fields (e.g. the slot to fill)."""

    async def avoid_fields(self, words: Sequence[str]) -> dict[str, Any]:
        """Request fields that keep these words out of the output while decoding (this server's own way)."""


class EmbeddedBackend:
    """llama.cpp's server in-process: parallel slots, continuous batching, prompt-prefix cache."""

    name = "embedded"
    sends_text_out = False

    def __init__(self, settings: LLMSettings) -> None:
        self._settings = settings
        self._model: ShippedModel | None = None if settings.model_path else SHIPPED_MODELS[settings.model]
        self._model_path: Path | None = settings.model_path
        self._sha256: str | None = None
        self._api_key = secrets.token_urlsafe(24)
        self._server: Any = None
        self._base_url: str | None = None
        self._lock = threading.Lock()
        self._avoid_cache: dict[tuple[str, ...], dict[str, int]] = {}

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the embedded LLM server is not started")
        return self._base_url

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def model_name(self) -> str:
        return self._model.key if self._model else (self._model_path.name if self._model_path else "model")

    def resolve_model_path(self) -> Path:
        """The GGUF to serve: a shipped model (joined and verified once) or ``llm.model_path``."""
        if self._model is not None:
            self._model_path = locate(self._model, self._settings.models_dir)
            self._sha256 = self._model.sha256
        elif self._model_path is not None and self._sha256 is None:
            if not self._model_path.is_file():
                raise FileNotFoundError(f"SHOPASSIST_LLM__MODEL_PATH {self._model_path} is not a file")
            self._sha256 = sha256_of([self._model_path])
        assert self._model_path is not None
        return self._model_path

    def start(self) -> None:
        import xllamacpp  # heavy native module: imported only when the server starts

        with self._lock:
            if self._server is not None:
                return
            path = self.resolve_model_path()
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.model_alias = {self.model_name}
            params.hostnames = ["127.0.0.1"]
            params.port = 0
            params.api_keys = [self._api_key]
            params.n_ctx = self._settings.ctx_size
            params.n_parallel = self._settings.parallel
            params.cont_batching = True
            params.cache_prompt = True
            params.cache_ram_mib = self._settings.cache_ram_mib
            params.cpuparams.n_threads = self._settings.threads
            params.cpuparams_batch.n_threads = self._settings.threads
            params.verbosity = -1  # llama.cpp's own log would otherwise go to stderr unstructured
            self._server = xllamacpp.Server(params)
            self._base_url = f"{self._server.listening_address}/v1"
            # which SIMD the llama.cpp build uses: the portable wheel stops at AVX2 (make llm-native)
            info = xllamacpp.get_system_info().split(":", 1)[-1]
            cpu = " ".join(f.split("=")[0].strip() for f in info.split("|") if f.strip().endswith("= 1"))
            log.info("embedded LLM server started", extra={"model": self.model_name, "path": str(path), "cpu": cpu})

    def close(self) -> None:
        with self._lock:
            # xllamacpp has no stop(): dropping the last reference stops its main loop and threads.
            self._server = None
            self._base_url = None

    def warmup_request_extras(self) -> list[dict[str, Any]]:
        # llama.cpp keeps one KV cache per slot and does not fill a fresh slot from another's prefix:
        # warm every slot, or the first concurrent request on a cold slot stalls the batch for seconds.
        return [{"id_slot": slot} for slot in range(self._settings.parallel)]

    async def avoid_fields(self, words: Sequence[str]) -> dict[str, Any]:
        """llama.cpp has no ``bad_words``: each word (with and without a leading space and capital) that is one
        token of the model's vocabulary gets a -100 logit bias (a word of several tokens is left alone: biasing
        its pieces would ban other words). Tokenized once per word list by the server's ``/tokenize``."""
        key = tuple(words)
        if key not in self._avoid_cache:
            variants = sorted({v for w in words for v in (w, w.capitalize(), f" {w}", f" {w.capitalize()}")})
            root = self.base_url.removesuffix("/v1")
            headers = {"Authorization": f"Bearer {self._api_key}"}
            single: dict[str, int] = {}
            async with httpx.AsyncClient(timeout=10) as client:
                for variant in variants:
                    response = await client.post(f"{root}/tokenize", json={"content": variant}, headers=headers)
                    tokens = response.json().get("tokens", []) if response.status_code == 200 else []
                    if len(tokens) == 1:
                        single[str(tokens[0])] = -100
            self._avoid_cache[key] = single
        return {"logit_bias": self._avoid_cache[key]} if self._avoid_cache[key] else {}

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model_name,
            "model_description": self._model.description if self._model else "custom GGUF",
            "model_path": str(self._model_path) if self._model_path else None,
            "model_sha256": self._sha256 or (self._model.sha256 if self._model else None),
            "threads": self._settings.threads,
            "parallel_slots": self._settings.parallel,
            "ctx_size": self._settings.ctx_size,
            "runtime": "llama.cpp (xllamacpp)",
        }


class OpenAIBackend:
    """Any OpenAI-compatible server: vLLM (production), another llama.cpp server, a hosted API."""

    name = "openai"
    sends_text_out = True

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.base_url:
            raise ValueError("SHOPASSIST_LLM__BASE_URL is required for the openai backend")
        self._settings = settings
        self._base_url = settings.base_url.rstrip("/")

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def api_key(self) -> str:
        key = self._settings.api_key
        return key.get_secret_value() if key else "unused"

    @property
    def model_name(self) -> str:
        return self._settings.served_model

    def start(self) -> None:
        """Nothing to start: the remote server runs on its own."""

    def close(self) -> None:
        """Nothing to release."""

    def warmup_request_extras(self) -> list[dict[str, Any]]:
        return [{}]  # vLLM shares its prefix cache across requests: one warm-up is enough

    async def avoid_fields(self, words: Sequence[str]) -> dict[str, Any]:
        """vLLM's ``bad_words`` (each word and its capitalised form)."""
        return {"extra_body": {"bad_words": sorted({v for w in words for v in (w, w.capitalize())})}}

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "base_url": self._base_url, "model": self.model_name}


def backend_from_settings(settings: LLMSettings) -> LLMBackend:
    if settings.backend == "openai":
        return OpenAIBackend(settings)
    return EmbeddedBackend(settings)
