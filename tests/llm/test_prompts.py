from __future__ import annotations

from importlib.resources import files

import pytest

from app.llm.prompts import PromptError, load_prompt, parse_prompt


def test_every_prompt_file_parses_and_names_itself() -> None:
    names = [p.name.removesuffix(".j2") for p in files("prompts").iterdir() if p.name.endswith(".j2")]
    assert "assistant_system" in names
    for name in names:
        prompt = load_prompt(name)
        assert prompt.name == name and prompt.version >= 1 and prompt.purpose


def test_assistant_prompt_renders_the_shop_name() -> None:
    prompt = load_prompt("assistant_system")
    text = prompt.render(shop_name="Acme Outfitters", shop_description="an online hardware store", short_refs=True)
    assert "Acme Outfitters, an online hardware store" in text and "clothing" not in text
    assert "card number in square brackets" in text and "[P123]" not in text
    assert prompt.ref == f"assistant_system@{prompt.version}"
    with_ids = prompt.render(shop_name="Acme", shop_description="a shop", short_refs=False)
    assert "its id in square brackets" in with_ids and "[P123]" in with_ids


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(Exception, match="shop_name"):
        load_prompt("assistant_system").render(short_refs=True)


@pytest.mark.parametrize(
    "text",
    ["no header", "---\nname: x\nversion: 1\n", "---\nname: x\n---\nbody"],
)
def test_malformed_prompt_files_are_refused(text: str) -> None:
    with pytest.raises(PromptError):
        parse_prompt(text, "test.j2")


def test_unknown_prompt_is_refused() -> None:
    with pytest.raises(PromptError, match="no prompt"):
        load_prompt("does_not_exist")
