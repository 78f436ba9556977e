"""Text from the catalog or from reviews shown inside Gradio Markdown: its markup characters are escaped."""

from __future__ import annotations

_SPECIAL = set("\\`*_[]<>#|")


def escape(text: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
