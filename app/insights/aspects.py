"""Aspect mentions in a review: which aspects (fit, material, price, …) it talks about and what it says.

Terms per aspect and language come from a YAML file (``aspects.yaml`` here, or a shop's own). A sentence that
contains an aspect's term mentions it; a fixed finding's phrase ("runs small") in that sentence names the
finding, else the sentence's sentiment picks the aspect's positive or negative label (the review's stars when
the sentence is neutral). One mention per aspect and review.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.insights.sentiment import language_of

DEFAULT_FILE = Path(__file__).with_name("aspects.yaml")
_SENTENCES = {
    "en": re.compile(r"(?<=[.!?;])\s+|\n+|\s+but\s+", re.I),
    "zh": re.compile(r"[。！？!?\uff1b;\n~]+|但是|不过"),
}


@dataclass(frozen=True)
class Mention:
    aspect: str
    label: str
    sentiment: str  # positive | neutral | negative


@dataclass(frozen=True)
class _Finding:
    label: str
    sentiment: str
    patterns: dict[str, re.Pattern[str]]


@dataclass(frozen=True)
class _Aspect:
    name: str
    patterns: dict[str, re.Pattern[str]]
    positive: str
    negative: str
    findings: tuple[_Finding, ...]


def _pattern(lang: str, terms: Sequence[str]) -> re.Pattern[str] | None:
    terms = [t for t in terms if str(t).strip()]
    if not terms:
        return None
    alternatives = "|".join(re.escape(str(t)) for t in sorted(terms, key=len, reverse=True))
    return re.compile(alternatives if lang == "zh" else rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)


def _patterns(spec: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    out = {}
    for lang in ("en", "zh"):
        pattern = _pattern(lang, spec.get(lang) or [])
        if pattern is not None:
            out[lang] = pattern
    return out


def load_aspects(path: Path | None = None) -> list[_Aspect]:
    data = yaml.safe_load((path or DEFAULT_FILE).read_text(encoding="utf-8")) or {}
    aspects = []
    for name, spec in data.items():
        findings = tuple(
            _Finding(str(label), str(f.get("sentiment", "neutral")), _patterns(f))
            for label, f in (spec.get("labels") or {}).items()
        )
        aspects.append(_Aspect(str(name), _patterns(spec), str(spec.get("positive", name)),
                               str(spec.get("negative", name)), findings))  # fmt: skip
    return aspects


def sentences(text: str, lang: str) -> list[str]:
    return [s.strip() for s in _SENTENCES[lang].split(text) if s and s.strip()]


class AspectExtractor:
    """``mentions(text, rating)``; ``score`` gives P(positive) for sentences (the review sentiment model)."""

    def __init__(self, score: Callable[[Sequence[str]], list[float]], path: Path | None = None,
                 neutral_band: float = 0.15) -> None:  # fmt: skip
        self.aspects = load_aspects(path)
        self.score = score
        self.neutral_band = neutral_band

    def mentions(self, text: str, rating: int | None = None) -> list[Mention]:
        return self.mentions_many([text], [rating])[0]

    def mentions_many(self, texts: Sequence[str], ratings: Sequence[int | None]) -> list[list[Mention]]:
        """Mentions of each text; the sentences of all of them are scored in one call (loading a shop's reviews)."""
        found = [self._hits(text) for text in texts]
        wanted = [
            (i, n) for i, (_, parts, hits) in enumerate(found) for n in sorted({n for h in hits.values() for n in h})
        ]
        probabilities = self.score([found[i][1][n] for i, n in wanted]) if wanted else []
        by_sentence: list[dict[int, float]] = [{} for _ in texts]
        for (i, n), p in zip(wanted, probabilities, strict=True):
            by_sentence[i][n] = p
        return [
            self._resolve(lang, parts, hits, by_sentence[i], ratings[i]) for i, (lang, parts, hits) in enumerate(found)
        ]

    def _hits(self, text: str) -> tuple[str, list[str], dict[str, list[int]]]:
        lang = language_of(text)
        parts = sentences(text, lang)
        hits: dict[str, list[int]] = {}
        for n, part in enumerate(parts):
            for aspect in self.aspects:
                pattern = aspect.patterns.get(lang)
                if pattern is not None and pattern.search(part):
                    hits.setdefault(aspect.name, []).append(n)
        return lang, parts, hits

    def _resolve(
        self, lang: str, parts: list[str], hits: dict[str, list[int]], by_sentence: dict[int, float],
        rating: int | None,
    ) -> list[Mention]:  # fmt: skip
        out = []
        for aspect in self.aspects:
            if aspect.name not in hits:
                continue
            finding = self._finding(aspect, [parts[n] for n in hits[aspect.name]], lang)
            if finding is not None:
                out.append(Mention(aspect.name, finding.label, finding.sentiment))
                continue
            mean = sum(by_sentence[n] for n in hits[aspect.name]) / len(hits[aspect.name])
            sentiment = self._sentiment(mean, rating)
            label = {"positive": aspect.positive, "negative": aspect.negative}.get(
                sentiment, f"{aspect.name} mentioned"
            )
            out.append(Mention(aspect.name, label, sentiment))
        return out

    @staticmethod
    def _finding(aspect: _Aspect, parts: list[str], lang: str) -> _Finding | None:
        for finding in aspect.findings:
            pattern = finding.patterns.get(lang)
            if pattern is not None and any(pattern.search(p) for p in parts):
                return finding
        return None

    def _sentiment(self, probability: float, rating: int | None) -> str:
        if probability >= 0.5 + self.neutral_band:
            return "positive"
        if probability <= 0.5 - self.neutral_band:
            return "negative"
        if rating is not None:
            return "positive" if rating >= 4 else "negative" if rating <= 2 else "neutral"
        return "neutral"
