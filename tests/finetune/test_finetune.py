"""The SFT dataset from the live demo store, then `shopassist finetune train --config configs/smoke.yaml` in a
real process on CPU: the loss falls, the held-out loss falls, and the saved adapter loads onto the base model and
reproduces the merged model."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from app.copywriter.service import CopyFields
from app.copywriter.validate import check_copy
from app.finetune.data import build_dataset
from app.store.drafts import DraftStore
from tests.finetune_run import ROOT, run_smoke_config
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def dataset(shop: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    services = shop.app.state.services
    out = tmp_path_factory.mktemp("sft")
    build_dataset(
        services.catalog,
        services.copywriter,
        DraftStore(services.database),
        services.assistant,
        out,
        dialogs_path=ROOT / "eval" / "data" / "chat_dialogs.jsonl",
        copy_limit=30,
        catalog_questions_count=12,
        heldout_fraction=0.1,
        seed=0,
    )
    return out


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_dataset_uses_the_service_prompts_and_only_checked_targets(shop: LiveServer, dataset: Path) -> None:
    train, heldout = rows(dataset / "train.jsonl"), rows(dataset / "heldout.jsonl")
    assert train and heldout
    assert not {r["group"] for r in train} & {r["group"] for r in heldout}, "a group on both sides of the split"
    card = json.loads((dataset / "data_card.json").read_text())
    assert card["train"] == len(train) and card["heldout"] == len(heldout)
    assert "synthetic" in (dataset / "DATA_CARD.md").read_text()
    services = shop.app.state.services
    kinds = {r["kind"] for r in train + heldout}
    assert kinds == {"copy", "support"}
    for row in train + heldout:
        system, target = row["messages"][0], row["messages"][-1]
        assert system["role"] == "system" and target["role"] == "assistant"
        if row["kind"] == "copy":
            assert system["content"] == services.copywriter.system_text
            fields = CopyFields.model_validate(json.loads(target["content"]))
            texts = [fields.title, *fields.bullets, fields.description, fields.seo_title, fields.meta_description]
            assert check_copy(texts, row["facts"], services.copywriter.banned_claims).faithful, row
        else:
            assert system["content"] == services.assistant.system_prompt
            cited = set(re.findall(r"\[(P\d+)\]", target["content"]))
            assert cited <= set(row["product_ids"]), row
    sources = {r["source"] for r in train + heldout}
    assert {"reference_copy", "eval_dialog", "catalog_question", "policy_question"} <= sources


@pytest.mark.slow  # a LoRA training run on CPU (~80 s): make test-slow; make test-vllm trains one too
def test_the_smoke_config_trains_on_cpu_with_falling_loss_and_a_loadable_adapter(
    dataset: Path, tmp_path: Path, settings: Any
) -> None:
    started = time.perf_counter()
    config = run_smoke_config(dataset, tmp_path / "run", settings.llm.models_dir, timeout_s=300)
    assert time.perf_counter() - started <= 300
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    losses = metrics["losses"]
    assert len(losses) == config["max_steps"]
    assert sum(losses[-2:]) / 2 < sum(losses[:2]) / 2, losses
    assert metrics["heldout_loss_after"] < metrics["heldout_loss_before"], metrics

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = tmp_path / "run" / "adapter"
    assert json.loads((adapter / "adapter_config.json").read_text())["r"] == config["rank"]
    tokenizer = AutoTokenizer.from_pretrained(adapter)
    inputs = tokenizer("A linen summer dress in navy", return_tensors="pt")
    base = AutoModelForCausalLM.from_pretrained(metrics["base_model"])
    with torch.no_grad():
        base_logits = base(**inputs).logits
        tuned = PeftModel.from_pretrained(base, str(adapter))
        tuned_logits = tuned(**inputs).logits
        merged_logits = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "merged")(**inputs).logits
    assert not torch.allclose(base_logits, tuned_logits, atol=1e-3), "the adapter changes nothing"
    assert torch.allclose(tuned_logits, merged_logits, atol=1e-3), "the merged model is not base + adapter"
