"""The catalog's read routes share a bounded set of threads (``SHOPASSIST_LIMITS__READ_THREADS``)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from app.api.read_pool import ReadPool


@pytest.mark.parametrize("threads", [1, 3])
def test_no_more_reads_run_at_once_than_the_pool_has_threads_and_each_gets_its_own_result(threads: int) -> None:
    active, most = 0, 0
    lock = threading.Lock()

    def read(n: int) -> int:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.03)  # blocks its thread, as a read waiting on the engine would
        with lock:
            active -= 1
        return n * n

    async def main() -> list[int]:
        pool = ReadPool(threads)
        return await asyncio.gather(*[pool.run(read, n) for n in range(8)])

    started = time.perf_counter()
    assert asyncio.run(main()) == [n * n for n in range(8)]
    assert most == threads
    assert time.perf_counter() - started >= 0.03 * 8 / threads * 0.9  # queued, not dropped or run inline


def test_an_error_in_a_read_reaches_its_caller_and_frees_its_thread() -> None:
    def fails() -> None:
        raise LookupError("no such product")

    async def main() -> int:
        pool = ReadPool(1)
        with pytest.raises(LookupError):
            await pool.run(fails)
        return await asyncio.wait_for(pool.run(lambda: 7), timeout=5)

    assert asyncio.run(main()) == 7


def test_the_pool_defaults_to_one_thread_over_the_embedded_engine_and_more_over_a_qdrant_server() -> None:
    from app.config import LimitsSettings

    assert LimitsSettings().reads(remote_index=False) == 1
    assert LimitsSettings().reads(remote_index=True) > 1
    assert LimitsSettings(read_threads=4).reads(remote_index=False) == 4
