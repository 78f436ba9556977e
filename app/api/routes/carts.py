"""Carts: a customer's own (a customer token), or any (support, admin). Lines come from the catalog, stock is
checked, and the checkout is the shop's own (``checkout_url``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import PrincipalDep, ServicesDep
from app.api.errors import ApiError
from app.carts import CartError, CartView
from app.security import Principal

router = APIRouter(tags=["carts"])

CartId = Annotated[str, Path(max_length=40)]
LineId = Annotated[str, Path(max_length=40)]


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: str | None = Field(None, min_length=1, max_length=40, pattern=r"\S")
    colour: str | None = Field(None, min_length=1, max_length=40, pattern=r"\S")


class CreateCartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(None, max_length=128, description="support/admin: the customer it is for")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")


class AddLineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=128)
    quantity: int = Field(1, ge=1, le=999)
    variant: Variant | None = None


class QuantityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=1, le=999)


class CartLineOut(BaseModel):
    id: str
    product_id: str
    title: str
    quantity: int
    unit_price: float
    variant: dict[str, str]
    line_total: float


class CartOut(BaseModel):
    id: str
    customer_id: str | None
    lines: list[CartLineOut]
    subtotal: float
    currency: str
    checkout_url: str


def _out(view: CartView) -> CartOut:
    return CartOut.model_validate(view.public())


def _who(principal: Principal) -> tuple[str | None, bool]:
    if principal.role != "customer" and not principal.is_staff:
        raise ApiError(403, "carts need a customer token or a support or admin key")
    return principal.customer_id, principal.is_staff


async def _run(call: Callable[..., CartView], *args: Any) -> CartOut:
    try:
        view = await run_in_threadpool(call, *args)
    except CartError as exc:
        raise ApiError(exc.status, str(exc)) from None
    return _out(view)


@router.post("/v1/carts", status_code=201, response_model=CartOut, summary="Open a cart")
async def create_cart(body: CreateCartBody, services: ServicesDep, principal: PrincipalDep) -> CartOut:
    customer_id, staff = _who(principal)
    if staff:
        customer_id = body.customer_id
    elif body.customer_id not in (None, customer_id):
        raise ApiError(403, "a customer opens carts for themselves only")
    return await _run(services.carts.create, customer_id, body.currency)


@router.get("/v1/carts/{cart_id}", response_model=CartOut, summary="A cart (its customer, support or admin)")
async def get_cart(cart_id: CartId, services: ServicesDep, principal: PrincipalDep) -> CartOut:
    return await _run(services.carts.get, cart_id, *_who(principal))


@router.post("/v1/carts/{cart_id}/lines", response_model=CartOut, summary="Add a product (Idempotency-Key: once)")
async def add_line(cart_id: CartId, body: AddLineBody, services: ServicesDep, principal: PrincipalDep) -> CartOut:
    variant = body.variant.model_dump(exclude_none=True) if body.variant else {}
    return await _run(services.carts.add, cart_id, *_who(principal), body.product_id, body.quantity, variant)


@router.patch("/v1/carts/{cart_id}/lines/{line_id}", response_model=CartOut, summary="Change a line's quantity")
async def set_quantity(
    cart_id: CartId, line_id: LineId, body: QuantityBody, services: ServicesDep, principal: PrincipalDep
) -> CartOut:
    return await _run(services.carts.set_quantity, cart_id, *_who(principal), line_id, body.quantity)


@router.delete("/v1/carts/{cart_id}/lines/{line_id}", response_model=CartOut, summary="Remove a line")
async def remove_line(cart_id: CartId, line_id: LineId, services: ServicesDep, principal: PrincipalDep) -> CartOut:
    return await _run(services.carts.remove, cart_id, *_who(principal), line_id)
