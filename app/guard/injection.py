"""Prompt-injection screening of customer messages (direct injection, role-play jailbreaks, prompt extraction,
encoding tricks). Indirect injection (instructions planted in catalog text, reviews or policies) is handled
where that text enters the prompt: it is fenced as data (``app.assistant.context.fence``) and the system prompt
says instructions inside data are ignored."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "override",
        re.compile(
            r"\b(ignore|disregard|forget|override|bypass|skip)\b.{0,40}\b(instructions?|rules|guidelines|prompts?|"
            r"polic(y|ies)|restrictions|guardrails|directives|everything (above|before))\b",
            re.IGNORECASE | re.DOTALL,
        ),
    ),
    (
        "prompt_extraction",
        re.compile(
            r"\b(system|initial|hidden|original|developer)\s+(prompt|message|instructions?)\b|"
            r"\b(reveal|show|print|repeat|output|tell me|what (are|were)|give me|leak|dump)\b.{0,40}\byour\s+"
            r"(instructions|rules|prompt|guidelines|configuration)\b|"
            r"\brepeat (the )?(text|words|everything) (above|before)\b",
            re.IGNORECASE | re.DOTALL,
        ),
    ),
    (
        "role_play",
        re.compile(
            r"\b(you are now|from now on you|pretend (to be|you are)|act as|roleplay as|role-play as|simulate)\b.{0,60}"
            r"\b(DAN|unrestricted|unfiltered|jailbr\w*|no (rules|limits|restrictions)|evil|hacker|admin(istrator)?|"
            r"developer mode|another (ai|assistant|model))\b|\bdeveloper mode\b|\bjailbr(eak|oken)\b|(?-i:\bDAN\b)",
            re.IGNORECASE | re.DOTALL,
        ),
    ),
    (
        "impersonation",
        re.compile(
            r"\b(i am|i'm|this is)\s+(the|an?)?\s*(admin|administrator|developer|support agent|system)\b.{0,60}"
            r"\b(show|give|list|access|orders?|customers?|data)\b|^\s*(system|assistant)\s*:",
            re.IGNORECASE | re.DOTALL | re.MULTILINE,
        ),
    ),
    (
        "other_customers",
        re.compile(
            r"\b(all|every|other|another|someone else'?s?|list)\b.{0,30}\b(customers?'?|users?'?)\b.{0,30}"
            r"\b(orders?|emails?|addresses|data|details|information|names)\b",
            re.IGNORECASE | re.DOTALL,
        ),
    ),
    (
        "zh_override",
        re.compile(r"忽略.{0,10}(指令|说明|规则|提示)|系统提示|提示词|你现在是|扮演|越狱"),
    ),
    (
        "markup",
        re.compile(r"<\s*/?\s*(script|iframe|data|system|img|svg)\b|\{\{|\}\}|<\|im_(start|end)\|>", re.IGNORECASE),
    ),
]
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")


@dataclass(frozen=True)
class Screening:
    blocked: bool
    category: str | None = None


def normalise(text: str) -> str:
    """NFKC (full-width and look-alike forms), invisible characters removed, whitespace collapsed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def _decoded_variants(text: str) -> list[str]:
    """Text hidden in base64 blobs or spelled with separators (i-g-n-o-r-e) or backwards."""
    variants = []
    for blob in _BASE64.findall(text):
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if decoded.isprintable():
            variants.append(decoded)
    squeezed = re.sub(r"(?<=\w)[\s.\-_*](?=\w\b|\w[\s.\-_*])", "", text)
    if squeezed != text:
        variants.append(squeezed)
    variants.append(text[::-1])
    return variants


def screen(message: str) -> Screening:
    text = normalise(message)
    for candidate in [text, *_decoded_variants(text)]:
        for category, pattern in _RULES:
            if pattern.search(candidate):
                return Screening(True, category)
    return Screening(False)
