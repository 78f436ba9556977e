"""Federated implicit-feedback matrix factorization: the numeric part, shared by the Flower apps and the eval.

Each shop keeps its users' factors and events. In a round, a shop receives the item factors ``V``, solves its
users' factors (the ALS user step, as ``implicit`` does: confidence ``c = alpha * r``, preference ``r > 0``), then
solves the item factors from its own users only (the ALS item step on local data) and sends back that local
solution with, per item, the confidence mass behind it. The server averages the shops' solutions item by item,
weighted by those masses (FedAvg weighted by interactions); items no shop saw keep their factors.

With differential privacy the shop instead sends the change ``V_local - V`` (zero for items it did not see),
clipped to an L2 norm of ``clip``; the server adds Gaussian noise of standard deviation ``noise * clip`` to the
sum and divides by the number of shops (DP-FedAvg). One shop changes the sum by at most ``clip``, so each round
is a Gaussian mechanism with noise multiplier ``noise``; ``privacy.py`` accounts for the rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FederatedParams:
    factors: int = 64
    regularization: float = 0.05
    alpha: float = 2.0
    rounds: int = 20
    seed: int = 7
    clip: float = 1.0  # L2 bound of one shop's update (DP only)


@dataclass(frozen=True)
class ShopUpdate:
    factors: Matrix  # items x factors: the local item solution, or the clipped change (DP)
    weights: npt.NDArray[np.float64]  # per item: the confidence mass behind it (0: not seen)
    interactions: int


def initial_factors(items: int, params: FederatedParams) -> Matrix:
    rng = np.random.default_rng(params.seed)
    return rng.normal(0.0, 0.01, size=(items, params.factors))


def _solve_rows(matrix: csr_matrix, other: Matrix, params: FederatedParams) -> Matrix:
    """The ALS step for every row of ``matrix`` (rows x columns of raw interaction strengths) given the column
    factors ``other``: ``x = (OᵀO + Oᵀ(C - I)O + λI)⁻¹ OᵀCp``."""
    k = other.shape[1]
    gram = other.T @ other + params.regularization * np.eye(k)
    out = np.zeros((matrix.shape[0], k))
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        cols = matrix.indices[start:end]
        confidence = params.alpha * matrix.data[start:end]
        factors = other[cols]
        a = gram + (factors.T * (confidence - 1.0)) @ factors
        b = factors.T @ confidence
        out[row] = np.linalg.solve(a, b)
    return out


def solve_users(local: csr_matrix, items: Matrix, params: FederatedParams) -> Matrix:
    """A shop's user factors (they never leave the shop)."""
    return _solve_rows(local, items, params)


def local_update(local: csr_matrix, items: Matrix, params: FederatedParams) -> ShopUpdate:
    """One shop's round: user step on its users, then the item step on its own data."""
    users = solve_users(local, items, params)
    by_item = local.T.tocsr()
    solved = _solve_rows(by_item, users, params)
    weights = np.asarray(by_item.sum(axis=1)).ravel() * params.alpha
    return ShopUpdate(solved, weights.astype(np.float64), int(local.nnz))


def fedavg(items: Matrix, updates: list[ShopUpdate]) -> Matrix:
    """Item-wise average of the shops' local solutions weighted by their confidence mass."""
    total = np.zeros_like(items)
    mass = np.zeros(items.shape[0])
    for update in updates:
        total += update.factors * update.weights[:, None]
        mass += update.weights
    seen = mass > 0
    out = items.copy()
    out[seen] = total[seen] / mass[seen, None]
    return out


def clipped_change(items: Matrix, update: ShopUpdate, clip: float) -> Matrix:
    """What a shop sends under DP: its change to the items it saw, scaled down to an L2 norm of at most ``clip``."""
    change = np.where(update.weights[:, None] > 0, update.factors - items, 0.0)
    norm = float(np.linalg.norm(change))
    return change * min(1.0, clip / max(norm, 1e-12))


def dp_fedavg(items: Matrix, changes: list[Matrix], clip: float, noise: float, rng: np.random.Generator) -> Matrix:
    """The server's DP step: sum of clipped changes plus N(0, (noise·clip)²), over the number of shops."""
    total = np.sum(changes, axis=0)
    if noise > 0:
        total = total + rng.normal(0.0, noise * clip, size=total.shape)
    updated: Matrix = items + total / len(changes)
    return updated


def train_in_process(
    shops: list[csr_matrix],
    params: FederatedParams,
    *,
    noise: float | None = None,
    on_round: object = None,
) -> Matrix:
    """The same rounds as the Flower apps, in one process (the eval's reference and the shop-alone case).
    ``noise`` None: plain FedAvg; a number: DP-FedAvg with that noise multiplier (0: clipping only)."""
    items = initial_factors(shops[0].shape[1], params)
    rng = np.random.default_rng(params.seed + 1)
    for _ in range(params.rounds):
        updates = [local_update(shop, items, params) for shop in shops]
        if noise is None:
            items = fedavg(items, updates)
        else:
            items = dp_fedavg(items, [clipped_change(items, u, params.clip) for u in updates], params.clip, noise, rng)
    return items
