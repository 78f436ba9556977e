"""The Flower apps of federated personalization (Message API, flwr 1.42).

``client_app``: one shop. It loads its own interactions (a CSR matrix over the shared item ids) from
``<data>/shop-<partition-id>.npz``, where ``data`` is the node config's ``shop-data`` (a SuperNode started with
``--node-config "partition-id=0 shop-data=/path"``) or the ``SHOPASSIST_FEDERATED_DATA`` environment variable
(the simulation). On a ``train`` message it solves its users against the received item factors and answers with
its local item solution and per-item weights, or, under DP, only the clipped change.

``server_app``: the rounds. It reads its run from ``<data>/run.json`` (rounds, parameters, noise multiplier),
aggregates with FedAvg weighted by interactions or with DP-FedAvg, and writes the item factors and the run's
figures to ``<data>/result.npz`` and ``<data>/result.json``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from scipy.sparse import csr_matrix

from retrieval.federated.mf import (
    FederatedParams,
    ShopUpdate,
    clipped_change,
    dp_fedavg,
    fedavg,
    initial_factors,
    local_update,
)

DATA_ENV = "SHOPASSIST_FEDERATED_DATA"

client_app = ClientApp()
server_app = ServerApp()


def data_dir(context: Context | None = None) -> Path:
    configured = context.node_config.get("shop-data") if context is not None else None
    return Path(str(configured or os.environ[DATA_ENV]))


def save_shop(path: Path, matrix: csr_matrix) -> None:
    np.savez(path, data=matrix.data, indices=matrix.indices, indptr=matrix.indptr, shape=np.array(matrix.shape))


def load_shop(path: Path) -> csr_matrix:
    with np.load(path) as f:
        return csr_matrix((f["data"], f["indices"], f["indptr"]), shape=tuple(f["shape"]))


def _params(config: ConfigRecord) -> FederatedParams:
    return FederatedParams(
        factors=int(str(config["factors"])),
        regularization=float(str(config["regularization"])),
        alpha=float(str(config["alpha"])),
        clip=float(str(config["clip"])),
    )


@client_app.train()
def train(message: Message, context: Context) -> Message:
    shop = load_shop(data_dir(context) / f"shop-{context.node_config['partition-id']}.npz")
    items = message.content.array_records["items"].to_numpy_ndarrays()[0].astype(np.float64)
    config = message.content.config_records["config"]
    params = _params(config)
    update = local_update(shop, items, params)
    dp = bool(config["dp"])  # under DP only the clipped change leaves the shop
    arrays = [clipped_change(items, update, params.clip)] if dp else [update.factors, update.weights]
    reply = RecordDict({"update": ArrayRecord(arrays), "metrics": MetricRecord({"num-examples": update.interactions})})
    return Message(reply, reply_to=message)


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    root = data_dir()
    run: dict[str, Any] = json.loads((root / "run.json").read_text())
    params = FederatedParams(**run["params"])
    noise = run.get("noise")  # None: plain FedAvg
    items = initial_factors(int(run["items"]), params)
    rng = np.random.default_rng(params.seed + 1)
    started = time.perf_counter()
    nodes: list[int] = []
    deadline = time.monotonic() + 60
    while len(nodes) < run["shops"] and time.monotonic() < deadline:
        nodes = list(grid.get_node_ids())
        if len(nodes) < run["shops"]:
            time.sleep(0.2)
    config = ConfigRecord(
        {
            "factors": params.factors,
            "regularization": params.regularization,
            "alpha": params.alpha,
            "clip": params.clip,
            "dp": noise is not None,
        }
    )
    interactions = 0
    for round_number in range(1, params.rounds + 1):
        content = RecordDict({"items": ArrayRecord([items]), "config": config})
        messages = [
            Message(content, dst_node_id=node, message_type="train", group_id=str(round_number)) for node in nodes
        ]
        replies = [r for r in grid.send_and_receive(messages) if r.has_content()]
        if len(replies) < len(nodes):
            raise RuntimeError(f"round {round_number}: {len(nodes) - len(replies)} shops did not answer")
        arrays = [r.content.array_records["update"].to_numpy_ndarrays() for r in replies]
        interactions = sum(int(r.content.metric_records["metrics"]["num-examples"]) for r in replies)
        if noise is None:
            updates = [ShopUpdate(a[0], a[1], 0) for a in arrays]
            items = fedavg(items, updates)
        else:
            items = dp_fedavg(items, [a[0] for a in arrays], params.clip, float(noise), rng)
    np.savez(root / "result.npz", item_factors=items)
    (root / "result.json").write_text(
        json.dumps(
            {
                "shops": len(nodes),
                "rounds": params.rounds,
                "interactions": interactions,
                "noise_multiplier": noise,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    )
