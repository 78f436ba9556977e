"""Compact, fenced text for the prompt: every token of per-turn context costs ~10 ms of prefill on CPU."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.assistant.tools import OrderView
from retrieval.catalog import Product
from retrieval.policies import Passage

_LETTER_SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"]
_FENCE = re.compile(r"</?\s*data\s*>|[<>]", re.IGNORECASE)


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def currency_symbol(currency: str) -> str | None:
    return _SYMBOLS.get(currency.upper())


def money(amount: float, currency: str) -> str:
    """An amount in its own currency: ``$9.94``, ``€9.94``, ``9.94 CHF`` (never a dollar sign on euros)."""
    symbol = currency_symbol(currency)
    return f"{symbol}{amount:.2f}" if symbol else f"{amount:.2f} {currency}"


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


_UNIT_SUFFIXES = {"w": "W", "l": "L", "kg": "kg", "g": "g", "ml": "ml", "mm": "mm", "in": "in", "hz": "Hz",
                  "gb": "GB", "c": "°C", "bar": "bar", "h": "h", "kcal": "kcal", "mah": "mAh"}  # fmt: skip


def attribute_line(name: str, value: object, yes_no: tuple[str, str] | None = None) -> str:
    """``wattage_w: 2200`` → ``wattage: 2200 W`` (the feed's unit suffix read back as a unit); a yes/no value
    as the bare name or "no name", or as "name: yes" in the words ``yes_no`` of another language."""
    words = name.split(".")[-1].split("_")
    unit = _UNIT_SUFFIXES.get(words[-1].lower()) if len(words) > 1 else None
    label = " ".join(words[:-1] if unit else words)
    if isinstance(value, bool) and yes_no is not None:
        return f"{label}: {yes_no[0] if value else yes_no[1]}"
    if value is True:
        return label
    if value is False:
        return f"no {label}"
    shown = _sizes(value) if label == "size" else _listed(value)
    return f"{label}: {shown} {unit}" if unit else f"{label}: {shown}"


_DESCRIPTION_CHARS = 160  # the description's start on a detailed card: facts it adds, at ~10 ms a token
_COMPACT_ATTRIBUTES = 2  # short values shown on a compact card, those the question named first


COPY_FIELDS = frozenset({"bullets", "seo_title", "meta_description"})  # approved copy kept as attributes: not facts


def fact_attributes(product: Product) -> list[str]:
    """The attributes that state something about the product (copy fields and empty values left out)."""
    return [k for k, v in product.attributes.items() if k not in COPY_FIELDS and v not in ("", None, [])]


def product_card(product: Product, detailed: bool = False, matched: Sequence[str] = (), ref: str | None = None) -> str:
    """``[P0123] Title - $49.95; colour: navy/black; size: XS-XL`` (every attribute and the description's start
    when ``detailed``; else the attributes the question named, then the shortest others); ``[ref]`` in place of
    the id when the card is shown with a short reference.

    Qwen's tokenizer spends a token per digit, so a card is ~30 tokens compact, ~60-90 detailed.
    """
    a = product.attributes
    parts = [f"${product.price:.2f}" if product.currency == "USD" else f"{product.price:.2f} {product.currency}"]
    if detailed:
        parts += [attribute_line(k, a[k]) for k in fact_attributes(product)]
        if product.rating is not None and product.review_count:
            parts.append(f"{product.rating:.1f} stars ({product.review_count} reviews)")
    else:
        named = [k for k in matched if k in a]
        rest = sorted((k for k in a if k not in COPY_FIELDS and k not in named and a[k] not in ("", None, [], False)),
                      key=lambda k: len(_listed(a[k])))  # fmt: skip
        parts += [attribute_line(k, a[k]) for k in [*named, *rest][:_COMPACT_ATTRIBUTES]]
    if detailed or not product.in_stock:  # a search shows only products in stock: said where it is asked
        parts.append("in stock" if product.in_stock else "OUT OF STOCK")
    card = f"[{ref or product.id}] {product.title} - " + "; ".join(parts)
    if detailed and product.description:
        card += ". " + fence(product.description, _DESCRIPTION_CHARS)
    return fence(card, 480 if detailed else 220)


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
    parts.append(f"total {money(order.total, order.currency)}")
    if order.tracking_number:
        parts.append(f"tracking {order.tracking_number}")
    items = ", ".join(f"{i.quantity}x {i.title or i.product_id} [{i.product_id}]" for i in order.items[:4])
    if len(order.items) > 4:
        items += f" and {len(order.items) - 4} more"
    parts.append(f"items: {items}")
    parts.append(f"return: {view.return_note}")
    return fence("; ".join(parts), 500)
