"""The auction for sponsored slots and the pacing throttle: pure functions, shared by serving and the replay
simulation (``eval/ads.py``).

Generalised second price on quality-weighted bids: candidates rank by ``bid x pCTR^squash``; the winner of slot k
pays the least bid that would still have kept it above the next candidate, ``score(k+1) / pCTR(k)^squash``, never
less than the reserve and never more than its own bid. ``squash`` above 1 weighs the click probability more than
the bid (Lahaie and Pennock's family of ranking rules): more clicks per impression at some cost per auction.
``highest_bid`` is the baseline the evaluation compares with (rank and price by bid alone).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CENT = 0.01


@dataclass(frozen=True)
class Bidder:
    campaign_id: str
    product_id: str
    bid: float  # max CPC
    pctr: float  # predicted click-through rate at the slot
    relevance: float = 1.0


@dataclass(frozen=True)
class Win:
    bidder: Bidder
    price: float  # charged per click (second price), reserve <= price <= bid
    explored: bool = False


def _round_up(value: float) -> float:
    return round(int(value / CENT + 0.999999) * CENT, 2)


def quality_gsp(bidders: list[Bidder], slots: int, reserve: float, *, rng: random.Random | None = None,
                explore: float = 0.0, squash: float = 1.0) -> list[Win]:  # fmt: skip
    """Winners of up to ``slots`` slots (one ad per campaign and per product). With probability ``explore`` a
    slot goes to a random eligible bidder instead (so new campaigns get impressions); it pays the reserve."""
    eligible = [b for b in bidders if b.bid >= reserve and b.pctr > 0]
    quality = {id(b): b.pctr**squash for b in eligible}
    ranked = sorted(eligible, key=lambda b: (-(b.bid * quality[id(b)]), b.campaign_id, b.product_id))
    wins: list[Win] = []
    taken_campaigns: set[str] = set()
    taken_products: set[str] = set()
    while ranked and len(wins) < slots:
        explored = rng is not None and explore > 0 and rng.random() < explore
        bidder = rng.choice(ranked) if explored and rng is not None else ranked[0]
        rest = [b for b in ranked if b is not bidder]
        if explored:
            price = reserve
        else:
            runner_up = next((b for b in rest if b.campaign_id != bidder.campaign_id), None)
            needed = runner_up.bid * quality[id(runner_up)] / quality[id(bidder)] if runner_up else reserve
            price = min(bidder.bid, max(reserve, _round_up(needed)))
        wins.append(Win(bidder, round(price, 2), explored))
        taken_campaigns.add(bidder.campaign_id)
        taken_products.add(bidder.product_id)
        ranked = [b for b in rest if b.campaign_id not in taken_campaigns and b.product_id not in taken_products]
    return wins


def highest_bid(bidders: list[Bidder], slots: int, reserve: float) -> list[Win]:
    """The baseline: rank by bid alone, pay the next bid (GSP without quality)."""
    return quality_gsp([Bidder(b.campaign_id, b.product_id, b.bid, 1.0, b.relevance) for b in bidders], slots,
                       reserve)  # fmt: skip


def pacing_pass(spent: float, budget: float, day_fraction: float, gain: float = 10.0) -> float:
    """The probability of entering an auction now: spend is steered onto an even schedule through the day.
    On schedule (spent share = day share) or behind it, 1; ahead by ``1 / gain`` of the budget, 0; 0 once the
    budget is spent. Stateless, so every worker and a restarted process throttle alike."""
    if budget <= 0 or spent >= budget:
        return 0.0
    ahead = spent / budget - day_fraction
    return max(0.0, min(1.0, 1.0 - gain * ahead))
