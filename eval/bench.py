"""`make bench`: every benchmark, printed as a table of figures and same-process ratios."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

os.environ.setdefault("HF_HUB_OFFLINE", "1")

console = Console()


def _benches() -> dict[str, Callable[[], dict[str, Any]]]:
    from eval import bench_ads, bench_commerce, bench_llm, bench_recs, bench_search, bench_service

    return {
        "search-engines": bench_search.engines,
        "search-ingest": bench_search.ingest,
        "search-http": bench_search.http,
        "recs-fit": bench_recs.fit,
        "recs-http": bench_recs.http,
        "carts-http": bench_commerce.carts,
        "mcp-http": bench_commerce.mcp,
        "storefront-chromium": bench_commerce.storefront,
        "ads-http": bench_ads.http,
        "llm": bench_llm.run,
        "service": bench_service.run,
    }


def _rows(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in figures.items():
        if isinstance(value, dict):
            rows.extend(_rows(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", f"{value:.3f}" if isinstance(value, float) else str(value)))
    return rows


def _show(name: str, figures: dict[str, Any]) -> None:
    table = Table("figure", "value", title=f"bench: {name}")
    for key, value in _rows(figures):
        table.add_row(key, value)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    benches = _benches()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(benches), action="append", help="run only these")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    for name in args.only or list(benches):
        console.print(f"[bold]running {name}…[/]")
        results[name] = benches[name]()
        _show(name, results[name])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
