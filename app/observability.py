"""Structured logging and Prometheus metrics shared by every layer of the service.

Logs are one JSON object per line with a request id; they never contain request or response bodies,
query strings or prompts (those can hold personal data).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id and ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", fmt: str = "json", filters: Sequence[logging.Filter] = ()) -> None:
    """Send shopassist's and uvicorn's logs to stderr in one format (idempotent); ``filters`` see every record
    first (the entry points pass the PII redactor)."""
    handler = logging.StreamHandler(sys.stderr)
    for record_filter in filters:
        handler.addFilter(record_filter)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # uvicorn's own access log would repeat ours with the query string (which may hold personal data).
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app instance)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "shopassist_http_requests_total",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "shopassist_http_request_duration_seconds",
            "HTTP request latency by route template (until the response starts)",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.llm_requests = Counter(
            "shopassist_llm_requests_total",
            "LLM requests by kind (complete, stream) and outcome (ok, error, circuit_open)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.llm_tokens = Counter(
            "shopassist_llm_tokens_total",
            "LLM tokens by direction (prompt, completion)",
            ["direction"],
            registry=self.registry,
        )
        self.llm_ttft = Histogram(
            "shopassist_llm_time_to_first_token_seconds",
            "Time from sending a streamed LLM request to its first content token",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
            registry=self.registry,
        )
        self.chat_turns = Counter(
            "shopassist_chat_turns_total", "Chat turns by intent", ["intent"], registry=self.registry
        )
        self.chat_latency = Histogram(
            "shopassist_chat_turn_duration_seconds",
            "Whole chat turn, retrieval to stored reply",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
            registry=self.registry,
        )
        self.chat_repairs = Counter(
            "shopassist_chat_repairs_total",
            "Replies changed by the grounding check (unknown ids or amounts removed, or replaced)",
            registry=self.registry,
        )
        self.chat_claims = Counter(
            "shopassist_chat_claims_total",
            "Product claims in chat replies: checked, and cut (withheld as the data does not support them)",
            ["outcome"],
            registry=self.registry,
        )
        self.chat_degraded = Counter(
            "shopassist_chat_degraded_total",
            "Chat replies built from data because the LLM failed",
            registry=self.registry,
        )
        self.chat_handoffs = Counter(
            "shopassist_chat_handoffs_total", "Conversations handed to a person (tickets)", registry=self.registry
        )
        self.llm_latency = Histogram(
            "shopassist_llm_request_duration_seconds",
            "Whole LLM request duration",
            buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
            registry=self.registry,
        )
        self.router_tiebreaks = Counter(
            "shopassist_router_llm_total",
            "Turns the shop's data left undecided, routed by the LLM: the kind it chose (or error)",
            ["chose"],
            registry=self.registry,
        )
        self.guard_decisions = Counter(
            "shopassist_guard_decisions_total",
            "Guard outcomes by guard (input, output_leak) and outcome (pass, blocked, error)",
            ["guard", "outcome"],
            registry=self.registry,
        )
        self.ad_impressions = Counter(
            "shopassist_ad_impressions_total",
            "Sponsored products shown, by surface",
            ["surface"],
            registry=self.registry,
        )
        self.ad_clicks = Counter(
            "shopassist_ad_clicks_total", "Clicks on sponsored products (each impression once)", registry=self.registry
        )
        self.ad_spend = Counter(
            "shopassist_ad_spend_total", "Money charged for clicks, in the shop's currency", registry=self.registry
        )
        self.component_ready = Gauge(
            "shopassist_component_ready",
            "1 when a component (llm, database, ...) is usable, else 0",
            ["component"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
