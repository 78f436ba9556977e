"""Group commit: rows that concurrent requests must have durable before they answer go in one transaction.

The first caller to find no write running becomes the leader: it takes every row queued so far (its own and those
of callers that arrived while the previous write ran) and commits them together; the others wait. Each call
returns only once its own rows are committed, and raises if their transaction failed. No thread of its own, so
nothing is left unwritten at shutdown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Row = TypeVar("Row")


@dataclass
class _Ticket:
    done: bool = False
    error: BaseException | None = None


class GroupCommit(Generic[Row]):
    def __init__(self, write: Callable[[list[Row]], None]) -> None:
        self._write = write  # one transaction for the rows given, committed on return
        self._cond = threading.Condition()
        self._queue: list[tuple[Sequence[Row], _Ticket]] = []
        self._writing = False
        self.transactions = 0  # committed, for the tests and the benchmark

    def submit(self, rows: Sequence[Row]) -> None:
        """Return once ``rows`` are committed (with whatever else was queued alongside)."""
        ticket = _Ticket()
        with self._cond:
            self._queue.append((rows, ticket))
            while self._writing and not ticket.done:
                self._cond.wait()
            if ticket.done:
                if ticket.error is not None:
                    raise ticket.error
                return
            self._writing = True
            batch, self._queue = self._queue, []
        error: BaseException | None = None
        try:
            self._write([row for queued, _ in batch for row in queued])
        except BaseException as exc:  # every caller in the batch learns its rows were not written
            error = exc
        with self._cond:
            for _, waiting in batch:
                waiting.done, waiting.error = True, error
            self._writing = False
            if error is None:
                self.transactions += 1
            self._cond.notify_all()
        if error is not None:
            raise error
