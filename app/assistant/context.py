"""Compact, fenced text for the prompt: every token of per-turn context costs ~10 ms of prefill on CPU."""

from __future__ import annotations

import re

from app.assistant.tools import OrderView
from retrieval.catalog import Product
from retrieval.policies import Passage

_LETTER_SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"]
_FENCE = re.compile(r"</?\s*data\s*>|[<>]", re.IGNORECASE)


def fence(text: str, limit: int = 300) -> str:
    """Data text made safe to place inside the <data> block: no tags, one line, bounded length."""
    clean = " ".join(_FENCE.sub(" ", text).split())
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def _sizes(values: object) -> str:
    if not isinstance(values, list) or not values:
        return ""
    sizes = [str(v) for v in values]
    if all(s in _LETTER_SIZES for s in sizes) and len(sizes) > 2:
        order = sorted(sizes, key=_LETTER_SIZES.index)
        positions = [_LETTER_SIZES.index(s) for s in order]
        if positions == list(range(positions[0], positions[-1] + 1)):
            return f"{order[0]}-{order[-1]}"
    return "/".join(sizes)


def _listed(values: object) -> str:
    if isinstance(values, list):
        return "/".join(str(v) for v in values)
    return "" if values is None else str(values)


def product_card(product: Product, detailed: bool = False) -> str:
    """``[P0123] Title - $49.95; navy/black; XS-XL`` (+ material, rating and stock when ``detailed``).

    Qwen's tokenizer spends a token per digit, so a card is ~30 tokens compact, ~45 detailed.
    """
    a = product.attributes
    parts = [f"${product.price:.2f}" if product.currency == "USD" else f"{product.price:.2f} {product.currency}"]
    colours = a.get("colour") or a.get("color")
    if isinstance(colours, list) and not detailed:
        colours = colours[:3]
    for value in (_listed(colours), _sizes(a.get("size"))):
        if value:
            parts.append(value)
    if detailed:
        material = _listed(a.get("material"))
        if material and material.lower() not in product.title.lower():
            parts.append(material)
        if product.rating is not None and product.review_count:
            parts.append(f"{product.rating:.1f} stars ({product.review_count} reviews)")
    if not product.in_stock:
        parts.append("OUT OF STOCK")
    return fence(f"[{product.id}] {product.title} - " + "; ".join(parts), 220)


def policy_line(passage: Passage) -> str:
    return "- " + fence(passage.text, 400)


def order_line(view: OrderView) -> str:
    order = view.order
    parts = [f"{order.id}: {order.status}"]
    if order.delivered_at:
        parts.append(f"delivered {order.delivered_at.date().isoformat()}")
    elif order.shipped_at:
        parts.append(f"shipped {order.shipped_at.date().isoformat()}")
        if order.estimated_delivery:
            parts.append(f"expected {order.estimated_delivery}")
    parts.append(f"placed {order.placed_at.date().isoformat()}")
    parts.append(f"total ${order.total:.2f}")
    if order.tracking_number:
        parts.append(f"tracking {order.tracking_number}")
    items = ", ".join(f"{i.quantity}x {i.title or i.product_id} [{i.product_id}]" for i in order.items[:4])
    if len(order.items) > 4:
        items += f" and {len(order.items) - 4} more"
    parts.append(f"items: {items}")
    parts.append(f"return: {view.return_note}")
    return fence("; ".join(parts), 500)
