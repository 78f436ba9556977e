"""Product copy on the shops that are not the demo boutique: ``python -m eval.shop_copy [out.json] [shop ...]``.

The copy suite (``eval/copy.py``) runs on the demo boutique; here the same drafts and checks run on every product
of Voltline (electronics, home, outdoor, beauty) and Greenleaf (grocery and beauty, Chinese names, nested
attributes), each loaded into its own fresh service as in ``eval/shop_chat.py``. The figure the any-shop issue
sets: health or benefit claims without a supporting attribute in the final drafts, 0. The final texts are kept in
the rows to be read by hand, since a claim no check reads shows only there.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from app.config import LLMSettings
from eval import copy
from eval.shop_chat import serving_shop

SHOPS = ("voltline", "greenleaf")


def run(
    llm: LLMSettings,
    root: Path,
    shops: tuple[str, ...] = SHOPS,
    products: int | None = None,
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """Copy figures per shop: ``products`` drafts spread over its catalog (None: every product)."""
    out: dict[str, Any] = {}
    for shop in shops:
        with serving_shop(shop, root / shop, llm) as (_base, services):
            if max_tokens is not None:
                services.copywriter.max_tokens = max_tokens
            count = products or len(services.catalog.ids())
            out[shop] = copy.run_on(services, count)
    return out


def main() -> None:
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("shop_copy.json")
    shops = tuple(sys.argv[2:]) or SHOPS
    with tempfile.TemporaryDirectory(prefix="shopassist-shop-copy-") as tmp:
        figures = run(LLMSettings(), Path(tmp), shops)
    target.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for shop, f in figures.items():
        print(shop, json.dumps({k: v for k, v in f.items() if k not in ("rows", "per_category")}, ensure_ascii=False))


if __name__ == "__main__":
    main()
