"""A circuit breaker in front of the LLM backend: after ``failures`` consecutive failed requests the circuit
opens and requests fail at once (callers answer from data) instead of each waiting out timeouts and retries;
after ``reset_s`` one trial request goes through, and its outcome closes or re-opens the circuit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitOpenError(RuntimeError):
    """The backend failed repeatedly; requests are refused until the reset time has passed."""


class CircuitBreaker:
    def __init__(self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        return "half_open" if self._clock() - self._opened_at >= self.reset_s else "open"

    def before(self) -> None:
        """Raise ``CircuitOpenError`` unless a request may go out now (one trial at a time when half open)."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return
            assert self._opened_at is not None
            wait = max(0.0, self.reset_s - (self._clock() - self._opened_at))
            raise CircuitOpenError(f"LLM backend failed {self._consecutive} times in a row; next trial in {wait:.0f} s")

    def succeeded(self) -> None:
        with self._lock:
            self._consecutive, self._opened_at, self._trial_running = 0, None, False

    def failed(self) -> None:
        with self._lock:
            self._consecutive += 1
            if self._trial_running or self._consecutive >= self.failures:
                self._opened_at = self._clock()
            self._trial_running = False
