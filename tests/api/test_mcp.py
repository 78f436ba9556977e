"""The MCP server at /mcp through the official SDK's client over Streamable HTTP, on the Voltline shop: the tools
and policy resources, the REST API's tokens and access rules, and errors as error results."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import SUPPORT_KEY, Runner, customer_token
from tests.live_server import LiveServer

TOOLS = {"search_catalog", "get_product", "recommend", "search_policies", "get_order_status", "get_cart", "update_cart"}
Session = Callable[[Client], Awaitable[Any]]


def with_client(shop: LiveServer, aio: Runner[Any], token: str | None, use: Session) -> Any:
    async def run() -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(f"{shop.url}/mcp/", http_client=http)) as client,
        ):
            return await use(client)

    return aio(run())


def bearer(shop: LiveServer, customer: str) -> str:
    return customer_token(shop, customer)["Authorization"].removeprefix("Bearer ")


def result(call: Any) -> Any:
    assert not call.is_error, call.content
    return call.structured_content.get("result", call.structured_content)


def test_tools_and_policy_resources_are_listed_and_search_finds_products(
    scripted_shop: LiveServer, aio: Runner[Any]
) -> None:
    async def use(client: Client) -> Any:
        tools = {t.name for t in (await client.list_tools()).tools}
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        warranty = await client.read_resource("policy://warranty")
        found = await client.call_tool("search_catalog", {"query": "bluetooth speaker", "limit": 3})
        cheap = await client.call_tool("search_catalog", {"query": "tent", "max_price": 200})
        policy = await client.call_tool("search_policies", {"query": "do you match lower prices?"})
        return tools, resources, warranty, found, cheap, policy

    tools, resources, warranty, found, cheap, policy = with_client(
        scripted_shop, aio, bearer(scripted_shop, "vl-cust-001"), use
    )
    assert tools == TOOLS
    assert {"policy://warranty", "policy://price_match", "policy://returns"} <= resources
    assert "warranty" in warranty.contents[0].text.lower()
    items = result(found)
    assert 1 <= len(items) <= 3 and any("speaker" in i["title"].lower() for i in items)
    assert all(i["price"] <= 200 for i in result(cheap)) and result(cheap)
    assert result(policy)[0]["policy"] == "price_match"


def test_orders_follow_the_rest_rules(scripted_shop: LiveServer, aio: Runner[Any]) -> None:
    orders = scripted_shop.app.state.services.commerce.orders_of("vl-cust-001", 1)
    order_id = orders[0].id

    def status(token: str) -> Any:
        async def use(client: Client) -> Any:
            return await client.call_tool("get_order_status", {"order_id": order_id})

        return with_client(scripted_shop, aio, token, use)

    assert result(status(bearer(scripted_shop, "vl-cust-001")))["id"] == order_id
    assert status(bearer(scripted_shop, "vl-cust-002")).is_error  # another customer's order does not exist
    assert result(status(SUPPORT_KEY))["customer_id"] == "vl-cust-001"


def test_update_cart_opens_fills_and_empties_a_cart_and_refusals_are_error_results(
    scripted_shop: LiveServer, aio: Runner[Any]
) -> None:
    async def use(client: Client) -> Any:
        opened = await client.call_tool("update_cart", {"lines": [{"product_id": "VL-EB-0101", "quantity": 2}]})
        cart_id = result(opened)["id"]
        more = await client.call_tool(
            "update_cart", {"cart_id": cart_id, "lines": [{"product_id": "VL-EB-0101", "quantity": 3}]}
        )
        out_of_stock = await client.call_tool(
            "update_cart", {"cart_id": cart_id, "lines": [{"product_id": "VL-TN-0102", "quantity": 1}]}
        )
        emptied = await client.call_tool(
            "update_cart", {"cart_id": cart_id, "lines": [{"product_id": "VL-EB-0101", "quantity": 0}]}
        )
        read = await client.call_tool("get_cart", {"cart_id": cart_id})
        bad_args = await client.call_tool("update_cart", {"lines": [{"product_id": "VL-EB-0101", "quantity": -1}]})
        return cart_id, opened, more, out_of_stock, emptied, read, bad_args

    token = bearer(scripted_shop, "vl-cust-006")
    cart_id, opened, more, out_of_stock, emptied, read, bad_args = with_client(scripted_shop, aio, token, use)
    assert result(opened)["lines"][0]["quantity"] == 2 and cart_id in result(opened)["checkout_url"]
    assert result(more)["lines"][0]["quantity"] == 3 and result(more)["subtotal"] == round(3 * 79.99, 2)
    assert out_of_stock.is_error and "out of stock" in out_of_stock.content[0].text
    assert result(emptied)["lines"] == [] and result(read)["id"] == cart_id
    assert bad_args.is_error

    async def peek(client: Client) -> Any:
        return await client.call_tool("get_cart", {"cart_id": cart_id})

    assert with_client(scripted_shop, aio, bearer(scripted_shop, "vl-cust-007"), peek).is_error  # not theirs


def test_no_token_or_unknown_arguments_give_error_results_not_a_crash(
    scripted_shop: LiveServer, aio: Runner[Any]
) -> None:
    async def use(client: Client) -> Any:
        return (
            await client.call_tool("search_catalog", {"query": "tent"}),
            await client.call_tool("get_product", {"product_id": "VL-TN-0101"}),
        )

    anonymous = with_client(scripted_shop, aio, None, use)
    assert all(call.is_error and "bearer token" in call.content[0].text for call in anonymous)

    async def wrong(client: Client) -> Any:
        return await client.call_tool("search_catalog", {"q": "tent"}), await client.call_tool("get_product", {})

    assert all(call.is_error for call in with_client(scripted_shop, aio, SUPPORT_KEY, wrong))
