"""Base models for fine-tuning: a shipped GGUF de-quantized once into a transformers model directory
(safetensors + tokenizer), or any model directory / hub id given as is."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from app.llm.models import SHIPPED_MODELS, locate

_DONE = ".converted"


def hf_model_dir(base_model: str, models_dir: Path) -> str:
    """A path or id that ``from_pretrained`` can load: shipped keys are converted on first use."""
    model = SHIPPED_MODELS.get(base_model)
    if model is None:
        return base_model
    target = models_dir.expanduser() / f"{model.key}-hf"
    if (target / _DONE).is_file():
        return str(target)
    gguf = locate(model, models_dir.expanduser())
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # the GGUF marker; the weights are already de-quantized
        delattr(config, "quantization_config")
    plain = AutoModelForCausalLM.from_config(config)  # type: ignore[no-untyped-call]
    plain.load_state_dict(loaded.state_dict(), strict=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / _DONE).write_text(f"{model.filename} {model.sha256}\n")
        shutil.rmtree(target, ignore_errors=True)
        staging.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return str(target)
