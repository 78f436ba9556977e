"""Browsing without a query (a storefront's grid and sidebar): pages of products under filters, and facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.api.deps import FiltersDep, PrincipalDep, ReadsDep, ServicesDep
from retrieval.browse import Sort
from retrieval.catalog import Product

router = APIRouter(tags=["catalog"])


class ProductPage(BaseModel):
    items: list[Product]
    total: int = Field(description="products that pass the filters")
    offset: int
    limit: int


class Facet(BaseModel):
    value: str
    count: int


class FacetsResponse(BaseModel):
    categories: list[Facet] = Field(description="full category paths (' > ' joined) and their products")
    brands: list[Facet]
    min_price: float | None
    max_price: float | None


@router.get("/v1/products", response_model=ProductPage, summary="Browse products under filters (no query)")
async def browse(
    services: ServicesDep,
    _: PrincipalDep,
    filters: FiltersDep,
    reads: ReadsDep,
    sort: Sort = "popular",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> ProductPage:
    if filters is None:
        return ProductPage(items=[], total=0, offset=offset, limit=limit)
    page = await reads.run(services.browser.page, filters, offset, limit, sort)
    return ProductPage(items=page.items, total=page.total, offset=offset, limit=limit)


@router.get("/v1/catalog/facets", response_model=FacetsResponse, summary="Category paths and brands with counts")
async def facets(services: ServicesDep, _: PrincipalDep, reads: ReadsDep) -> FacetsResponse:
    f = await reads.run(services.browser.facets)
    return FacetsResponse(
        categories=[Facet(value=k, count=v) for k, v in f.categories.items()],
        brands=[Facet(value=k, count=v) for k, v in f.brands.items()],
        min_price=f.min_price,
        max_price=f.max_price,
    )
