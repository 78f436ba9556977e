"""Merchant insights' evaluation: forecasts (``--suite forecast``) and review sentiment (``--suite sentiment``).

Forecasts: rolling-origin backtests of the service's own ``Forecaster`` (its per-series model choice runs
inside every origin, on that origin's past only) against the seasonal naive baseline, with a 28-day horizon,
origins 14 days apart, each fitted on the ``history_days`` before it. Series: the daily purchases (transactions)
of the real CDNOW data (``lifetimes``), and the demo store's daily units sold (generated: a weekly season and a
trend, see the store's README). MASE is scaled by the in-sample seasonal naive error of each origin; interval
coverage is the share of held-out days inside the 80% interval. The refresh time is measured on 10k synthetic
products (one in ten smooth, the rest intermittent or never sold) as the service fits them (``fit_workers``
processes), once with model choice and once more with the choices kept (a scheduled refresh).

Sentiment: accuracy and macro-F1 on the held-out ``test`` split (``app.insights.sentiment.split_of``) of the real
reviews in both languages, models trained on ``train`` only; aspect precision and recall on the 60 reviews
labelled by hand (eval/data/aspects_labelled.jsonl).
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.config import InsightsSettings
from app.insights.demand import daily_units, series
from app.insights.fitting import fit
from app.insights.forecast import Forecaster, mase, seasonal_naive, smape

LABELLED = Path(__file__).parent / "data" / "aspects_labelled.jsonl"
HORIZON = 28
STEP = 14


def cdnow_daily() -> tuple[date, npt.NDArray[np.float64]]:
    """Transactions per day of the CDNOW master file (1997-01-01 to 1998-06-30)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the lifetimes package (CDNOW data) is not installed: requirements/data.txt")
    text = (Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt").read_text()
    counts: Counter[date] = Counter()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1].isdigit():
            day = parts[1]
            counts[date(int(day[:4]), int(day[4:6]), int(day[6:]))] += 1
    first, last = min(counts), max(counts)
    return first, np.array([counts.get(first + timedelta(days=n), 0) for n in range((last - first).days + 1)], float)


def demo_daily() -> tuple[date, npt.NDArray[np.float64], dict[str, Any]]:
    """Units sold per day over the demo store's orders (cancelled left out), with the store's facts."""
    from app.store.commerce import Order
    from retrieval.demo_store import write_demo_store

    with tempfile.TemporaryDirectory(prefix="shopassist-forecast-") as tmp:
        write_demo_store(Path(tmp) / "demo")
        lines = (Path(tmp) / "demo" / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    orders = [Order.model_validate_json(line) for line in lines if line.strip()]
    sold = [
        (item.product_id, order.placed_at, item.quantity)
        for order in orders
        if order.status != "cancelled"
        for item in order.items
    ]
    per_product = daily_units(sold, [])
    days: Counter[date] = Counter()
    for product_days in per_product.values():
        days.update(product_days)
    first, last = min(days), max(days)
    total = series(dict(days), last, (last - first).days + 1)
    sellers = [sum(d.values()) for d in per_product.values()]
    facts = {"products_sold": len(per_product), "units": int(total.sum()), "days": len(total),
             "median_units_per_product": float(np.median(sellers))}  # fmt: skip
    return first, total, facts


def backtest(
    first: date, y: npt.NDArray[np.float64], settings: InsightsSettings, origins: int
) -> dict[str, Any]:  # fmt: skip
    forecaster = Forecaster(level=settings.level, backtest_days=settings.backtest_days)
    rows = []
    for n in range(origins):
        cut = len(y) - HORIZON - STEP * (origins - 1 - n)
        train = y[max(0, cut - settings.history_days) : cut]
        end = first + timedelta(days=cut - 1)
        forecast = forecaster.forecast({"series": train}, end, HORIZON)["series"]
        actual = y[cut : cut + HORIZON]
        naive = seasonal_naive(train, HORIZON)
        rows.append({
            "origin": (end + timedelta(days=1)).isoformat(), "model": forecast.model,
            "mase": mase(actual, forecast.mean, train), "mase_naive": mase(actual, naive, train),
            "smape": smape(actual, forecast.mean), "smape_naive": smape(actual, naive),
            "coverage": float(np.mean((actual >= forecast.lo) & (actual <= forecast.hi))),
            "actual": actual.tolist(), "mean": forecast.mean.round(2).tolist(),
            "lo": forecast.lo.round(2).tolist(), "hi": forecast.hi.round(2).tolist(),
        })  # fmt: skip
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("mase", "mase_naive", "smape", "smape_naive", "coverage")}
    return {
        "origins": rows,
        **{k: round(v, 4) for k, v in mean.items()},
        "mase_ratio": round(mean["mase"] / mean["mase_naive"], 4),
        "models": dict(Counter(r["model"] for r in rows)),
        "history": [float(v) for v in y[-(settings.history_days + HORIZON) :]],
    }


