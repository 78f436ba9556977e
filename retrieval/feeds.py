"""Product feed readers: CSV, JSON Lines, Google Merchant Center TSV and Shopify's product CSV export.

Every reader returns the valid products and one ``Rejection`` per problem (line, field, reason): a bad row
never stops the good ones from loading.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from retrieval.catalog import AttributeValue, Product

FeedFormat = Literal["csv", "jsonl", "gmc", "shopify"]
FORMATS: tuple[FeedFormat, ...] = ("csv", "jsonl", "gmc", "shopify")

csv.field_size_limit(10 * 1024 * 1024)

PRODUCT_FIELDS = set(Product.model_fields)
ATTRIBUTE_ALIASES = {"color": "colour", "colors": "colour", "colours": "colour", "sizes": "size"}
LIST_ATTRIBUTES = {"colour", "size"}
_TRUE = {"true", "yes", "y", "1", "in stock", "in_stock", "instock", "available"}
_FALSE = {"false", "no", "n", "0", "out of stock", "out_of_stock", "outofstock", "sold out", "unavailable"}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class FeedError(ValueError):
    """The feed as a whole cannot be read (unknown format, not text, no header)."""


@dataclass(frozen=True)
class Rejection:
    line: int
    field: str
    message: str


@dataclass
class FeedResult:
    format: FeedFormat
    products: list[Product] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


# ---- value parsing -----------------------------------------------------------------------------------


class _BadValue(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _BadValue(name, f"expected true/false (or in stock/out of stock), got {raw!r}")


def _number(name: str, raw: str) -> float:
    try:
        return float(raw.replace(",", "").strip())
    except ValueError:
        raise _BadValue(name, f"expected a number, got {raw!r}") from None


def _money(name: str, raw: str) -> tuple[float, str | None]:
    """``"12.99 USD"``, ``"12.99"``, ``"$12.99"`` → (12.99, "USD" | None)."""
    text = raw.strip()
    match = re.fullmatch(r"\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([A-Za-z]{3})?", text)
    if not match:
        raise _BadValue(name, f"expected a price such as '12.99 USD', got {raw!r}")
    return float(match.group(1).replace(",", "")), (match.group(2).upper() if match.group(2) else None)


def _attribute(key: str, raw: str) -> AttributeValue:
    if key in LIST_ATTRIBUTES:
        return [part.strip() for part in re.split(r"[|,/]", raw) if part.strip()]
    return raw.strip()


def _strip_html(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def flatten_attributes(attributes: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted names (``nutrition.protein_g``), lists hold strings, nulls are dropped:
    a feed's own schema ingests as it is, whatever its attribute names."""
    flat: dict[str, Any] = {}
    for key, value in attributes.items():
        name = ATTRIBUTE_ALIASES.get(str(key), str(key)) if not prefix else f"{prefix}.{key}"
        if isinstance(value, dict):
            flat.update(flatten_attributes(value, name))
        elif isinstance(value, list | tuple):
            items = [_scalar_text(v) for v in value if v is not None and not isinstance(v, dict | list)]
            flat[name] = [v for v in items if v]
        elif value is not None:
            flat[name] = value
    return flat


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _validate(line: int, data: dict[str, Any], result: FeedResult, seen: dict[str, int]) -> None:
    if isinstance(data.get("attributes"), dict):
        data = {**data, "attributes": flatten_attributes(data["attributes"])}
    try:
        product = Product.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(part) for part in error.get("loc", ())) or "row"
            result.rejected.append(Rejection(line, loc, error.get("msg", "invalid")))
        return
    if product.id in seen:
        result.rejected.append(Rejection(line, "id", f"duplicate id {product.id!r}, first on line {seen[product.id]}"))
        return
    seen[product.id] = line
    result.products.append(product)


# ---- readers -----------------------------------------------------------------------------------------


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise FeedError("the feed has no header row")
    start = 2
    for row in reader:
        yield start, {(k or "").strip(): (v or "") for k, v in row.items() if k is not None}
        start = reader.line_num + 1


