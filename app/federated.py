"""Federated training driven from the service's side: export the stored events, run the Flower simulation in the
federated environment (its own interpreter: Flower pins web-framework versions the service cannot share), and
save the item factors it returns as a normal model version, with the privacy budget in its metadata.

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
from scipy.sparse import csr_matrix

from app.config import FederatedSettings, Settings
from app.store.database import Database
from retrieval.recs import AlsParams, AlsRecommender

MARKER = "SHOPASSIST_FEDERATED_RUN"
ROOT = Path(__file__).resolve().parent.parent


class FederatedRunError(RuntimeError):
    """The federated run did not produce a model."""


def interpreter(settings: FederatedSettings) -> Path:
    """The federated environment's Python; a relative setting is relative to the project (where make builds it)."""
    return settings.python if settings.python.is_absolute() else ROOT / settings.python


def environment(**extra: str) -> dict[str, str]:
    """What a process of the federated environment runs with: the project importable, Flower's telemetry off."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "FLWR_TELEMETRY_ENABLED": "0", **extra}


def export_interactions(settings: Settings, database: Database) -> tuple[list[str], csr_matrix]:
    """Every stored event as a users x items matrix of confidences (the shared item ids first)."""
    from app.wiring import event_store

    users: dict[str, int] = {}
    items: dict[str, int] = {}
    rows, cols, data = [], [], []
    for user, item, confidence in event_store(settings, database).interactions():
        rows.append(users.setdefault(user, len(users)))
        cols.append(items.setdefault(item, len(items)))
        data.append(confidence)
    matrix = csr_matrix((np.array(data, dtype=np.float64), (rows, cols)), shape=(len(users), len(items)))
    return list(items), matrix


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
    settings: Settings, python: Path, work: Path, shops: int, rounds: int, epsilon: float | None
) -> AlsRecommender:
    from app.wiring import recs_dir

    database = Database(settings.resolved_database_url)
    try:
        database.create_all()
        item_ids, matrix = export_interactions(settings, database)
    finally:
        database.close()
    if matrix.nnz == 0:
        raise FederatedRunError("no events stored: nothing to train on")
    if matrix.shape[0] < shops:
        raise FederatedRunError(f"{matrix.shape[0]} users cannot be split over {shops} shops")
    np.savez(work / "input.npz", data=matrix.data, indices=matrix.indices, indptr=matrix.indptr,
             shape=np.array(matrix.shape))  # fmt: skip
    r, f = settings.recs, settings.federated
    command = [
        str(python), "-m", "retrieval.federated.simulate", str(work / "input.npz"), str(work / "out"),
        "--shops", str(shops), "--rounds", str(rounds), "--factors", str(r.factors),
        "--regularization", str(r.regularization), "--alpha", str(r.alpha), "--clip", str(f.clip),
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
    run = json.loads((work / "out" / "result.json").read_text())
    with np.load(work / "out" / "result.npz") as result:
        factors = result["item_factors"].astype(np.float32)
    popularity = np.asarray((matrix > 0).sum(axis=0)).ravel().astype(np.float32)
    version = time.strftime("als-%Y%m%dT%H%M%S", time.gmtime()) + f"-fed-{uuid.uuid4().hex[:8]}"
    params = AlsParams(factors=r.factors, regularization=r.regularization, alpha=r.alpha, iterations=rounds)
    metadata = {
        "engine": "federated ALS (Flower, DP-FedAvg)" if run["dp"] else "federated ALS (Flower, FedAvg)",
        "users": int(matrix.shape[0]),
        "items": len(item_ids),
        "interactions": int(matrix.nnz),
        "epsilon": run["epsilon"],
        "delta": run["delta"],
        "federated": run,
    }
    model = AlsRecommender(item_ids, factors, popularity, params, version, metadata)
    model.save(recs_dir(settings))
    return model
