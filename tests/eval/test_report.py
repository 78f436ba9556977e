"""The evaluation report on the tiny profile, end to end with the real parts (demo store, encoders, Qdrant's
engine, ALS, the small llama.cpp model): every section is filled from figures measured in the run, the plots are
real PNGs, two reports compare, and the docs section is regenerated from the latest report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval import report, report_tables
from tests.conftest import make_settings

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    llm = make_settings(tmp_path_factory.mktemp("llm")).llm
    result = report.run(list(report.SUITES), report.PROFILES["tiny"], llm)
    return report.write(result, tmp_path_factory.mktemp("reports"))


@pytest.mark.slow  # the whole tiny evaluation (~2.5 min): make test-slow
def test_every_section_is_filled_from_this_run(written: Path) -> None:
    figures = json.loads((written / "figures.json").read_text())
    meta, suites = figures["meta"], figures["suites"]
    assert set(suites) == set(report.SUITES) and set(meta["seconds"]) == set(report.SUITES)
    assert meta["models"]["llm"]["model"] == "smollm2-135m" and len(meta["models"]["llm"]["sha256"]) == 64
    assert meta["versions"]["qdrant-edge-py"] and meta["seeds"]["demo_store"] == 42 and meta["machine"]["cpus"]

    search = suites["search"]
    assert search["queries"] == 8 and len(search["latency_ms"]["samples"]) == 8
    assert all(0 <= q["ndcg@10"] <= 1 for q in search["quality"].values())
    assert 0 < search["latency_ms"]["p50"] <= search["latency_ms"]["p99"]
    recs = suites["recs"]["demo store events"]
    assert {"popularity", "item-kNN (cosine)", "ALS"} <= set(recs) and recs["ALS"]["hr@10"] > 0
    chat = suites["chat"]
    assert chat["summary"]["turns"] >= 1 and chat["single_request"]["requests"] >= 1 and chat["ttft_s"]
    assert chat["llm_rates"]["decode_tok_per_s"] > 0
    copy = suites["copy"]
    assert copy["products"] == 1 and copy["zh"]["products"] == 1 and copy["per_category"]
    assert copy["length_limit_compliance"] == 1.0 and copy["drafts_with_html"] == 0
    assert {shop: f["products"] for shop, f in copy["shops"].items()} == {"voltline": 1.0, "greenleaf": 1.0}
    security = suites["security"]
    assert security["probes"] == 4 and security["leaks"] == 0
    federated = suites["federated"]["random"]
    assert federated["users_per_shop"] and len(federated["users_per_shop"]) == 3
    for model in (
        "shop alone (mean)",
        "central ALS",
        "federated (Flower, no DP)",
        "federated DP ε=1",
        "federated DP ε=inf",
    ):
        assert 0 <= federated[model]["ndcg@10"] <= 1, model

    numbers = report.flatten(suites)
    # the tiny ads replay shows fewer than 10k impressions: its "after 10k" log losses are NaN by definition
    missing = [k for k, v in numbers.items() if math.isnan(v) and not k.startswith("chat.") and "after_10k" not in k]
    assert len(numbers) > 60 and not missing, missing

    text = (written / "report.md").read_text()
    assert "Not run in this report" not in text
    for title in report_tables.TITLES.values():
        assert f"## {title}" in text
    images = sorted(p.name for p in written.glob("*.png"))
    assert images == [
        "chat_ttft.png",
        "copy_faithfulness.png",
        "federated_epsilon.png",
        "recs_metrics.png",
        "search_latency.png",
        "search_quality.png",
    ]
    for image in images:
        assert (written / image).read_bytes().startswith(PNG) and f"]({image})" in text


def test_a_partial_run_says_what_it_did_not_measure(tmp_path: Path) -> None:
    result = report.run(["recs"], report.PROFILES["tiny"], make_settings(tmp_path).llm)
    out = report.write(result, tmp_path / "reports")
    text = (out / "report.md").read_text()
    assert text.count("Not run in this report.") == len(report.SUITES) - 1
    assert list(json.loads((out / "figures.json").read_text())["suites"]) == ["recs"]


@pytest.mark.slow
def test_compare_and_publish(written: Path, tmp_path: Path) -> None:
    figures = json.loads((written / "figures.json").read_text())
    figures["suites"]["search"]["latency_ms"]["p50"] += 1.5
    other = tmp_path / "other"
    other.mkdir()
    (other / "figures.json").write_text(json.dumps(figures))
    deltas = {name: delta for name, _, _, delta in report.compare(written, other)}
    assert deltas["search.latency_ms.p50"] == pytest.approx(1.5)
    assert deltas["copy.products"] == 0

    target = tmp_path / "benchmarks.md"
    target.write_text(f"# Benchmarks\n\nhand-written\n\n{report.BEGIN}\nold\n{report.END}\n\nafter\n")
    report.publish(written, target)
    published = target.read_text()
    assert "hand-written" in published and "after" in published and "\nold\n" not in published
    assert "### Recommendations" in published and published.count(report.BEGIN) == 1
    assert report.latest(written.parent) == written
