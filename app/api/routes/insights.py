"""Merchant insights: demand forecasts, restock advice, and reviews with their sentiment and aspects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import MerchantDep, PrincipalDep, ServicesDep, existing_product
from app.api.errors import ApiError
from app.insights.restock import Advice

router = APIRouter(tags=["insights"])
Limit = Annotated[int, Query(ge=1, le=1000, description="products listed at most")]


class DayForecast(BaseModel):
    date: str
    mean: float
    lo: float
    hi: float


class ForecastOut(BaseModel):
    product_id: str
    model: str = Field(description="the statsforecast model chosen for this product by backtest")
    level: int = Field(description="the interval's coverage, percent")
    daily: list[DayForecast]
    stockout_date: str | None
    days_of_cover: float | None
    stock: int | None


class CategoryForecastOut(BaseModel):
    category: str
    model: str
    level: int
    daily: list[DayForecast]


class RestockItem(BaseModel):
    product_id: str
    stock: int
    reorder_point: int
    suggested_quantity: int
    stockout_date: str | None
    days_of_cover: float | None
    daily_demand: float


class RestockOut(BaseModel):
    items: list[RestockItem]


class AspectOut(BaseModel):
    aspect: str
    label: str
    count: int
    share: float
    sentiment: str


class SummaryOut(BaseModel):
    product_id: str
    reviews: int
    average_rating: float | None
    sentiment: dict[str, int]
    aspects: list[AspectOut]


class ReviewsIn(BaseModel):
    # items are checked one by one by the service, so one bad review is reported and the rest stored
    reviews: list[dict[str, Any]] = Field(min_length=1, max_length=5000)


class RejectedOut(BaseModel):
    index: int
    review_id: str | None
    reason: str


class ReviewsOut(BaseModel):
    accepted: int
    stored: list[str]
    rejected: list[RejectedOut]


def _item(advice: Advice) -> RestockItem:
    return RestockItem(
        product_id=advice.product_id, stock=advice.stock, reorder_point=advice.reorder_point,
        suggested_quantity=advice.suggested_quantity, days_of_cover=advice.days_of_cover,
        stockout_date=advice.stockout_date.isoformat() if advice.stockout_date else None,
        daily_demand=advice.daily_mean,
    )  # fmt: skip


@router.get("/v1/insights/products/{product_id}/forecast", response_model=ForecastOut, summary="Demand forecast")
async def product_forecast(
    product_id: str, services: ServicesDep, _: MerchantDep, horizon: Annotated[int, Query(ge=1, le=365)] = 28
) -> ForecastOut:
    await run_in_threadpool(existing_product, services, product_id)
    view = await run_in_threadpool(services.insights.forecast_view, product_id, horizon)
    return ForecastOut.model_validate(view)


@router.get(
    "/v1/insights/categories/forecast", response_model=CategoryForecastOut,
    summary="Demand forecast of a category (path prefix): the sum of its products' sales",
)  # fmt: skip
async def category_forecast(
    services: ServicesDep, _: MerchantDep, category: Annotated[str, Query(min_length=1, max_length=300)],
    horizon: Annotated[int, Query(ge=1, le=90)] = 28,
) -> CategoryForecastOut:  # fmt: skip
    view = await run_in_threadpool(services.insights.category_view, category, horizon)
    if view is None:
        raise ApiError(404, f"nothing in category {category!r} sold in the forecast's history")
    return CategoryForecastOut.model_validate(view)


@router.get("/v1/insights/restock", response_model=RestockOut, summary="What to reorder, most urgent first")
async def restock(services: ServicesDep, _: MerchantDep, limit: Limit = 50) -> RestockOut:
    return RestockOut(items=[_item(a) for a in await run_in_threadpool(services.insights.restock, limit)])


@router.get("/v1/insights/overstock", response_model=RestockOut, summary="Stock that outlasts the overstock cover")
async def overstock(services: ServicesDep, _: MerchantDep, limit: Limit = 50) -> RestockOut:
    return RestockOut(items=[_item(a) for a in await run_in_threadpool(services.insights.overstock, limit)])


@router.get("/v1/products/{product_id}/reviews/summary", response_model=SummaryOut, summary="What reviews say")
async def review_summary(product_id: str, services: ServicesDep, _: PrincipalDep) -> SummaryOut:
    await run_in_threadpool(existing_product, services, product_id)
    return SummaryOut.model_validate(await run_in_threadpool(services.reviews.summary, product_id))


@router.post(
    "/v1/reviews", status_code=202, response_model=ReviewsOut,
    summary="Add reviews: each item is checked on its own, the bad ones reported by index, the good ones stored",
)  # fmt: skip
async def add_reviews(body: ReviewsIn, services: ServicesDep, _: MerchantDep) -> ReviewsOut:
    def known(product_id: str) -> bool:
        return services.catalog.get(product_id) is not None

    stored, rejected = await run_in_threadpool(services.reviews.add, body.reviews, known)
    return ReviewsOut(
        accepted=len(stored), stored=stored,
        rejected=[RejectedOut(index=r.index, review_id=r.review_id, reason=r.reason) for r in rejected],
    )  # fmt: skip
