"""Customers and orders for support tools; a customer token sees only its own orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app.api.deps import PrincipalDep, ServicesDep, StaffDep
from app.api.errors import ApiError
from app.store.commerce import Order

router = APIRouter(tags=["orders"])
# far beyond any shop's customer list; the database's integers end at 2**63
MAX_OFFSET = 1_000_000_000


class CustomerItem(BaseModel):
    id: str
    name: str
    email: str


class CustomersResponse(BaseModel):
    items: list[CustomerItem]


class OrdersResponse(BaseModel):
    items: list[Order]


@router.get("/v1/customers", response_model=CustomersResponse, summary="List customers (support, admin)")
async def list_customers(
    services: ServicesDep,
    _: StaffDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CustomersResponse:
    customers = await run_in_threadpool(services.commerce.customers, limit, offset)
    return CustomersResponse(items=[CustomerItem(id=c.id, name=c.name, email=c.email) for c in customers])


@router.get(
    "/v1/orders",
    response_model=OrdersResponse,
    summary="Orders, newest first: a customer token's own; for support and admin, one customer's or everyone's",
)
async def list_orders(
    services: ServicesDep,
    principal: PrincipalDep,
    customer_id: Annotated[
        str | None, Query(max_length=128, description="support/admin: this customer's orders (unset: every customer's)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrdersResponse:
    if principal.role == "customer":
        if customer_id not in (None, principal.subject):
            return OrdersResponse(items=[])  # another customer's orders do not exist for this caller
        customer_id = principal.subject
    elif not principal.is_staff:
        raise ApiError(403, "orders need a support or admin key, or a customer token")
    orders = await run_in_threadpool(services.commerce.orders_of, customer_id, limit)
    return OrdersResponse(items=orders)


@router.get("/v1/orders/{order_id}", response_model=Order, summary="One order (owner, support or admin)")
async def get_order(
    services: ServicesDep, principal: PrincipalDep, order_id: Annotated[str, Path(max_length=64)]
) -> Order:
    order = await run_in_threadpool(
        services.commerce.order_for, order_id, customer_id=principal.customer_id, staff=principal.is_staff
    )
    if order is None:
        raise ApiError(404, f"no order {order_id}")
    return order
