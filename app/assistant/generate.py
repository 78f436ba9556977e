"""The LLM's part of a turn: stream the reply through the id guard and the sentence gate (each sentence is
released only once its ids, amounts and product claims are checked), stop on an instruction leak, and fall
back to a reply built from the data when nothing useful is left or the backend fails."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage

from app.assistant.grounding import ClaimScope, GroundingData, IdStreamGuard, SentenceGate, check, repair
from app.guard.claims import Claim, ClaimChecker
from app.guard.output import LeakDetector
from app.llm.service import LLMService
from app.observability import Metrics

log = logging.getLogger(__name__)

_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +([.,;:!?])")


@dataclass
class Generated:
    """What came out of the model, after the checks."""

    reply: str = ""
    pieces_sent: bool = False  # some text already reached the customer
    ttft_s: float | None = None
    dropped_ids: list[str] = field(default_factory=list)
    unsupported_amounts: list[float] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # every claim checked
    cut: list[Claim] = field(default_factory=list)  # unsupported claims whose sentences were withheld
    repaired: bool = False
    failed: bool = False  # the backend failed or timed out
    leaked: bool = False


class Generator:
    def __init__(
        self, llm: LLMService, leak_detector: LeakDetector, metrics: Metrics, first_token_timeout_s: float
    ) -> None:
        self.llm = llm
        self.leak_detector = leak_detector
        self.metrics = metrics
        self.first_token_timeout_s = first_token_timeout_s

    def leaks(self, text: str) -> bool:
        try:
            leaks = self.leak_detector.leaks(text)
        except Exception:
            log.exception("output guard failed; withholding the reply")
            self.metrics.guard_decisions.labels("output_leak", "error").inc()
            return True
        if leaks:
            self.metrics.guard_decisions.labels("output_leak", "blocked").inc()
        return leaks

    async def stream(
        self,
        messages: list[BaseMessage],
        data: GroundingData,
        checker: ClaimChecker,
        out: Generated,
        started: float,
        max_tokens: int,
        question: str = "",
    ) -> AsyncIterator[str]:
        """Yields the checked text as it is released; ``out`` holds the outcome when the stream ends."""
        guard = IdStreamGuard(data)
        scope = ClaimScope(data, checker, question)
        gate = SentenceGate(data, scope)
        pieces: list[str] = []
        try:
            async for piece in _first_within(
                self.llm.stream(messages, max_tokens=max_tokens), self.first_token_timeout_s
            ):
                released = gate.feed(guard.feed(piece))
                if released and self.leaks("".join(pieces) + released):
                    out.leaked = True  # stop before the words that complete a copy of the instructions go out
                    break
                if released:
                    if out.ttft_s is None:
                        out.ttft_s = time.perf_counter() - started
                    pieces.append(released)
                    yield released
            tail = "" if out.leaked else gate.feed(guard.finish()) + gate.finish()
            if tail and self.leaks("".join(pieces) + tail):
                out.leaked, tail = True, ""
            if tail:
                if out.ttft_s is None:  # a one-sentence reply goes out whole at the end
                    out.ttft_s = time.perf_counter() - started
                pieces.append(tail)
                yield tail
        except Exception as exc:  # backend down or timed out: the caller answers from the retrieved data
            log.warning(
                "LLM failed during a chat turn; answering from data",
                extra={"error": type(exc).__name__, "detail": str(exc)[:200]},  # the PII filter redacts it
            )
            self.metrics.chat_degraded.inc()
            out.failed, out.pieces_sent = True, bool(pieces)
            return
        out.pieces_sent = bool(pieces)
        out.dropped_ids = list(guard.dropped)
        out.claims, out.cut = scope.report.claims, gate.cut
        reply = tidy("".join(pieces))
        report = check(reply, data)
        if guard.dropped or not report.ok or gate.dropped_sentences or gate.recited:
            out.repaired = True
            self.metrics.chat_repairs.inc()
        if not report.ok:
            out.dropped_ids = list(dict.fromkeys([*out.dropped_ids, *report.invalid_ids]))
            out.unsupported_amounts = report.unsupported_amounts
            reply = repair(reply, data)
        self.metrics.chat_claims.labels("checked").inc(len(out.claims))
        self.metrics.chat_claims.labels("cut").inc(len(out.cut))
        out.reply = "" if out.leaked else reply


async def _first_within(stream: AsyncIterator[str], timeout_s: float) -> AsyncIterator[str]:
    """The stream, but its first piece must come within ``timeout_s`` (a slow backend degrades the turn instead
    of keeping the customer waiting for the whole LLM timeout)."""
    iterator = aiter(stream)
    try:
        first = await asyncio.wait_for(anext(iterator), timeout_s)
    except StopAsyncIteration:
        return
    except TimeoutError:
        await _close(iterator)
        raise
    yield first
    async for piece in iterator:
        yield piece


async def _close(iterator: AsyncIterator[str]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def tidy(text: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip()
