"""The report's Markdown: one table block per suite that ran, and report.md around them."""

from __future__ import annotations

import math
from typing import Any


def _f(value: Any, digits: int = 3) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"  # nothing to measure in this run (e.g. no policy question among the dialogs run)
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _columns(groups: dict[str, dict[str, Any]]) -> str:
    """One column per group, one row per figure of the first group."""
    names = list(next(iter(groups.values())))
    return _table(["figure", *groups], [[n, *(g.get(n, float("nan")) for g in groups.values())] for n in names])


def shop_table(shops: dict[str, Any]) -> str:
    names = list(shops)
    figures = [
        (level, key)
        for level in ("plan", "search", "chat", "follow_up")
        for key, value in next(iter(shops.values())).get(level, {}).items()
        if isinstance(value, int | float)
    ]
    rows = [
        [f"{level}: {key}", *(shops[n].get(level, {}).get(key, float("nan")) for n in names)] for level, key in figures
    ]
    return _table(["figure", *names], rows)


def summary_tables(figures: dict[str, Any]) -> dict[str, str]:
    """One Markdown block per suite that ran (what report.md and docs/benchmarks.md show)."""
    suites = figures["suites"]
    blocks: dict[str, str] = {}
    if "search" in suites:
        s = suites["search"]
        rows = [[name, q["queries"], q["ndcg@10"], q["recall@10"], q["mrr"]] for name, q in s["quality"].items()]
        latency = s["latency_ms"]
        blocks["search"] = (
            _table(["variant", "queries", "nDCG@10", "recall@10", "MRR"], rows)
            + f"\n\nDefault search latency over {len(latency['samples'])} queries: p50 {latency['p50']:.1f} ms, "
            f"p90 {latency['p90']:.1f} ms, p99 {latency['p99']:.1f} ms."
        )
    if "recs" in suites:
        parts = []
        for dataset, r in suites["recs"].items():
            rows = [
                [name, r[name]["hr@10"], r[name]["ndcg@10"], r[name]["map@10"], r[name]["coverage"]]
                for name in ("popularity", "item-kNN (cosine)", "item-kNN (cosine, ALS's confidences)", "ALS")
                if name in r
            ]
            chosen = ", ".join(f"{k} {v:g}" for k, v in r["ALS params (chosen on validation)"].items())
            parts.append(
                f"**{dataset}** ({r['users']} users, {r['items']} items; ALS/popularity HR@10 "
                f"{r['ALS / popularity HR@10']:.2f})\n\n"
                + _table(["model", "HR@10", "NDCG@10", "MAP@10", "coverage"], rows)
                + f"\n\nALS chosen on the validation split from {r['grid points']} grid points: {chosen}."
            )
        blocks["recs"] = "\n\n".join(parts)
    if "chat" in suites:
        c = suites["chat"]
        rows = [[k, v] for k, v in {**c["summary"], **c["single_request"], **c["llm_rates"]}.items()]
        blocks["chat"] = f"Model: {c.get('model')} ({c.get('backend')}).\n\n" + _table(["figure", "value"], rows)
        if c.get("shops"):
            blocks["chat"] += "\n\nPer shop (frozen dialogs, eval/data/shops):\n\n" + shop_table(c["shops"])
    if "copy" in suites:
        c = suites["copy"]
        groups = {"all (en)": {k: v for k, v in c.items() if isinstance(v, float)}, **c["per_category"]}
        if "zh" in c:
            groups["zh"] = c["zh"]
        blocks["copy"] = _columns(groups)
        if c.get("shops"):
            shops = {name: {k: v for k, v in f.items() if isinstance(v, float)} for name, f in c["shops"].items()}
            blocks["copy"] += "\n\nPer shop (every product, eval/shop_copy.py):\n\n" + _columns(shops)
    if "security" in suites:
        r = suites["security"]
        rows = [
            ["probes", r["probes"]],
            ["leaks", r["leaks"]],
            ["by category", ", ".join(f"{k} {v}" for k, v in sorted(r["by_category"].items()))],
            ["answered as", ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items()))],
        ]
        blocks["security"] = _table(["figure", "value"], rows) + "".join(f"\n- {f}" for f in r["failures"])
    if "federated" in suites:
        f = suites["federated"]
        parts = [f"{f['shops']} shops, {f['rounds']} rounds, δ = {f['delta']:g}; MovieLens-100k, full ranking."]
        for how in ("random", "skewed"):
            if how not in f:
                continue
            part = f[how]
            rows = [
                [name, value["hr@10"], value["ndcg@10"], value.get("noise_multiplier", "")]
                for name, value in part.items()
                if isinstance(value, dict)
            ]
            parts.append(
                f"**{how} split** (users per shop {part['users_per_shop']}; federated / central NDCG@10 "
                f"{part['federated / central NDCG@10']:.3f})\n\n"
                + _table(["model", "HR@10", "NDCG@10", "noise multiplier"], rows)
            )
        blocks["federated"] = "\n\n".join(parts)
    if "ads" in suites:
        blocks["ads"] = ads_block(suites["ads"])
    if "forecast" in suites:
        blocks["forecast"] = forecast_block(suites["forecast"])
    if "sentiment" in suites:
        blocks["sentiment"] = sentiment_block(suites["sentiment"])
    return blocks


