"""The shop's tools for agents: a Model Context Protocol server (the official ``mcp`` SDK, Streamable HTTP,
stateless) mounted at ``/mcp`` in the same app. Callers present the REST API's bearer tokens; each tool applies
the same rules as its REST route (a customer token sees only its own orders and carts).

Names and arguments follow Shopify's Storefront MCP where it has the tool (``search_catalog``, ``get_cart``,
``update_cart``, ``search_shop_policies_and_faqs`` as ``search_policies``); where they differ: prices are numbers
with a currency, not money objects; cart lines name ``product_id`` (there are no separate variant ids) with an
optional ``size`` / ``colour``; a missing ``cart_id`` in ``update_cart`` opens a cart.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.carts import CartError, CartView
from app.security import Principal
from app.wiring import Services
from retrieval.catalog import Product
from retrieval.index.base import SearchFilters


class CartLineChange(BaseModel):
    product_id: str = Field(min_length=1, max_length=128)
    quantity: int = Field(ge=0, le=999, description="the line's new quantity; 0 removes it")
    size: str | None = Field(None, max_length=40)
    colour: str | None = Field(None, max_length=40)


def _summary(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "brand": product.brand,
        "category": product.category,
        "price": product.price,
        "currency": product.currency,
        "in_stock": product.in_stock,
    }


def build_mcp(services: Services) -> MCPServer:
    """The server, bound to this app's services."""
    server = MCPServer(
        "shopassist",
        title=services.settings.shop_name,
        instructions=f"Tools of {services.settings.shop_name}: its catalog and policies, the caller's orders and cart.",
        version=__version__,
    )

    def caller(ctx: Context) -> Principal:
        header = (ctx.headers or {}).get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.lower().startswith("bearer ") else ""
        principal = services.keyring.authenticate(token) if token else None
        if principal is None:
            raise ToolError("a valid bearer token is required (an API key or a customer token)")
        return principal

    def customer_or_staff(principal: Principal) -> tuple[str | None, bool]:
        if principal.role != "customer" and not principal.is_staff:
            raise ToolError("this tool needs a customer token or a support or admin key")
        return principal.customer_id, principal.is_staff

    @server.tool()
    async def search_catalog(
        query: str, ctx: Context, limit: int = 5, max_price: float | None = None, category: str | None = None
    ) -> list[dict[str, Any]]:
        """Search the shop's products (hybrid search, in-stock first); optional price ceiling and category."""
        caller(ctx)
        if not query.strip() or not 1 <= limit <= 50:
            raise ToolError("query must not be empty and limit must be 1-50")
        filters = SearchFilters(max_price=max_price, category=category)
        result = await run_in_threadpool(services.catalog.search, query, filters, limit, None)
        return [_summary(hit.product) for hit in result.hits]

    @server.tool()
    async def get_product(product_id: str, ctx: Context) -> dict[str, Any]:
        """One product with every attribute the listing has."""
        caller(ctx)
        product = await run_in_threadpool(services.catalog.get, product_id)
        if product is None:
            raise ToolError(f"no product {product_id}")
        return product.model_dump(mode="json")

    @server.tool()
    async def recommend(ctx: Context, limit: int = 5, customer_id: str | None = None) -> list[dict[str, Any]]:
        """Products for the caller (a customer token), or for ``customer_id`` (support, admin)."""
        principal = caller(ctx)
        own, staff = customer_or_staff(principal)
        user = customer_id if staff and customer_id else own
        if user is None:
            raise ToolError("support and admin name the customer_id")
        result = await run_in_threadpool(services.personalization.recommend, user, max(1, min(limit, 50)))
        return [_summary(r.product) | {"score": r.score} for r in result.items]

    @server.tool()
    async def search_policies(query: str, ctx: Context, limit: int = 3) -> list[dict[str, str]]:
        """The shop's policy passages nearest to a question (returns, shipping, warranty, ...)."""
        caller(ctx)
        hits = await run_in_threadpool(services.policies.search, query, max(1, min(limit, 10)))
        return [{"policy": h.passage.doc, "title": h.passage.title, "text": h.passage.text} for h in hits]

    @server.tool()
    async def get_order_status(order_id: str, ctx: Context) -> dict[str, Any]:
        """An order's status, items and tracking (its customer, support or admin)."""
        principal = caller(ctx)
        order = await run_in_threadpool(
            services.commerce.order_for, order_id, customer_id=principal.customer_id, staff=principal.is_staff
        )
        if order is None:
            raise ToolError(f"no order {order_id}")
        return order.model_dump(mode="json")

    @server.tool()
    async def get_cart(cart_id: str, ctx: Context) -> dict[str, Any]:
        """A cart with its lines, subtotal and checkout link."""
        own, staff = customer_or_staff(caller(ctx))
        try:
            return (await run_in_threadpool(services.carts.get, cart_id, own, staff)).public()
        except CartError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    async def update_cart(ctx: Context, lines: list[CartLineChange], cart_id: str | None = None) -> dict[str, Any]:
        """Set lines of a cart (quantity 0 removes one); without ``cart_id`` a new cart is opened."""
        own, staff = customer_or_staff(caller(ctx))

        def apply() -> CartView:
            view = services.carts.get(cart_id, own, staff) if cart_id else services.carts.create(own, "USD")
            for change in lines:
                variant = {k: v for k, v in (("size", change.size), ("colour", change.colour)) if v}
                line = next((x for x in view.cart.lines if x.product_id == change.product_id), None)
                if line is None and change.quantity > 0:
                    view = services.carts.add(view.cart.id, own, staff, change.product_id, change.quantity, variant)
                elif line is not None and change.quantity == 0:
                    view = services.carts.remove(view.cart.id, own, staff, line.id)
                elif line is not None:
                    view = services.carts.set_quantity(view.cart.id, own, staff, line.id, change.quantity)
            return view

        try:
            return (await run_in_threadpool(apply)).public()
        except CartError as exc:
            raise ToolError(str(exc)) from None

    for name, title in services.policies.docs.items():
        _register_policy(server, services, name, title)
    return server


def _register_policy(server: MCPServer, services: Services, name: str, title: str) -> None:
    """Each policy document as a resource ``policy://<name>`` (Markdown)."""

    @server.resource(f"policy://{name}", name=name, title=title, mime_type="text/markdown")
    def policy() -> str:
        passages = [p for p in services.policies.passages if p.doc == name]
        return "\n\n".join(
            ([f"# {title}"] if title else []) + [f"## {p.section}\n{p.text}" if p.section else p.text for p in passages]
        )