def read_csv(text: str) -> FeedResult:
    """Our CSV: product fields as columns; ``attributes`` as JSON and/or any other column as an attribute."""
    result, seen = FeedResult("csv"), dict[str, int]()
    for line, row in _rows(text, ","):
        try:
            data: dict[str, Any] = {}
            attributes: dict[str, AttributeValue] = {}
            for key, raw in row.items():
                name = key.lower()
                if raw.strip() == "":
                    continue
                if name == "attributes":
                    try:
                        parsed = json.loads(raw)
                    except json.JSONDecodeError:
                        raise _BadValue("attributes", "expected a JSON object") from None
                    if not isinstance(parsed, dict):
                        raise _BadValue("attributes", "expected a JSON object")
                    attributes.update(parsed)
                elif name == "in_stock":
                    data["in_stock"] = _bool(name, raw)
                elif name == "price":
                    data["price"], currency = _money(name, raw)
                    if currency:
                        data.setdefault("currency", currency)
                elif name in {"stock", "review_count"}:
                    data[name] = int(_number(name, raw))
                elif name == "rating":
                    data[name] = _number(name, raw)
                elif name in PRODUCT_FIELDS:
                    data[name] = raw
                else:
                    attr = ATTRIBUTE_ALIASES.get(name, name)
                    attributes[attr] = _attribute(attr, raw)
            if attributes:
                data["attributes"] = attributes
            if "in_stock" not in data and "stock" in data:
                data["in_stock"] = data["stock"] > 0
        except _BadValue as exc:
            result.rejected.append(Rejection(line, exc.field, str(exc)))
            continue
        _validate(line, data, result, seen)
    return result


def read_jsonl(text: str) -> FeedResult:
    """One product object per line (the ``Product`` fields)."""
    result, seen = FeedResult("jsonl"), dict[str, int]()
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            result.rejected.append(Rejection(line, "row", f"invalid JSON: {exc.msg}"))
            continue
        if not isinstance(data, dict):
            result.rejected.append(Rejection(line, "row", "expected a JSON object"))
            continue
        _validate(line, data, result, seen)
    return result


GMC_ATTRIBUTES = ("color", "size", "material", "pattern", "gender", "age_group", "condition", "gtin", "mpn")


def read_gmc(text: str) -> FeedResult:
    """Google Merchant Center tab-separated feed (standard column names)."""
    result, seen = FeedResult("gmc"), dict[str, int]()
    for line, row in _rows(text, "\t"):
        try:
            data: dict[str, Any] = {
                "id": row.get("id", ""),
                "title": row.get("title", ""),
                "description": _strip_html(row.get("description", "")),
                "brand": row.get("brand", ""),
                "category": row.get("product_type") or row.get("google_product_category", ""),
            }
            price_raw = row.get("sale_price") or row.get("price", "")
            if not price_raw.strip():
                raise _BadValue("price", "price is required")
            data["price"], currency = _money("price", price_raw)
            data["currency"] = currency or "USD"
            availability = row.get("availability", "").strip().lower()
            if availability:
                data["in_stock"] = availability in {"in stock", "in_stock"}
            if row.get("image_link"):
                data["image_url"] = row["image_link"]
            if row.get("link"):
                data["url"] = row["link"]
            attributes: dict[str, AttributeValue] = {}
            for key in GMC_ATTRIBUTES:
                if row.get(key, "").strip():
                    name = ATTRIBUTE_ALIASES.get(key, key)
                    attributes[name] = _attribute(name, row[key])
            if attributes:
                data["attributes"] = attributes
        except _BadValue as exc:
            result.rejected.append(Rejection(line, exc.field, str(exc)))
            continue
        _validate(line, data, result, seen)
    return result