def forecast_block(f: dict[str, Any]) -> str:
    names = {"cdnow": "CDNOW daily purchases (real)", "demo": "demo store daily units (generated)"}
    rows = [[label, len(f[k]["origins"]), f[k]["mase"], f[k]["mase_naive"], f[k]["mase_ratio"], f[k]["smape"],
             f[k]["smape_naive"], f[k]["coverage"], ", ".join(f"{m} {n}" for m, n in f[k]["models"].items())]
            for k, label in names.items()]  # fmt: skip
    header = ["series", "origins", "MASE", "MASE seasonal naive", "ratio", "sMAPE", "sMAPE naive",
              f"{f['level']}% coverage", "models chosen"]  # fmt: skip
    r = f["refresh"]
    return (
        _table(header, rows) + f"\n\nRolling origin, {f['horizon']}-day horizon, origins 14 days apart, each fitted "
        f"on the {f['history_days']} days before it. Refresh of {r['products']} synthetic products: "
        f"{r['refresh_s']} s keeping each product's model, {r['with_selection_s']} s choosing the models by "
        "backtest (done weekly)."
    )


def sentiment_block(s: dict[str, Any]) -> str:
    rows = [[lang, s[lang]["test"], s[lang]["positive_share"], s[lang]["accuracy"], s[lang]["macro_f1"],
             s[lang]["ms_per_review_p99"]] for lang in ("en", "zh")]  # fmt: skip
    a = s["aspects"]
    return (
        _table(["language", "held-out reviews", "positive share", "accuracy", "macro-F1", "ms/review p99"], rows)
        + f"\n\nAspects on {a['reviews']} hand-labelled reviews: precision {a['precision']}, recall {a['recall']}; "
        f"fit findings (runs small / large / true to size) right {a['fit_label_precision']} of "
        f"{a['fit_labels_said']}. Scoring one review (sentiment and aspects): p50 {a['review_ms_p50']} ms, "
        f"p99 {a['review_ms_p99']} ms."
    )


def ads_block(a: dict[str, Any]) -> str:
    names = {"none": "(a) no ads", "highest_bid": "(b) highest bid first", "quality": "(c) bid x pCTR, pacing"}
    rows = [[label, a[k]["revenue"], a[k]["ad_impressions"], a[k]["ad_clicks"], a[k]["ad_ctr"], a[k]["ndcg@10"],
             a[k]["budget_use"]] for k, label in names.items()]  # fmt: skip
    pacing = a["pacing"]
    header = ["strategy", "revenue", "ad impressions", "ad clicks", "ad CTR", "nDCG@10 (mixed list)", "budget use"]
    return (
        _table(header, rows) + f"\n\n{int(a['requests'])} simulated requests. (c) / (b): CTR "
        f"{a['quality_ctr_over_highest_bid']:.2f}x at {a['quality_revenue_over_highest_bid']:.2f}x the revenue. "
        f"Click model log loss / constant CTR's after 10k impressions: River "
        f"{a['river_logloss_over_constant_after_10k']:.3f}, Vowpal Wabbit "
        f"{a['vowpalwabbit_logloss_over_constant_after_10k']:.3f}; the simulated clicks' own probabilities score "
        f"{a['oracle_logloss_over_constant_after_10k']:.3f} (the floor no model can pass). Pacing: spend / budget "
        f"{pacing['spend_over_budget_share']:.3f} over the {int(pacing['campaigns_spending_half_or_more'])} "
        f"campaigns that spent half their budget or more; the largest overspend is "
        f"{pacing['max_overspend_in_clicks']:.2f} of that campaign's max CPC (at most one click)."
        f"\n\nThe simulated world: {a['model']}"
    )


TITLES = {
    "search": "Search (demo store, labelled queries)",
    "recs": "Recommendations (full ranking, leave-last-out)",
    "chat": "Customer-service chat (scripted dialogs through /v1/chat)",
    "copy": "Product copy (faithfulness, limits)",
    "security": "Security (red-team probes)",
    "federated": "Federated personalization (Flower, DP-FedAvg)",
    "ads": "Sponsored products (replay over the demo shoppers)",
    "forecast": "Demand forecasts (rolling-origin backtests)",
    "sentiment": "Review sentiment and aspects (held-out real reviews)",
}


def render(figures: dict[str, Any], images: dict[str, list[str]]) -> str:
    meta = figures["meta"]
    blocks = summary_tables(figures)
    llm = meta["models"]["llm"]
    lines = [
        f"# shopassist evaluation report — {meta['started']}",
        "",
        f"Profile **{meta['profile']['name']}**; suites run: {', '.join(meta['suites_run']) or 'none'}; "
        f"seconds per suite: {', '.join(f'{k} {v}' for k, v in meta['seconds'].items())}.",
        "",
        f"Machine: {meta['machine']['platform']}, {meta['machine']['cpus_usable']} usable CPUs of "
        f"{meta['machine']['cpus']}, {meta['machine']['memory_gib']} GiB, Python {meta['machine']['python']}.",
        f"LLM: {llm.get('model') or llm.get('file')} ({llm['backend']})"
        + (f", sha256 {llm['sha256']}" if llm.get("sha256") else "")
        + f". Seeds: {', '.join(f'{k}={v}' for k, v in meta['seeds'].items())}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ".",
        "",
        "Every figure below was measured in this run; `figures.json` holds all of them.",
    ]
    for suite in TITLES:  # the report's order of suites
        lines += ["", f"## {TITLES[suite]}", ""]
        if suite not in blocks:
            lines.append("Not run in this report.")
            continue
        lines.append(blocks[suite])
        for image in images.get(suite, []):
            lines += ["", f"![{suite}]({image})"]
    return "\n".join(lines) + "\n"
