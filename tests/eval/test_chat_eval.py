"""The chat eval's code on a handful of dialogs against the live demo shop (SmolLM2): the figures that do not
depend on the model's prose must be perfect with any model."""

from __future__ import annotations

import json
from importlib.resources import files

from eval.chat import load_dialogs, run_dialogs, summarize
from tests.live_server import LiveServer

SAMPLE = {"find-linen-dress", "order-by-id", "order-other-then-own", "policy-express", "handoff-manager", "oos-weather"}


def test_the_dialog_suite_is_big_enough_and_well_formed() -> None:
    dialogs = load_dialogs()
    assert len(dialogs) >= 40 and len({d["id"] for d in dialogs}) == len(dialogs)
    kinds = {turn["intent"] for d in dialogs for turn in d["turns"]}
    assert {"find", "recommend", "compare", "order_status", "policy", "handoff", "out_of_scope"} <= kinds
    raw = files("eval").joinpath("data", "chat_dialogs.jsonl").read_text(encoding="utf-8")
    assert all(json.loads(line)["turns"] for line in raw.splitlines())
    short = {turn["intent"] for d in load_dialogs(14) for turn in d["turns"]}  # make eval's sample
    assert {"find", "order_status", "policy", "handoff"} <= short


def test_sample_dialogs_score_perfectly_on_what_the_code_guarantees(shop: LiveServer) -> None:
    records = run_dialogs(shop.url, shop.app.state.services, ids=SAMPLE)
    figures = summarize(records)
    assert figures["dialogs"] == len(SAMPLE) and figures["turns"] == 8
    assert figures["invented_ids"] == 0 and figures["product_grounding_rate"] == 1.0
    assert figures["order_tool_accuracy"] == 1.0 and figures["order_turns"] == 3
    assert figures["handoff_precision"] == 1.0 and figures["handoff_recall"] == 1.0
    assert figures["intent_accuracy"] == 1.0
    assert all(r.total_s > 0 for r in records)
    assert any(r.ttft_s is not None and r.intent == "find" for r in records)
