"""The report's plots (matplotlib, no display): recommendation metrics against the baselines, the search latency
distribution, time-to-first-token, and copy faithfulness per category. Each plot is drawn only from figures of
the run; a suite that did not run has no plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MODELS = ("popularity", "item-kNN (cosine)", "ALS")
METRICS = ("hr@10", "ndcg@10", "map@10")


def _save(figure: Any, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path.name


def recs_bars(recs: dict[str, Any], out: Path) -> str:
    datasets = list(recs)
    figure, axes = plt.subplots(1, len(datasets), figsize=(5.5 * len(datasets), 3.6), squeeze=False)
    width = 0.26
    for ax, dataset in zip(axes[0], datasets, strict=True):
        for n, model in enumerate(MODELS):
            values = [recs[dataset][model][m] for m in METRICS]
            ax.bar([i + (n - 1) * width for i in range(len(METRICS))], values, width, label=model)
        ax.set_xticks(range(len(METRICS)), [m.upper() for m in METRICS])
        ax.set_title(f"{dataset}: ALS vs baselines")
        ax.legend(fontsize=8)
    return _save(figure, out / "recs_metrics.png")


def search_latency(search: dict[str, Any], out: Path) -> str:
    samples = search["latency_ms"]["samples"]
    figure, ax = plt.subplots(figsize=(6, 3.4))
    ax.hist(samples, bins=min(40, max(5, len(samples) // 4)), color="#3b7dd8")
    for name, style in (("p50", "-"), ("p99", "--")):
        value = search["latency_ms"][name]
        ax.axvline(value, color="black", linestyle=style, label=f"{name} {value:.1f} ms")
    ax.set_xlabel("search latency (ms)")
    ax.set_ylabel("queries")
    ax.set_title(f"Default hybrid search, {len(samples)} queries")
    ax.legend(fontsize=8)
    return _save(figure, out / "search_latency.png")


def search_quality(search: dict[str, Any], out: Path) -> str:
    variants = list(search["quality"])
    figure, ax = plt.subplots(figsize=(7, 0.45 * len(variants) + 1.2))
    ax.barh(variants, [search["quality"][v]["ndcg@10"] for v in variants], color="#6aa84f")
    ax.invert_yaxis()
    ax.set_xlabel("nDCG@10")
    ax.set_xlim(0, 1)
    ax.tick_params(axis="y", labelsize=8)
    return _save(figure, out / "search_quality.png")


def ttft_histogram(chat: dict[str, Any], out: Path) -> str:
    samples = chat["ttft_s"]
    figure, ax = plt.subplots(figsize=(6, 3.4))
    ax.hist(samples, bins=min(30, max(5, len(samples) // 2)), color="#cc4125")
    ax.set_xlabel("time to first token (s), LLM turns of the dialogs")
    ax.set_ylabel("turns")
    ax.set_title(f"TTFT through /v1/chat ({chat.get('model')})")
    return _save(figure, out / "chat_ttft.png")


def copy_faithfulness(copy: dict[str, Any], out: Path) -> str:
    groups = {**copy["per_category"], **({"zh (all)": copy["zh"]} if "zh" in copy else {})}
    names = list(groups)
    stages = (
        ("claims_supported_first_attempt", "first attempt"),
        ("claims_supported_after_regenerate", "after regenerate"),
        ("claims_supported_final", "final draft"),
    )
    figure, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 3.6))
    width = 0.27
    for n, (key, label) in enumerate(stages):
        ax.bar([i + (n - 1) * width for i in range(len(names))], [groups[g][key] for g in names], width, label=label)
    ax.set_xticks(range(len(names)), names, rotation=20, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("claims supported")
    ax.set_title("Copy faithfulness per category")
    ax.legend(fontsize=8)
    return _save(figure, out / "copy_faithfulness.png")


def federated_epsilon(federated: dict[str, Any], out: Path) -> str:
    figure, ax = plt.subplots(figsize=(6, 3.6))
    for how in ("random", "skewed"):
        if how not in federated:
            continue
        part = federated[how]
        points = sorted(
            (float(name.split("=")[1]), value["ndcg@10"])
            for name, value in part.items()
            if name.startswith("federated DP")
        )
        finite = [p for p in points if p[0] != float("inf")]
        line = ax.plot([p[0] for p in finite], [p[1] for p in finite], marker="o", label=f"DP-FedAvg ({how})")
        colour = line[0].get_color()
        if len(finite) < len(points):
            ax.axhline(points[-1][1], color=colour, linestyle=":", label=f"ε = ∞, clipping only ({how})")
        ax.axhline(part["federated (Flower, no DP)"]["ndcg@10"], color=colour, linestyle="--", label=f"no DP ({how})")
        ax.axhline(part["central ALS"]["ndcg@10"], color="black", linewidth=0.8)
        ax.axhline(part["shop alone (mean)"]["ndcg@10"], color="grey", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("ε (per shop, all rounds)")
    ax.set_ylabel("NDCG@10")
    ax.set_title("NDCG@10 vs ε (black: central ALS, grey: shop alone)", fontsize=10)
    ax.legend(fontsize=7)
    return _save(figure, out / "federated_epsilon.png")


def ads_plots(ads: dict[str, Any], out: Path) -> list[str]:
    figure, ax = plt.subplots(figsize=(6, 3.6))
    for name, curve in ads["click_model"].items():
        ax.plot([r["impressions"] for r in curve], [r["ratio"] for r in curve], label=name)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xlabel("impressions")
    ax.set_ylabel("log loss / constant CTR's (per 1k)")
    ax.set_title("Click model, progressive validation")
    ax.legend(fontsize=8)
    first = _save(figure, out / "ads_logloss.png")
    figure, ax = plt.subplots(figsize=(5, 3.6))
    curve = ads["pacing"]["spend_curve"]
    ax.plot([d for d, _ in curve], [s for _, s in curve], label="(c) spend share")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="even pacing")
    ax.set_xlabel("share of the day")
    ax.set_ylabel("share of all budgets spent")
    ax.set_title("Pacing over the simulated day")
    ax.legend(fontsize=8)
    return [first, _save(figure, out / "ads_pacing.png")]


def forecast_plots(forecast: dict[str, Any], out: Path) -> list[str]:
    """The last origin of each series: history, the held-out days, the forecast and its interval."""
    figure, axes = plt.subplots(2, 1, figsize=(7, 6))
    for ax, key in zip(axes, ("cdnow", "demo"), strict=True):
        part = forecast[key]
        last = part["origins"][-1]
        horizon = len(last["actual"])
        history = part["history"][: len(part["history"]) - horizon]
        past = list(range(-len(history), 0))
        ahead = list(range(horizon))
        ax.plot(past[-84:], history[-84:], color="grey", lw=0.8, label="history")
        ax.plot(ahead, last["actual"], color="black", lw=1, label="held out")
        ax.plot(ahead, last["mean"], color="tab:blue", label=f"{last['model']}")
        ax.fill_between(ahead, last["lo"], last["hi"], color="tab:blue", alpha=0.2, label=f"{forecast['level']}%")
        ax.set_title(f"{key}: origin {last['origin']}, MASE ratio {part['mase_ratio']:.2f}", fontsize=9)
        ax.set_xlabel("days from the origin")
        ax.legend(fontsize=7)
    return [_save(figure, out / "forecast.png")]


def sentiment_plots(sentiment: dict[str, Any], out: Path) -> list[str]:
    """Macro-F1 per language against the target, and each aspect's precision on the hand-labelled reviews."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [1, 3]})
    langs = [lang for lang in ("en", "zh") if lang in sentiment]
    left.bar(langs, [sentiment[lang]["macro_f1"] for lang in langs], color="tab:blue")
    left.axhline(0.85, color="grey", lw=0.8, ls="--")
    left.set_ylim(0.5, 1.0)
    left.set_title("macro-F1, held out", fontsize=9)
    per = sentiment["aspects"]["per_aspect"]
    names = [a for a in per if per[a].get("tp", 0) + per[a].get("fp", 0)]
    right.bar(names, [per[a].get("tp", 0) / (per[a].get("tp", 0) + per[a].get("fp", 0)) for a in names])
    right.axhline(0.8, color="grey", lw=0.8, ls="--")
    right.set_title(f"aspect precision (all: {sentiment['aspects']['precision']:.2f})", fontsize=9)
    right.tick_params(axis="x", labelrotation=60, labelsize=7)
    return [_save(figure, out / "sentiment.png")]


def draw(suites: dict[str, Any], out: Path) -> dict[str, list[str]]:
    """Every plot the run's figures allow; suite → image file names."""
    images: dict[str, list[str]] = {}
    if suites.get("recs"):
        images["recs"] = [recs_bars(suites["recs"], out)]
    if "search" in suites:
        images["search"] = [search_latency(suites["search"], out), search_quality(suites["search"], out)]
    if "chat" in suites and suites["chat"]["ttft_s"]:
        images["chat"] = [ttft_histogram(suites["chat"], out)]
    if "copy" in suites:
        images["copy"] = [copy_faithfulness(suites["copy"], out)]
    if "federated" in suites:
        images["federated"] = [federated_epsilon(suites["federated"], out)]
    if "ads" in suites:
        images["ads"] = ads_plots(suites["ads"], out)
    if "forecast" in suites:
        images["forecast"] = forecast_plots(suites["forecast"], out)
    if "sentiment" in suites:
        images["sentiment"] = sentiment_plots(suites["sentiment"], out)
    return images
