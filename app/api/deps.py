"""Dependencies that routes receive: the services built once at start-up, and the caller's identity.

The ones run on every request are ``async``: they only read memory (an HMAC, a token bucket), and FastAPI runs a
plain ``def`` dependency through the thread pool, a hand-off each that cost a personalised search ~20% of its
time in the event loop's thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.errors import ApiError
from app.api.limits import RateLimiter
from app.api.read_pool import ReadPool
from app.assistant.tools import Caller
from app.config import Role, Settings
from app.security import Principal
from app.wiring import Services
from retrieval.catalog import Product, normalise_category
from retrieval.index.base import SearchFilters

_bearer = HTTPBearer(auto_error=False, description="API key or customer token")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_reads(request: Request) -> ReadPool:
    reads: ReadPool = request.app.state.reads
    return reads


ReadsDep = Annotated[ReadPool, Depends(get_reads)]


def authenticate(services: Services, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The caller behind a bearer token; 401 when there is none or it is not known."""
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    principal = services.keyring.authenticate(credentials.credentials)
    if principal is None:
        raise ApiError(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return principal


def existing_product(services: Services, product_id: str) -> Product:
    """The catalog's product, or 404 (blocking: async routes call it in the thread pool)."""
    product = services.catalog.get(product_id)
    if product is None:
        raise ApiError(404, f"no product {product_id!r}")
    return product


async def product_filters(
    category: Annotated[str | None, Query(max_length=300, description="category path prefix")] = None,
    min_price: Annotated[float | None, Query(ge=0)] = None,
    max_price: Annotated[float | None, Query(ge=0)] = None,
    in_stock: bool | None = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
) -> SearchFilters | None:
    """The list filters that search and browsing share; None when min_price > max_price: no price lies in that
    range, so the page is empty, as for any filter that matches nothing."""
    if min_price is not None and max_price is not None and min_price > max_price:
        return None
    category = normalise_category(category) if category else None
    return SearchFilters(category=category, min_price=min_price, max_price=max_price, in_stock=in_stock, brand=brand)


FiltersDep = Annotated[SearchFilters | None, Depends(product_filters)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_principal(request: Request, services: ServicesDep, credentials: CredentialsDep) -> Principal:
    """The authenticated caller, within its rate limit (per API key, or per customer for customer tokens)."""
    principal = authenticate(services, credentials)
    limiter: RateLimiter | None = getattr(request.app.state, "key_limiter", None)
    if limiter is not None:
        wait = limiter.take(f"{principal.role}:{principal.subject}")
        if wait > 0:
            raise ApiError(429, "too many requests for this key", headers={"Retry-After": str(max(1, math.ceil(wait)))})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets through only the given roles (admin always passes)."""
    allowed = {"admin", *roles}

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise ApiError(403, f"this action needs one of the roles: {', '.join(sorted(allowed))}")
        return principal

    return check


MerchantDep = Annotated[Principal, Depends(require_roles("merchant"))]
StaffDep = Annotated[Principal, Depends(require_roles("support"))]


def caller_for(principal: Principal, customer_id: str | None) -> Caller:
    """Whom the assistant acts for. A customer token always acts for its own customer (a ``customer_id`` in the
    body is ignored); support and admin may name any customer; other keys chat without customer data."""
    if principal.role == "customer":
        return Caller(owner=f"customer:{principal.subject}", customer_id=principal.subject, staff=False)
    if principal.is_staff:
        return Caller(owner=principal.subject, customer_id=customer_id, staff=True)
    return Caller(owner=principal.subject, customer_id=None, staff=False)
