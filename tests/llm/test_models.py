from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.llm.models import (
    SHIPPED_MODELS,
    ModelIntegrityError,
    ModelNotInstalledError,
    ShippedModel,
    chunk_paths,
    join_verified,
    locate,
)


def make_chunks(tmp_path: Path, count: int = 3) -> tuple[list[Path], bytes]:
    parts, payload = [], b""
    for i in range(count):
        data = bytes([i]) * (1000 + i * 37)
        part = tmp_path / f"part{i:02d}.bin"
        part.write_bytes(data)
        parts.append(part)
        payload += data
    return parts, payload


def test_join_concatenates_in_order_and_verifies(tmp_path: Path) -> None:
    parts, payload = make_chunks(tmp_path)
    target = tmp_path / "models" / "joined.gguf"
    join_verified(parts, target, hashlib.sha256(payload).hexdigest())
    assert target.read_bytes() == payload


def test_join_with_wrong_hash_leaves_nothing_behind(tmp_path: Path) -> None:
    parts, _ = make_chunks(tmp_path)
    models = tmp_path / "models"
    with pytest.raises(ModelIntegrityError, match="sha256"):
        join_verified(parts, models / "joined.gguf", "0" * 64)
    assert list(models.iterdir()) == []  # neither the target nor a temporary file


def test_missing_packages_are_all_named() -> None:
    model = ShippedModel(
        key="ghost",
        description="",
        filename="ghost.gguf",
        sha256="0" * 64,
        size=1,
        modules=("shopassist_ghost_part1", "shopassist_ghost_part2"),
        distributions=("ghost-part1==1.0", "ghost-part2==1.0"),
    )
    with pytest.raises(ModelNotInstalledError) as info:
        chunk_paths(model)
    assert "ghost-part1==1.0" in str(info.value)
    assert "ghost-part2==1.0" in str(info.value)
    assert "--no-deps" in str(info.value)


def test_test_model_is_located_and_verified_once(tmp_path: Path) -> None:
    model = SHIPPED_MODELS["smollm2-135m"]
    path = locate(model, tmp_path)
    assert path.is_file() and path.stat().st_size == model.size
    assert path.read_bytes()[:4] == b"GGUF"
    marker = tmp_path / (model.filename + ".sha256")
    assert marker.read_text() == model.sha256
    assert locate(model, tmp_path) == path


def test_pins_cover_every_shipped_model() -> None:
    for model in SHIPPED_MODELS.values():
        assert len(model.sha256) == 64
        assert len(model.modules) == len(model.distributions)
        assert all("==" in dist for dist in model.distributions)
    assert len(SHIPPED_MODELS["qwen2.5-1.5b"].modules) == 22
    assert len(SHIPPED_MODELS["qwen2.5-0.5b"].modules) == 6
