"""Federated training driven from the service's side: export the stored events, run the Flower simulation in the
federated environment (its own interpreter: Flower pins web-framework versions the service cannot share), and
save the item factors it returns as a model version, with the privacy budget in its metadata, through the same
promotion gate as every other trainer (a one-round run with strong DP is not served over a good version).

Every process the run starts (the simulation, Ray's workers) carries a marker in its environment; whatever is
still alive when the run ends is stopped.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import numpy as np

from app.config import FederatedSettings
from app.personalization.promotion import PromotionGate
from app.personalization.training import Trained, promote
from app.store.events import EventStore
from retrieval.recs import AlsParams, AlsRecommender, interaction_matrix, new_version

MARKER = "SHOPASSIST_FEDERATED_RUN"
ROOT = Path(__file__).resolve().parents[2]


class FederatedRunError(RuntimeError):
    """The federated run did not produce a model."""


def interpreter(settings: FederatedSettings) -> Path:
    """The federated environment's Python; a relative setting is relative to the project (where make builds it)."""
    return settings.python if settings.python.is_absolute() else ROOT / settings.python


def environment(**extra: str) -> dict[str, str]:
    """What a process of the federated environment runs with: the project importable, Flower's telemetry off."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "FLWR_TELEMETRY_ENABLED": "0", **extra}


def marked_processes(marker: str) -> list[int]:
    """Processes whose environment carries this run's marker."""
    found = []
    needle = f"{MARKER}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def stop_marked(marker: str, grace_s: float = 5.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = marked_processes(marker)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and marked_processes(marker):
            time.sleep(0.1)


def run_federated(
    events: EventStore,
    params: AlsParams,
    settings: FederatedSettings,
    python: Path,
    work: Path,
    model_dir: Path,
    gate: PromotionGate,
    run: tuple[int, int, float | None],
    *,
    force: bool = False,
) -> Trained:
    """Train over ``run`` = (shops, rounds, ε) on every stored event but the gate's held-out slice, and save
    the result as a version that is served only if the promotion gate (or ``force``) passes it."""
    shops, rounds, epsilon = run
    holdout = gate.split(list(events.interactions()))
    table = interaction_matrix(holdout.train, dtype=np.float64)
    matrix = table.matrix
    if matrix.nnz == 0:
        raise FederatedRunError("no events stored: nothing to train on")
    if matrix.shape[0] < shops:
        raise FederatedRunError(f"{matrix.shape[0]} users cannot be split over {shops} shops")
    np.savez(work / "input.npz", data=matrix.data, indices=matrix.indices, indptr=matrix.indptr,
             shape=np.array(matrix.shape))  # fmt: skip
    f = settings
    command = [
        str(python), "-m", "retrieval.federated.simulate", str(work / "input.npz"), str(work / "out"),
        "--shops", str(shops), "--rounds", str(rounds), "--factors", str(params.factors),
        "--regularization", str(params.regularization), "--alpha", str(params.alpha), "--clip", str(f.clip),
        "--delta", str(f.delta),
    ]  # fmt: skip
    if epsilon is not None:
        command += ["--epsilon", "inf" if math.isinf(epsilon) else str(epsilon)]
    marker = uuid.uuid4().hex
    env = environment(**{MARKER: marker})
    try:
        done = subprocess.run(  # noqa: S603 - our interpreter setting and our arguments
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=f.timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise FederatedRunError(f"stopped after {f.timeout_s:.0f} s") from exc
    finally:
        stop_marked(marker)
    if done.returncode != 0 or not (work / "out" / "result.npz").is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise FederatedRunError(f"exit code {done.returncode}: " + " | ".join(tail))
    result = json.loads((work / "out" / "result.json").read_text())
    with np.load(work / "out" / "result.npz") as arrays:
        factors = arrays["item_factors"].astype(np.float32)
    trained = AlsParams(factors=params.factors, regularization=params.regularization, alpha=params.alpha,
                        iterations=rounds)  # fmt: skip
    metadata = {
        "engine": "federated ALS (Flower, DP-FedAvg)" if result["dp"] else "federated ALS (Flower, FedAvg)",
        "users": int(matrix.shape[0]),
        "items": len(table.item_ids),
        "interactions": int(matrix.nnz),
        "epsilon": result["epsilon"],
        "delta": result["delta"],
        "federated": result,
    }
    model = AlsRecommender(table.item_ids, factors, table.popularity, trained, new_version("-fed"), metadata)
    return promote(model, holdout, model_dir, gate, force=force)
