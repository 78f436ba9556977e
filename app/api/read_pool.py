"""The threads that run the catalog's blocking read routes (search, browse, products, recommendations).

Their work is Python holding the GIL for most of a request, so more threads than one add no throughput: they
only hand the GIL back and forth, and each hand-off costs the request that gives it up. Measured on the demo
store with 1,000 campaigns and four clients (docs/benchmarks.md): one thread against anyio's default 40 served
personalised searches with ads at 313 against 278 requests/s, p99 21 against 35 ms. A remote Qdrant, whose calls
wait on the network, wants more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


class ReadPool:
    def __init__(self, threads: int) -> None:
        self._limiter = anyio.CapacityLimiter(threads)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` on one of the pool's threads, once one is free."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=self._limiter)
