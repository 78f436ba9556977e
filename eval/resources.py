"""Process resource readings for benchmarks (Linux /proc)."""

from __future__ import annotations

from pathlib import Path


def _status_field(pid: int | str, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def peak_rss_mib(pid: int | str = "self") -> float:
    """Peak resident set size (VmHWM) of a process, in MiB."""
    return _status_field(pid, "VmHWM")


def rss_mib(pid: int | str = "self") -> float:
    """Current resident set size (VmRSS) of a process, in MiB."""
    return _status_field(pid, "VmRSS")
