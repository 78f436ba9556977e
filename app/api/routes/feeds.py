"""The catalog as feeds other systems read (merchant), and a product's schema.org JSON-LD for its page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import MerchantDep, PrincipalDep, ServicesDep, existing_product
from app.wiring import Services, storefront
from retrieval.catalog import Product
from retrieval.feed_export import google_product_input, json_ld, openai_product

router = APIRouter(tags=["feeds"])


def _catalog(services: Services) -> list[Product]:
    products = services.catalog.get_many(services.catalog.ids())
    return [products[i] for i in sorted(products)]


@router.get(
    "/v1/feeds/google-merchant.json",
    summary="The catalog as Google Merchant API product inputs (merchant)",
    responses={200: {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}},
)
async def google_merchant(services: ServicesDep, _: MerchantDep) -> list[dict[str, Any]]:
    shop = storefront(services.settings)
    return [google_product_input(p, shop) for p in await run_in_threadpool(_catalog, services)]


@router.get(
    "/v1/feeds/openai-products.json",
    summary="The catalog as the OpenAI product feed (merchant)",
    responses={200: {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}},
)
async def openai_products(services: ServicesDep, _: MerchantDep) -> list[dict[str, Any]]:
    shop = storefront(services.settings)
    return [openai_product(p, shop) for p in await run_in_threadpool(_catalog, services)]


@router.get(
    "/v1/products/{product_id}/jsonld",
    summary="A product as schema.org Product JSON-LD with its Offer (for the product's page)",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}},
)
async def product_json_ld(
    services: ServicesDep, _: PrincipalDep, product_id: Annotated[str, Path(max_length=128)]
) -> JSONResponse:
    product = await run_in_threadpool(existing_product, services, product_id)
    return JSONResponse(json_ld(product, storefront(services.settings)), media_type="application/ld+json")
