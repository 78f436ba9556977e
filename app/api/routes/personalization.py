"""Events and recommendations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.deps import PrincipalDep, ReadsDep, ServicesDep, existing_product
from app.api.errors import ApiError
from app.api.sponsored import ListedProduct, with_ads
from app.personalization import Recommendation
from app.wiring import Services
from retrieval.catalog import Product, normalise_category
from retrieval.events import Event

router = APIRouter(tags=["personalization"])


class EventsBody(BaseModel):
    # read event by event (bad ones are reported while good ones are stored); the schema states a good one
    events: list[dict[str, Any]] = Field(
        min_length=1, max_length=10_000, json_schema_extra={"items": Event.model_json_schema()}
    )


class RejectedEvent(BaseModel):
    index: int
    field: str
    message: str


class EventsResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent] = Field(default_factory=list)


class Item(BaseModel):
    id: str
    score: float
    product: Product


class RecommendationsResponse(BaseModel):
    items: list[ListedProduct]
    model_version: str
    cold_start: bool


class SimilarResponse(BaseModel):
    items: list[Item]


def _items(recommendations: list[Recommendation]) -> list[Item]:
    return [Item(id=r.product.id, score=r.score, product=r.product) for r in recommendations]


@router.post("/v1/events", status_code=202, response_model=EventsResponse, summary="Record shopper events")
async def post_events(body: EventsBody, services: ServicesDep, principal: PrincipalDep) -> EventsResponse:
    valid: list[Event] = []
    rejected: list[RejectedEvent] = []
    for index, raw in enumerate(body.events):
        try:
            event = Event.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(part) for part in error.get("loc", ())) or "event"
                rejected.append(RejectedEvent(index=index, field=field, message=error.get("msg", "invalid")))
            continue
        if principal.role == "customer" and event.user_id != principal.subject:
            # a shopper's token records that shopper's behaviour only, never another's history
            rejected.append(RejectedEvent(index=index, field="user_id", message="not this customer token's user"))
            continue
        valid.append(event)
    if not valid:
        raise ApiError(422, "no valid event", code="validation_error", details=[r.model_dump() for r in rejected])
    accepted, duplicates = await run_in_threadpool(services.personalization.record, valid)  # durable before 202
    return EventsResponse(accepted=accepted, duplicates=duplicates, rejected=rejected)


@router.get("/v1/users/{user_id}/recommendations", response_model=RecommendationsResponse)
async def recommendations(
    services: ServicesDep,
    principal: PrincipalDep,
    reads: ReadsDep,
    user_id: Annotated[str, Path(min_length=1, max_length=128)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    category: Annotated[str | None, Query(max_length=300)] = None,
    exclude_seen: bool = True,
    ads: Annotated[bool, Query(description="sponsored items among them")] = True,
) -> RecommendationsResponse:
    if principal.role == "customer" and user_id != principal.subject:
        # another shopper's recommendations reveal their history: for this caller they do not exist
        raise ApiError(404, f"no recommendations for {user_id}")
    return await reads.run(
        _recommendations, services, user_id, limit, normalise_category(category) if category else None, exclude_seen,
        ads,
    )  # fmt: skip


def _recommendations(
    services: Services, user_id: str, limit: int, category: str | None, exclude_seen: bool, ads: bool
) -> RecommendationsResponse:
    result = services.personalization.recommend(user_id, limit, category, exclude_seen)
    organic = [(r.product, r.score) for r in result.items]
    placements = (
        services.ads.place("recommendations", user_id=user_id, organic=[p for p, _ in organic], limit=limit)
        if ads
        else []
    )
    return RecommendationsResponse(
        items=with_ads(organic, placements, limit), model_version=result.model_version, cold_start=result.cold_start
    )


@router.get("/v1/products/{product_id}/similar", response_model=SimilarResponse)
async def similar(
    services: ServicesDep,
    _: PrincipalDep,
    reads: ReadsDep,
    product_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SimilarResponse:
    return await reads.run(_similar, services, product_id, limit)


def _similar(services: Services, product_id: str, limit: int) -> SimilarResponse:
    existing_product(services, product_id)
    return SimilarResponse(items=_items(services.personalization.similar(product_id, limit)))
