"""The LLM as a constrained router, only where the shop's data left a turn to a default (``TurnIntent
.alternatives``): a JSON-schema answer of a few tokens naming one of those kinds. Its choice and its time are in
the turn's ``reasons``; a failure or a slow answer keeps the rules' default."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace

from langchain_core.messages import HumanMessage, SystemMessage

from app.assistant.intents import Intent, TurnIntent
from app.config import RoutingSettings
from app.llm.prompts import load_prompt
from app.llm.service import LLMService
from app.observability import Metrics

log = logging.getLogger(__name__)


class LLMTiebreak:
    def __init__(
        self, llm: LLMService, shop_name: str, shop_description: str, settings: RoutingSettings, metrics: Metrics
    ) -> None:
        self.llm = llm
        self.settings = settings
        self.metrics = metrics
        self.system = load_prompt("assistant_route").render(shop_name=shop_name, shop_description=shop_description)

    def decide(self, message: str, intent: TurnIntent, loop: asyncio.AbstractEventLoop) -> TurnIntent:
        """Called from the planner's worker thread; the request runs on the service's event loop."""
        candidates = [intent.intent, *intent.alternatives]
        schema = {
            "type": "object",
            "properties": {"kind": {"type": "string", "enum": [c.value for c in candidates]}},
            "required": ["kind"],
        }
        messages = [SystemMessage(self.system), HumanMessage(message)]
        started = time.perf_counter()
        request = self.llm.complete(messages, max_tokens=16, temperature=0.0, json_schema=schema)
        future = asyncio.run_coroutine_threadsafe(request, loop)
        try:
            chosen = Intent(json.loads(future.result(timeout=self.settings.llm_tiebreak_timeout_s).text)["kind"])
            if chosen not in candidates:
                raise ValueError(f"{chosen.value} was not offered")
        except Exception as exc:  # no answer in time, or not one of the kinds: the rules' default stands
            future.cancel()
            log.warning("LLM tie-break failed; keeping the rules' route", extra={"error": type(exc).__name__})
            self.metrics.router_tiebreaks.labels("error").inc()
            return replace(intent, reasons=[*intent.reasons, f"llm router failed ({type(exc).__name__})"])
        ms = (time.perf_counter() - started) * 1000
        self.metrics.router_tiebreaks.labels(chosen.value).inc()
        why = f"llm router chose {chosen.value} of {'/'.join(c.value for c in candidates)} ({ms:.0f} ms)"
        return replace(intent, intent=chosen, reasons=[why, *intent.reasons], alternatives=())
