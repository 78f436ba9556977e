"""Load prompt templates from the ``prompts`` package: YAML header + Jinja2 body."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

_ENV = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)  # noqa: S701 - plain text prompts, not HTML


class PromptError(ValueError):
    """A prompt file is missing or malformed."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    purpose: str
    source: str
    template: Template

    @property
    def ref(self) -> str:
        """``name@version``, recorded with everything generated from this prompt."""
        return f"{self.name}@{self.version}"

    def render(self, **variables: Any) -> str:
        return self.template.render(**variables).strip()


def parse_prompt(text: str, origin: str) -> Prompt:
    if not text.startswith("---\n"):
        raise PromptError(f"{origin}: a prompt file starts with a '---' YAML header")
    header_text, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise PromptError(f"{origin}: the YAML header is not closed by '---'")
    header = yaml.safe_load(header_text) or {}
    missing = {"name", "version", "purpose"} - set(header)
    if missing:
        raise PromptError(f"{origin}: header lacks {', '.join(sorted(missing))}")
    return Prompt(
        name=str(header["name"]),
        version=int(header["version"]),
        purpose=str(header["purpose"]),
        source=body,
        template=_ENV.from_string(body),
    )


@cache
def load_prompt(name: str) -> Prompt:
    """The prompt ``prompts/<name>.j2`` shipped with the package."""
    resource = files("prompts").joinpath(f"{name}.j2")
    if not resource.is_file():
        raise PromptError(f"no prompt named {name!r} in the prompts package")
    prompt = parse_prompt(resource.read_text(encoding="utf-8"), f"prompts/{name}.j2")
    if prompt.name != name:
        raise PromptError(f"prompts/{name}.j2 declares name {prompt.name!r}")
    return prompt
