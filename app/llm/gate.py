"""A bounded queue in front of generation: at most N turns generate at once, at most Q wait, nobody waits
forever. Excess load is refused at once (the caller answers 503 with ``Retry-After``) instead of piling up
requests the LLM cannot serve (OWASP LLM10: unbounded consumption)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class GenerationBusyError(RuntimeError):
    """No generation slot now; ``retry_after_s`` is a fair hint for the client."""

    def __init__(self, reason: str, retry_after_s: int) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class GenerationGate:
    def __init__(self, concurrent: int, queue: int, wait_s: float) -> None:
        self.concurrent = concurrent
        self.queue = queue
        self.wait_s = wait_s
        self._semaphore: asyncio.Semaphore | None = None
        self._admitted = 0  # generating or waiting; counted before any await, so a burst cannot slip past
        self.active = 0

    def full(self) -> bool:
        """Every slot busy and the queue full: a new turn would be refused."""
        return self._admitted >= self.concurrent + self.queue

    def refuse_if_full(self) -> None:
        """Raise now when a new turn would be refused (before a streaming response has started)."""
        if self.full():
            raise GenerationBusyError("the assistant is at capacity; please retry shortly", 2)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._semaphore is None:  # created on first use, inside the serving event loop
            self._semaphore = asyncio.Semaphore(self.concurrent)
        semaphore = self._semaphore
        self.refuse_if_full()
        self._admitted += 1
        try:
            try:
                await asyncio.wait_for(semaphore.acquire(), timeout=self.wait_s)
            except TimeoutError:
                raise GenerationBusyError("the assistant is busy; please retry shortly", 5) from None
            self.active += 1
            try:
                yield
            finally:
                self.active -= 1
                semaphore.release()
        finally:
            self._admitted -= 1
