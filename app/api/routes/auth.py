"""Customer tokens: what a shop's backend hands to the chat widget of a signed-in customer."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep, StaffDep
from app.api.errors import ApiError
from app.security import CUSTOMER_ID_PATTERN

router = APIRouter(tags=["auth"])


class CustomerTokenBody(BaseModel):
    customer_id: str = Field(min_length=1, max_length=128, pattern=CUSTOMER_ID_PATTERN.pattern)


class CustomerTokenResponse(BaseModel):
    token: str
    expires_at: datetime
    customer_id: str


@router.post(
    "/v1/auth/customer-token",
    response_model=CustomerTokenResponse,
    summary="Mint a short-lived signed token for one customer (support or admin)",
)
async def customer_token(body: CustomerTokenBody, services: ServicesDep, _: StaffDep) -> CustomerTokenResponse:
    tokens = services.keyring.customer_tokens
    if tokens is None:
        raise ApiError(503, "customer tokens are not configured")
    token, expires_at = tokens.mint(body.customer_id)
    return CustomerTokenResponse(token=token, expires_at=expires_at, customer_id=body.customer_id)