def refresh_timing(products: int = 10_000, days: int = 182) -> dict[str, Any]:
    rng = np.random.default_rng(19)
    data = {}
    for n in range(products):
        rate = rng.uniform(2, 10) if n % 10 == 0 else rng.gamma(0.5, 0.6)
        data[f"p{n}"] = rng.poisson(rate, days).astype(np.float64)
    s = InsightsSettings()
    options = {"level": s.level, "backtest_days": s.backtest_days, "workers": s.fit_workers}
    started = time.perf_counter()
    first = fit(data, date(2026, 11, 1), HORIZON, None, **options)  # as the service fits: in worker processes
    selected = time.perf_counter() - started
    started = time.perf_counter()
    fit(data, date(2026, 11, 1), HORIZON, {k: f.model for k, f in first.items()}, **options)
    refit = time.perf_counter() - started
    return {"products": products, "workers": s.fit_workers, "with_selection_s": round(selected, 1),
            "refresh_s": round(refit, 1), "models": dict(Counter(f.model for f in first.values()))}  # fmt: skip


def run_forecast(refresh_products: int = 10_000) -> dict[str, Any]:
    settings = InsightsSettings()
    cd_first, cd = cdnow_daily()
    demo_first, demo, facts = demo_daily()
    demo_origins = max(1, min(6, (len(demo) - HORIZON - 56) // STEP + 1))
    return {
        "horizon": HORIZON,
        "level": settings.level,
        "history_days": settings.history_days,
        "cdnow": backtest(cd_first, cd, settings, origins=8),
        "demo": {**backtest(demo_first, demo, settings, origins=demo_origins), "store": facts},
        "refresh": refresh_timing(refresh_products),
    }


# ---- sentiment and aspects ---------------------------------------------------------------------------------
def _macro_f1(truth: list[int], predicted: list[int]) -> float:
    scores = []
    for label in (0, 1):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def run_sentiment() -> dict[str, Any]:
    from app.insights.aspects import AspectExtractor
    from app.insights.sentiment import LANGS, SentimentClassifier, labelled, split_of

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="shopassist-sentiment-") as tmp:
        classifier = SentimentClassifier(Path(tmp))
        for lang in LANGS:
            rows = labelled(lang)
            test = [r for r in rows if split_of(r[0]) == "test"]
            started = time.perf_counter()
            model = classifier.model(lang)
            trained = time.perf_counter() - started
            probabilities = model.probabilities([t for t, _ in test])
            predicted = [int(p >= 0.5) for p in probabilities]
            truth = [y for _, y in test]
            timings = []
            for text, _ in test[:300]:
                started = time.perf_counter()
                model.probabilities([text])
                timings.append((time.perf_counter() - started) * 1000)
            out[lang] = {
                "reviews": len(rows), "train": sum(1 for r in rows if split_of(r[0]) == "train"), "test": len(test),
                "positive_share": round(sum(truth) / len(truth), 3),
                "accuracy": round(sum(int(a == b) for a, b in zip(truth, predicted, strict=True)) / len(truth), 4),
                "macro_f1": round(_macro_f1(truth, predicted), 4), "train_s": round(trained, 1),
                "ms_per_review_p50": round(float(np.median(timings)), 3),
                "ms_per_review_p99": round(float(np.percentile(timings, 99)), 3),
            }  # fmt: skip
        out["aspects"] = _aspects(classifier, AspectExtractor(classifier.score))
    return out


def _aspects(classifier: Any, extractor: Any) -> dict[str, Any]:
    """Aspect figures; the time is a whole review's scoring as the service does it (sentiment + aspects)."""
    cases = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    tp = fp = fn = 0
    fit_right = fit_said = 0
    per_aspect: dict[str, Counter[str]] = {}
    timings = []
    for case in cases:
        started = time.perf_counter()
        classifier.score([case["text"]])
        mentions = extractor.mentions(case["text"], case.get("rating"))
        timings.append((time.perf_counter() - started) * 1000)
        predicted = {m.aspect for m in mentions}
        gold = set(case["aspects"])
        tp, fp, fn = tp + len(predicted & gold), fp + len(predicted - gold), fn + len(gold - predicted)
        for aspect in predicted | gold:
            counter = per_aspect.setdefault(aspect, Counter())
            counter["tp" if aspect in predicted & gold else "fp" if aspect in predicted else "fn"] += 1
        fit = [
            m.label for m in mentions if m.aspect == "fit" and m.label in ("runs small", "runs large", "true to size")
        ]
        if fit:
            fit_said += 1
            fit_right += int(fit[0] == case.get("fit_label"))
    return {
        "reviews": len(cases),
        "precision": round(tp / max(1, tp + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
        "fit_label_precision": round(fit_right / max(1, fit_said), 4),
        "fit_labels_said": fit_said,
        "review_ms_p50": round(float(np.median(timings)), 3),
        "review_ms_p99": round(float(np.percentile(timings, 99)), 3),
        "per_aspect": {a: dict(c) for a, c in sorted(per_aspect.items())},
    }
