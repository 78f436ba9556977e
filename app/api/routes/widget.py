"""The embeddable chat widget (``/widget.js``), a small demo shop page that embeds it (``/demo``), and demo
product pages and placeholder images (what the feeds' default links point to)."""

from __future__ import annotations

import hashlib
import html
import json
import secrets
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import ServicesDep, existing_product
from app.wiring import storefront
from retrieval.catalog import Product
from retrieval.feed_export import json_ld

router = APIRouter(tags=["widget"])


@cache
def _static(name: str) -> str:
    return files("app.ui").joinpath("static", name).read_text(encoding="utf-8")


SCRIPT: dict[int | str, dict[str, Any]] = {200: {"content": {"application/javascript": {"schema": {"type": "string"}}}}}


def _script(name: str) -> Response:
    headers = {"Cache-Control": "public, max-age=300"}
    return Response(_static(name), media_type="application/javascript; charset=utf-8", headers=headers)


@router.get("/widget.js", response_class=Response, responses=SCRIPT, summary="The chat widget script (public)")
async def widget_js() -> Response:
    return _script("widget.js")


@router.get("/demo", response_class=HTMLResponse, summary="The demo storefront, with the widget (public)")
async def demo_page(
    services: ServicesDep,
    shopper: Annotated[Literal["demo", "new"], Query(description="new: a fresh shopper with no history")] = "demo",
) -> HTMLResponse:
    settings = services.settings
    customer = settings.assistant.demo_customer_id if settings.env != "production" else None
    if customer and shopper == "new":
        customer = f"guest-{secrets.token_hex(4)}"  # cold start: watch the recommendations learn
    token = ""
    if customer and services.keyring.customer_tokens is not None:
        token, _ = services.keyring.customer_tokens.mint(customer)
    config = {"token": token, "customer": customer or "", "title": f"Ask {settings.shop_name}"}
    page = (
        _static("storefront.html")
        .replace("{{SHOP_NAME}}", html.escape(settings.shop_name))
        .replace("{{CUSTOMER}}", html.escape(customer or "nobody (demo disabled)"))
        .replace("{{CONFIG_JSON}}", _script_json(config))
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get(
    "/demo/storefront.js", response_class=Response, responses=SCRIPT, summary="The demo storefront's script (public)"
)
async def storefront_js() -> Response:
    return _script("storefront.js")


@router.get(
    "/demo/images/{product_id}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}},
    summary="A generated placeholder image of a product (public)",
)
async def product_image(services: ServicesDep, product_id: Annotated[str, Path(max_length=128)]) -> Response:
    product = await run_in_threadpool(existing_product, services, product_id)
    return Response(placeholder_svg(product), media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})


@router.get("/demo/products/{product_id}", response_class=HTMLResponse, summary="A demo product page (public)")
async def product_page(services: ServicesDep, product_id: Annotated[str, Path(max_length=128)]) -> HTMLResponse:
    product = await run_in_threadpool(existing_product, services, product_id)
    shop = storefront(services.settings)
    page = f"""<!doctype html><html lang="{shop.language}"><head><meta charset="utf-8">
<title>{html.escape(product.title)} - {html.escape(services.settings.shop_name)}</title>
<script type="application/ld+json">{_script_json(json_ld(product, shop))}</script></head>
<body><main><img src="{html.escape(shop.image(product))}" alt="" width="240" height="240">
<h1>{html.escape(product.title)}</h1><p class="price">{product.price:.2f} {html.escape(product.currency)}</p>
<p>{html.escape(product.description)}</p>
<p><a href="/demo#/p/{html.escape(product.id)}">In the {html.escape(services.settings.shop_name)} storefront</a></p>
</main></body></html>"""
    return HTMLResponse(page)


def placeholder_svg(product: Product) -> str:
    """A square in a colour of the product's category (its shade from the id) with the initials of the title's
    last two words and the category's last part: an image link that always resolves."""
    hue = int(hashlib.sha256(product.category.encode()).hexdigest()[:4], 16) % 360
    light = 70 + int(hashlib.sha256(product.id.encode()).hexdigest()[:2], 16) % 16
    words = [w for w in product.title.replace("-", " ").split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[-2:]).upper() or "?"
    caption = product.category.split(" > ")[-1]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480">'
        f'<rect width="480" height="480" fill="hsl({hue},45%,{light}%)"/>'
        f'<text x="240" y="260" font-family="sans-serif" font-size="120" text-anchor="middle" '
        f'fill="hsl({hue},40%,28%)">{html.escape(initials)}</text>'
        f'<text x="240" y="340" font-family="sans-serif" font-size="34" text-anchor="middle" '
        f'fill="hsl({hue},30%,35%)">{html.escape(caption[:24])}</text></svg>'
    )


def _script_json(data: object) -> str:
    """JSON that is safe inside a <script> element (cannot close it)."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