def read_shopify(text: str) -> FeedResult:
    """Shopify's product CSV export: one row per variant, grouped by ``Handle`` into one product."""
    result, seen = FeedResult("shopify"), dict[str, int]()
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in _rows(text, ","):
        handle = row.get("Handle", "").strip()
        if not handle:
            result.rejected.append(Rejection(line, "Handle", "Handle is required"))
            continue
        groups.setdefault(handle, []).append((line, row))
    for handle, rows in groups.items():
        line, first = rows[0]
        status = first.get("Status", "active").strip().lower() or "active"
        if status != "active":
            result.rejected.append(Rejection(line, "Status", f"product is {status}, not active: skipped"))
            continue
        try:
            prices = [
                _money("Variant Price", r["Variant Price"])[0] for _, r in rows if r.get("Variant Price", "").strip()
            ]
            if not prices:
                raise _BadValue("Variant Price", "no variant has a price")
            quantities = [
                int(_number("Variant Inventory Qty", r["Variant Inventory Qty"]))
                for _, r in rows
                if r.get("Variant Inventory Qty", "").strip()
            ]
            attributes: dict[str, AttributeValue] = {}
            for n in (1, 2, 3):
                name = first.get(f"Option{n} Name", "").strip().lower()
                if not name or name == "title":
                    continue
                key = ATTRIBUTE_ALIASES.get(name, name)
                values = [r.get(f"Option{n} Value", "").strip() for _, r in rows]
                attributes[key] = list(dict.fromkeys(v for v in values if v))
            tags = [t.strip() for t in first.get("Tags", "").split(",") if t.strip()]
            if tags:
                attributes["tags"] = tags
            data: dict[str, Any] = {
                "id": handle,
                "title": first.get("Title", ""),
                "description": _strip_html(first.get("Body (HTML)", "")),
                "brand": first.get("Vendor", ""),
                "category": first.get("Type") or first.get("Product Category", ""),
                "price": min(prices),
                "attributes": attributes,
            }
            if quantities:
                data["stock"] = max(sum(quantities), 0)
                data["in_stock"] = sum(quantities) > 0
            images = [r.get("Image Src", "").strip() for _, r in rows if r.get("Image Src", "").strip()]
            if images:
                data["image_url"] = images[0]
        except _BadValue as exc:
            result.rejected.append(Rejection(line, exc.field, str(exc)))
            continue
        _validate(line, data, result, seen)
    return result


READERS = {"csv": read_csv, "jsonl": read_jsonl, "gmc": read_gmc, "shopify": read_shopify}


def detect_format(text: str, filename: str | None = None) -> FeedFormat:
    name = (filename or "").lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".tsv", ".txt")):
        return "gmc"
    head = text.lstrip()[:4096]
    if head.startswith("{"):
        return "jsonl"
    header = head.splitlines()[0] if head else ""
    if "\t" in header:
        return "gmc"
    if "Handle" in header.split(",") or "Variant Price" in header:
        return "shopify"
    if name.endswith(".csv") or "," in header:
        return "csv"
    raise FeedError("cannot tell the feed format; pass format=csv|jsonl|gmc|shopify")


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedError("the feed is not UTF-8 text") from None


def read_feed(data: bytes | str, fmt: FeedFormat | None = None, filename: str | None = None) -> FeedResult:
    text = decode(data) if isinstance(data, bytes) else data
    chosen = fmt or detect_format(text, filename)
    if chosen not in READERS:
        raise FeedError(f"unknown feed format {chosen!r}; use one of {', '.join(FORMATS)}")
    return READERS[chosen](text)


def read_products(items: Iterable[Any]) -> FeedResult:
    """Products given as JSON objects (the API's ``{"products": [...]}``); ``line`` is the 1-based index."""
    result, seen = FeedResult("jsonl"), dict[str, int]()
    for line, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            result.rejected.append(Rejection(line, "row", "expected a JSON object"))
            continue
        _validate(line, item, result, seen)
    return result
