"""Batch copy jobs: one code path for the service (a background task behind ``POST /v1/copy/jobs``) and the
command line (``shopassist copy``). Items are claimed from the job store, written by the same ``Copywriter``
as ``POST /v1/copy``, and completed atomically with their draft; ``concurrency`` workers run at once (vLLM
batches many; the embedded model serves one or two), each through the generation gate when there is one, so a
batch never takes every slot from live chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.copywriter.service import CopyError, CopyOptions, Copywriter
from app.llm.gate import GenerationBusyError, GenerationGate
from app.store.copy_jobs import CopyJobStore, JobItem, JobProgress

log = logging.getLogger(__name__)

Progress = Callable[[JobProgress], None]


class JobSelectionError(ValueError):
    """The job would cover no product (unknown category, unknown ids)."""


@dataclass(frozen=True)
class JobRequest:
    product_ids: list[str] | None
    category: str | None
    options: CopyOptions
    limit: int | None = None


class CopyJobRunner:
    def __init__(
        self, copywriter: Copywriter, store: CopyJobStore, concurrency: int, gate: GenerationGate | None = None
    ) -> None:
        self.copywriter = copywriter
        self.store = store
        self.concurrency = max(1, concurrency)
        self.gate = gate
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(self, request: JobRequest, author: str) -> str:
        """Create a job over the given products, or every product under a category (sorted by id)."""
        catalog = self.copywriter.catalog
        if request.product_ids is not None:
            known = catalog.get_many(request.product_ids)
            missing = [p for p in request.product_ids if p not in known]
            if missing:
                raise JobSelectionError(f"unknown product ids: {', '.join(missing[:10])}")
            ids = list(request.product_ids)
        else:
            ids = catalog.ids(request.category)
            if not ids:
                raise JobSelectionError(f"no product under the category {request.category!r}")
        if request.limit is not None:
            ids = ids[: request.limit]
        options = {
            "tone": request.options.tone,
            "length": request.options.length,
            "language": request.options.language,
            "category": request.category,
        }
        job_id = self.store.create(ids, options, author)
        if self._wake is not None and self._loop is not None:  # submit runs in a worker thread
            self._loop.call_soon_threadsafe(self._wake.set)
        return job_id

    async def _write(self, item: JobItem) -> None:
        options = CopyOptions(
            tone=item.options.get("tone", "neutral"),
            length=item.options.get("length", "medium"),
            language=item.options.get("language", "en"),
        )
        try:
            while True:
                try:
                    async with self.gate.slot() if self.gate is not None else contextlib.nullcontext():
                        written = await self.copywriter.write(item.product_id, None, options)
                    break
                except GenerationBusyError:  # live traffic has every slot: wait, the item stays claimed
                    await asyncio.sleep(1.0)
        except CopyError as exc:  # e.g. the product was deleted since the job was created
            await asyncio.to_thread(self.store.fail, item, self.worker, str(exc))
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the LLM backend failed: another attempt later, up to max_attempts
            log.warning("copy job %s: %s failed: %s", item.job_id, item.product_id, type(exc).__name__)
            await asyncio.to_thread(self.store.fail, item, self.worker, f"{type(exc).__name__}: {exc}")
            return
        await asyncio.to_thread(self.store.complete, item, self.worker, written.product_id, written.data)

    async def _work(self, job_id: str | None, on_item: Callable[[JobItem], None] | None) -> None:
        while True:
            item = await asyncio.to_thread(self.store.claim, self.worker, job_id)
            if item is None:
                return
            await self._write(item)
            if on_item is not None:
                on_item(item)

    async def run(self, job_id: str, progress: Progress | None = None) -> JobProgress:
        """Work on one job until nothing is left to claim (the command line); returns its final progress."""

        def report(_: JobItem) -> None:
            if progress is not None:
                current = self.store.progress(job_id)
                if current is not None:
                    progress(current)

        await asyncio.gather(*(self._work(job_id, report) for _ in range(self.concurrency)))
        final = self.store.progress(job_id)
        assert final is not None
        return final

    async def serve(self, idle_poll_s: float = 5.0) -> None:
        """The service's background task: work on every unfinished job, then wait for new ones."""
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        while True:
            while self.copywriter.llm.state != "ready":  # starting (or failed: /readyz says so): keep every item
                await asyncio.sleep(1.0)
            self._wake.clear()  # a job submitted while the workers run sets it again: no wait then
            await asyncio.gather(*(self._work(None, None) for _ in range(self.concurrency)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle_poll_s)
