"""Base models for fine-tuning: a shipped GGUF de-quantized once into a transformers model directory
(safetensors + tokenizer), or any model directory / hub id given as is."""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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

    with _gguf_parsed_once():
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


@contextmanager
def _gguf_parsed_once() -> Iterator[None]:
    """transformers parses the GGUF file three times (tokenizer, config, weights; the metadata arrays of a 49k-token
    vocabulary are read element by element) and rebuilds gguf's tensor-name map for every module. Both are pure
    functions of their arguments: memoized while converting, they take a 135M model's conversion from 29 s to
    about half."""
    import gguf as gguf_lib

    reader_class, name_map = gguf_lib.GGUFReader, gguf_lib.get_tensor_name_map
    readers: dict[tuple[str, str], Any] = {}

    def reader(path: str | Path, mode: str = "r") -> Any:
        key = (str(path), mode)
        if key not in readers:
            readers[key] = reader_class(path, mode)  # type: ignore[arg-type]
        return readers[key]

    setattr(gguf_lib, "GGUFReader", reader)  # noqa: B010
    setattr(gguf_lib, "get_tensor_name_map", functools.cache(name_map))  # noqa: B010
    try:
        yield
    finally:
        setattr(gguf_lib, "GGUFReader", reader_class)  # noqa: B010
        setattr(gguf_lib, "get_tensor_name_map", name_map)  # noqa: B010
