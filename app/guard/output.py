"""Checks on what the model wrote: system-prompt leakage (LLM07) and markup that a page could execute (LLM05)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
SHINGLE = 6  # words: a run this long copied from the system prompt is a leak, not a coincidence
_BLOCK = re.compile(r"<\s*(script|style|iframe|object|embed)\b.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
_OPENER = re.compile(r"<(?=\s*[/A-Za-z!?])")
_JS_URL = re.compile(r"\b(javascript|vbscript|data)\s*:", re.IGNORECASE)


def _shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


class LeakDetector:
    def __init__(self, secret_text: str) -> None:
        self._shingles = _shingles(secret_text)

    def leaks(self, reply: str) -> bool:
        return bool(self._shingles & _shingles(reply))


def sanitize_text(text: str) -> str:
    """Plain text that no page can execute: script-like blocks and every tag removed, a stray ``<`` before a
    letter neutralised, ``javascript:``-style URL schemes broken. Ordinary text ("5 < 6", "<3") is unchanged."""
    previous = None
    while previous != text:
        previous = text
        text = _TAG.sub("", _BLOCK.sub("", text))
    return _JS_URL.sub(lambda m: m.group(1) + " :", _OPENER.sub("\u2039", text))
