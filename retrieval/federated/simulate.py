"""Run the Flower apps on one machine (``flwr[simulation]``: one Ray worker per shop) over interactions split by
user into shops. Runs in the federated virtual environment (``make venv-federated``; Flower pins versions of
FastAPI, Starlette and Typer that the service cannot share):

    python -m retrieval.federated.simulate INPUT.npz OUT_DIR --shops 5 --rounds 20 [--epsilon 8 --delta 1e-5]

``INPUT.npz`` holds a users x items CSR matrix of interaction strengths (``data``, ``indices``, ``indptr``,
``shape``). ``OUT_DIR`` receives ``result.npz`` (the item factors) and ``result.json`` (the run, with ε).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from retrieval.federated.mf import FederatedParams
from retrieval.federated.privacy import epsilon, noise_for


def split_users(matrix: csr_matrix, shops: int, seed: int) -> list[csr_matrix]:
    """Each user (row) goes to one shop, at random (seeded); every shop keeps the shared item columns."""
    owner = np.random.default_rng(seed).integers(0, shops, size=matrix.shape[0])
    return [matrix[np.nonzero(owner == s)[0]] for s in range(shops)]


def simulate(
    shops: list[csr_matrix],
    params: FederatedParams,
    out: Path,
    *,
    target_epsilon: float | None = None,
    delta: float = 1e-5,
) -> dict[str, object]:
    """Run the ServerApp and one ClientApp per shop in Flower's simulation runtime; returns the run's figures.
    ``target_epsilon`` None: FedAvg without DP; a number (``inf`` allowed): DP-FedAvg calibrated to it."""
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    from flwr.simulation import run_simulation

    from retrieval.federated.apps import DATA_ENV, client_app, save_shop, server_app

    noise = None if target_epsilon is None else noise_for(target_epsilon, params.rounds, delta)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shopassist-federated-") as tmp:
        work = Path(tmp)
        for n, shop in enumerate(shops):
            save_shop(work / f"shop-{n}.npz", shop)
        run = {"params": asdict(params), "noise": noise, "items": shops[0].shape[1], "shops": len(shops)}
        (work / "run.json").write_text(json.dumps(run))
        os.environ[DATA_ENV] = str(work)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_simulation(
                server_app=server_app,
                client_app=client_app,
                num_supernodes=len(shops),
                backend_config={
                    "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
                    "init_args": {"num_cpus": max(1, min(len(shops), os.cpu_count() or 1)), "include_dashboard": False},
                },
            )
        if not (work / "result.npz").is_file():
            raise RuntimeError("the federated run ended without a result (see the Flower log above)")
        shutil.copy(work / "result.npz", out / "result.npz")
        result: dict[str, object] = json.loads((work / "result.json").read_text())
    eps = None if noise is None else epsilon(noise, params.rounds, delta)  # ∞ when clipping only
    result.update(
        {
            "dp": noise is not None,
            "epsilon": eps if eps is not None and math.isfinite(eps) else None,
            "epsilon_target": target_epsilon if target_epsilon is None or math.isfinite(target_epsilon) else "inf",
            "delta": delta if noise is not None else None,
            "clip": params.clip if noise is not None else None,
            "params": asdict(params),
            "accountant": "dp-accounting RDP (Gaussian, every shop every round)" if noise else None,
        }
    )
    (out / "result.json").write_text(json.dumps(result, indent=1))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--shops", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--regularization", type=float, default=0.05)
    parser.add_argument("--alpha", type=float, default=2.0)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--epsilon", type=float, default=None, help="DP-FedAvg at this ε (inf: clipping only)")
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with np.load(args.input) as f:
        matrix = csr_matrix((f["data"], f["indices"], f["indptr"]), shape=tuple(f["shape"]))
    params = FederatedParams(args.factors, args.regularization, args.alpha, args.rounds, args.seed, args.clip)
    shops = split_users(matrix, args.shops, args.seed)
    result = simulate(shops, params, args.out, target_epsilon=args.epsilon, delta=args.delta)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
