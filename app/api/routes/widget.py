"""The embeddable chat widget (``/widget.js``) and a small demo shop page that embeds it (``/demo``)."""

from __future__ import annotations

import html
import json
from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from app.api.deps import ServicesDep

router = APIRouter(tags=["widget"])


@cache
def _static(name: str) -> str:
    return files("app.ui").joinpath("static", name).read_text(encoding="utf-8")


@router.get(
    "/widget.js",
    response_class=Response,
    responses={200: {"content": {"application/javascript": {"schema": {"type": "string"}}}}},
    summary="The chat widget script (public)",
)
async def widget_js() -> Response:
    return Response(
        _static("widget.js"),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/demo", response_class=HTMLResponse, summary="Demo shop page embedding the widget (public)")
async def demo_page(services: ServicesDep) -> HTMLResponse:
    settings = services.settings
    customer = settings.assistant.demo_customer_id if settings.env != "production" else None
    token = ""
    if customer and services.keyring.customer_tokens is not None:
        token, _ = services.keyring.customer_tokens.mint(customer)
    page = (
        _static("demo.html")
        .replace("{{SHOP_NAME}}", html.escape(settings.shop_name))
        .replace("{{CUSTOMER}}", html.escape(customer or "nobody (demo disabled)"))
        .replace("{{CONFIG_JSON}}", _script_json({"token": token, "title": f"Ask {settings.shop_name}"}))
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _script_json(data: object) -> str:
    """JSON that is safe inside a <script> element (cannot close it)."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
