"""LoRA fine-tuning (`shopassist finetune train --config F.yaml`): transformers + peft + trl's SFTTrainer on the
chat-format dataset of ``build-data``; loss on the assistant reply only. Saves the adapter (for
``vllm serve BASE --enable-lora --lora-modules shopassist=ADAPTER``), optionally base + adapter merged (for vLLM
or a GGUF conversion), and ``metrics.json`` with the loss curve and the held-out checks before and after."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from app.config import FinetuneConfig
from app.finetune.base_model import hf_model_dir
from app.finetune.checks import HeldoutScore, score_replies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    output_dir: Path
    adapter_dir: Path
    merged_dir: Path | None
    base_model: str
    train_examples: int
    steps: int
    seconds: float
    losses: list[float]
    heldout_loss_before: float | None
    heldout_loss_after: float | None
    checks_before: HeldoutScore | None
    checks_after: HeldoutScore | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("output_dir", "adapter_dir", "merged_dir"):
            data[key] = None if data[key] is None else str(data[key])
        return data


def load_config(path: Path) -> FinetuneConfig:
    """The run's YAML; relative data/output paths are taken from the working directory."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    return FinetuneConfig.model_validate(raw)


def read_split(path: Path, kinds: list[str], limit: int | None = None) -> list[dict[str, Any]]:
    """The split's examples of these kinds, in file order (the first ``limit``)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `shopassist finetune build-data` first")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if row.get("kind") in kinds]
    return rows[:limit] if limit is not None else rows


def prompt_completion(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Conversational prompt/completion columns: the trainer masks the prompt out of the loss."""
    return {
        "prompt": [row["messages"][:-1] for row in rows],
        "completion": [row["messages"][-1:] for row in rows],
    }


def train(
    config: FinetuneConfig, models_dir: Path, on_log: Callable[[dict[str, float]], None] | None = None
) -> TrainResult:
    import torch
    from datasets import Dataset
    from peft import LoraConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl.trainer.sft_config import SFTConfig
    from trl.trainer.sft_trainer import SFTTrainer

    started = time.perf_counter()
    if config.threads:
        torch.set_num_threads(config.threads)
    gpu = torch.cuda.is_available()
    bf16 = config.precision == "bf16" or (config.precision == "auto" and gpu)
    base = hf_model_dir(config.base_model, models_dir)
    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16 if bf16 else torch.float32)

    train_rows = read_split(config.data_dir / "train.jsonl", list(config.kinds), config.max_train_examples)
    heldout_rows = read_split(config.data_dir / "heldout.jsonl", list(config.kinds))
    if not train_rows:
        raise ValueError(f"{config.data_dir / 'train.jsonl'} holds no examples")
    eval_rows = _balanced(heldout_rows, config.eval_examples)
    train_set = Dataset.from_dict(prompt_completion(train_rows))
    eval_set = Dataset.from_dict(prompt_completion(eval_rows)) if eval_rows else None

    out = config.output_dir
    out.mkdir(parents=True, exist_ok=True)
    args = SFTConfig(
        output_dir=str(out / "trainer"),
        max_length=config.max_length,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        learning_rate=config.learning_rate,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        warmup_steps=config.warmup_steps,
        lr_scheduler_type="linear",
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        bf16=bf16,
        use_cpu=not gpu,
        seed=config.seed,
        disable_tqdm=True,
        completion_only_loss=True,
        gradient_checkpointing=config.gradient_checkpointing,
        dataset_num_proc=None,
    )
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=config.target_modules,
        task_type="CAUSAL_LM",
    )
    losses: list[float] = []

    class _Losses(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            logs: dict[str, float] | None = kwargs.get("logs")
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))
                if on_log is not None:
                    on_log(logs)

    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[_Losses()],
    )
    peft_model = trainer.model
    assert isinstance(peft_model, PeftModel)

    loss_before = float(trainer.evaluate()["eval_loss"]) if eval_set is not None else None
    checks_before = _generate_checks(peft_model, tokenizer, heldout_rows, config, adapter=False)
    trainer.train()
    loss_after = float(trainer.evaluate()["eval_loss"]) if eval_set is not None else None
    checks_after = _generate_checks(peft_model, tokenizer, heldout_rows, config, adapter=True)

    adapter_dir = out / "adapter"
    peft_model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    merged_dir: Path | None = None
    if config.merge:
        merged_dir = out / "merged"
        merged = peft_model.merge_and_unload()
        merged.save_pretrained(str(merged_dir))
        tokenizer.save_pretrained(str(merged_dir))
    result = TrainResult(
        output_dir=out,
        adapter_dir=adapter_dir,
        merged_dir=merged_dir,
        base_model=base,
        train_examples=len(train_rows),
        steps=int(trainer.state.global_step),
        seconds=round(time.perf_counter() - started, 1),
        losses=losses,
        heldout_loss_before=loss_before,
        heldout_loss_after=loss_after,
        checks_before=checks_before,
        checks_after=checks_after,
    )
    (out / "metrics.json").write_text(json.dumps(result.as_json(), indent=2))
    (out / "config.yaml").write_text(yaml.safe_dump(json.loads(config.model_dump_json()), sort_keys=False))
    return result


def _generate_checks(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: FinetuneConfig, *, adapter: bool
) -> HeldoutScore | None:
    """Answer the first held-out examples of each kind greedily and score them with the service's checks."""
    if config.eval_generate == 0 or not rows:
        return None
    import torch

    picked = _balanced(rows, config.eval_generate)
    replies: list[str] = []
    model.eval()
    for row in picked:
        ids = tokenizer.apply_chat_template(
            row["messages"][:-1], add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(model.device)
        context = model.disable_adapter() if not adapter else nullcontext()
        with torch.no_grad(), context:
            output = model.generate(
                **ids, max_new_tokens=config.eval_max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        replies.append(tokenizer.decode(output[0, ids["input_ids"].shape[1] :], skip_special_tokens=True))
    return score_replies(picked, replies)


def _balanced(rows: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Up to ``count`` rows alternating between kinds (copy, support) in file order (the split files hold all copy
    examples first)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    picked: list[dict[str, Any]] = []
    while len(picked) < count and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(picked) < count:
                picked.append(by_kind[kind].pop(0))
    return picked
