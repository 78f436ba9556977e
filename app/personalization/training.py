"""Training a new recommender version, whatever the engine, through the promotion gate."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.personalization.promotion import Decision, Holdout, Interaction, PromotionGate, PromotionLog
from app.store.events import EventStore
from retrieval.recs import AlsParams, AlsRecommender

log = logging.getLogger(__name__)

Fit = Callable[[Sequence[Interaction]], AlsRecommender]


@dataclass(frozen=True)
class Trained:
    model: AlsRecommender  # the candidate (served only if ``decision.promoted``)
    decision: Decision


def fit_with(engine: str, params: AlsParams) -> Fit:
    """implicit on this machine, or Spark MLlib (extra ``spark``) into the same serving format."""
    if engine == "spark":
        from retrieval.recs_spark import fit_spark

        return lambda interactions: fit_spark(interactions, params)
    if engine != "implicit":
        raise ValueError(f"unknown engine {engine!r}")
    return lambda interactions: AlsRecommender.fit(interactions, params)


def train_and_promote(
    events: EventStore, fit: Fit, model_dir: Path, gate: PromotionGate, *, force: bool = False
) -> Trained | None:
    """Fit a candidate on every stored event but the held-out slice, score it against the served version, save
    it, and switch to it only if the gate (or ``force``) says so; None when there are no events yet."""
    interactions = list(events.interactions())
    if not interactions:
        return None
    holdout = gate.split(interactions)
    candidate = fit(holdout.train)
    return promote(candidate, holdout, model_dir, gate, force=force)


def promote(
    candidate: AlsRecommender, holdout: Holdout, model_dir: Path, gate: PromotionGate, *, force: bool = False
) -> Trained:
    """The gate's decision on a trained candidate, saved and logged (the one path every engine ends in)."""
    decision = gate.decide(candidate, AlsRecommender.load(model_dir), holdout, force=force)
    candidate.metadata["promotion"] = {k: v for k, v in decision.public().items() if k != "candidate"}
    candidate.save(model_dir, current=decision.promoted)
    PromotionLog(model_dir).append(decision)
    level = logging.INFO if decision.promoted else logging.WARNING
    log.log(level, "recommender version %s", "promoted" if decision.promoted else "rejected",
            extra={"version": candidate.version, "reason": decision.reason})  # fmt: skip
    return Trained(candidate, decision)
