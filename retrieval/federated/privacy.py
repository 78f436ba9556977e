"""The privacy budget of DP-FedAvg, computed by Google's ``dp-accounting`` library (Rényi DP accountant).

Every shop takes part in every round (no sampling), one shop moves the clipped sum by at most ``clip``, and the
server adds N(0, (noise·clip)²): each round is a Gaussian mechanism with noise multiplier ``noise``; ``rounds``
of them compose. The guarantee is per shop (a whole shop's events), for the given δ.
"""

from __future__ import annotations

import math


def epsilon(noise: float, rounds: int, delta: float) -> float:
    """ε after ``rounds`` Gaussian rounds with this noise multiplier (∞ without noise)."""
    if noise <= 0:
        return math.inf
    import dp_accounting  # the federated environment

    accountant = dp_accounting.rdp.RdpAccountant()
    accountant.compose(dp_accounting.GaussianDpEvent(noise), rounds)
    return float(accountant.get_epsilon(delta))


def noise_for(target_epsilon: float, rounds: int, delta: float) -> float:
    """The smallest noise multiplier whose ε is at most the target (bisection on the accountant's ε)."""
    if math.isinf(target_epsilon):
        return 0.0
    low, high = 0.05, 1.0
    while epsilon(high, rounds, delta) > target_epsilon:
        high *= 2
        if high > 1e4:
            raise ValueError(f"ε={target_epsilon} is out of reach in {rounds} rounds")
    for _ in range(40):
        middle = (low + high) / 2
        if epsilon(middle, rounds, delta) > target_epsilon:
            low = middle
        else:
            high = middle
    return high
