"""Generated test and evaluation shops beside the demo boutique: other trades, id shapes, attribute schemas,
policy topics and languages, so nothing in the answer path can quietly depend on one shop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def writers() -> dict[str, Callable[[Path], dict[str, Any]]]:
    """Every shop the tests and evaluations run on, by name (the boutique reads its reviews from a package)."""
    from retrieval.demo_store import write_demo_store
    from retrieval.shops.greenleaf import write_greenleaf
    from retrieval.shops.pfoten import write_pfoten
    from retrieval.shops.sommet import write_sommet
    from retrieval.shops.voltline import write_voltline

    return {
        "boutique": write_demo_store,
        "voltline": write_voltline,
        "greenleaf": write_greenleaf,
        "pfoten": write_pfoten,
        "sommet": write_sommet,
    }
