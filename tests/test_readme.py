"""The README is the user's map: its configuration table must list every setting."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from app.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def env_names(model: type[BaseModel], prefix: str = "SHOPASSIST_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(env_names(annotation, f"{prefix}{name.upper()}__"))
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_documented() -> None:
    missing = [name for name in env_names(Settings) if f"`{name}`" not in README]
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_quick_start_is_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start and "make test" in quick_start
