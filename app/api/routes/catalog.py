"""Catalog routes: ingest feeds, read a product, search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import FiltersDep, MerchantDep, PrincipalDep, ReadsDep, ServicesDep, existing_product
from app.api.errors import ApiError
from app.api.sponsored import ListedProduct, with_ads
from app.wiring import Services
from retrieval.catalog import Product
from retrieval.catalog_service import IngestOutcome
from retrieval.feeds import FORMATS, FeedError
from retrieval.index.base import SearchFilters
from retrieval.search import Mode, QuerySignals

router = APIRouter(tags=["catalog"])


class RejectedRow(BaseModel):
    line: int
    field: str
    message: str


class IngestResponse(BaseModel):
    accepted: int = Field(description="valid products in the feed")
    rejected: list[RejectedRow]
    index_version: str
    format: str
    written: int = Field(description="new or changed products embedded and indexed")
    unchanged: int
    deleted: int
    products_per_second: float


class IngestBody(BaseModel):
    # read row by row (bad rows are reported while good ones load); the schema states what a good row is
    products: list[dict[str, Any]] = Field(
        min_length=1, max_length=100_000, json_schema_extra={"items": Product.model_json_schema()}
    )
    replace: bool = Field(False, description="delete products that are not in this feed")


def _response(outcome: IngestOutcome) -> IngestResponse:
    rejected = [RejectedRow(line=r.line, field=r.field, message=r.message) for r in outcome.rejected]
    if outcome.report.accepted == 0:
        raise ApiError(
            422, "the feed has no valid product", code="invalid_feed", details=[r.model_dump() for r in rejected]
        )
    report = outcome.report
    return IngestResponse(
        accepted=report.accepted,
        rejected=rejected,
        index_version=report.index_version,
        format=outcome.format,
        written=report.written,
        unchanged=report.unchanged,
        deleted=report.deleted,
        products_per_second=round(report.products_per_second, 1),
    )


@router.post(
    "/v1/catalog/ingest",
    response_model=IngestResponse,
    summary="Ingest a feed file (multipart `file`: CSV, JSONL, Google Merchant TSV, Shopify CSV) or JSON products",
    responses={
        400: {"description": "the file is not a feed (not UTF-8 text, or no header row)"},
        422: {"description": "no row of the feed is a valid product (each row's problem is in `details`)"},
        415: {"description": "neither multipart/form-data nor application/json"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": IngestBody.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "format": {"type": "string", "enum": list(FORMATS)},
                            "replace": {"type": "boolean"},
                        },
                        "required": ["file"],
                    }
                },
            },
            "required": True,
        }
    },
)
async def ingest(request: Request, services: ServicesDep, _: MerchantDep) -> IngestResponse:
    catalog = services.catalog
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "multipart ingest needs a `file` field", code="validation_error")
        requested = str(form.get("format") or "")
        if requested and requested not in FORMATS:
            raise ApiError(422, f"format must be one of {', '.join(FORMATS)}", code="validation_error")
        fmt = requested or None
        replace = str(form.get("replace", "false")).lower() in {"1", "true", "yes"}
        data = await upload.read()
        try:
            outcome = await run_in_threadpool(catalog.ingest_feed, data, fmt, upload.filename, replace=replace)
        except FeedError as exc:
            raise ApiError(400, str(exc), code="invalid_feed") from exc
        return _response(outcome)
    if content_type.startswith("application/json"):
        try:
            body = IngestBody.model_validate_json(await request.body())
        except ValueError as exc:
            raise ApiError(422, f"invalid JSON body: {str(exc).splitlines()[0]}", code="validation_error") from exc
        outcome = await run_in_threadpool(catalog.ingest_items, body.products, replace=body.replace)
        return _response(outcome)
    raise ApiError(415, "send multipart/form-data with a `file`, or application/json with `products`")


class UnderstoodValue(BaseModel):
    attribute: str
    value: str


class Understood(BaseModel):
    """What the query named in the catalog's own terms; results meeting more of it come first."""

    category: str | None = None
    values: list[UnderstoodValue] = Field(default_factory=list)
    named: list[str] = Field(default_factory=list, description="ids of the products it names by their words")

    @classmethod
    def of(cls, signals: QuerySignals) -> Understood:
        values = [UnderstoodValue(attribute=m.attribute, value=m.value) for m in signals.values]
        return cls(category=signals.category, values=values, named=list(signals.named))


class SearchResponse(BaseModel):
    items: list[ListedProduct]
    personalized: bool
    took_ms: float
    route: str = Field(description="english (MiniLM + BM25) or multilingual (USE-multilingual vector)")
    mode: str
    understood: Understood = Field(default_factory=Understood)


@router.get("/v1/products/search", response_model=SearchResponse, summary="Hybrid product search with filters")
async def search(
    services: ServicesDep,
    principal: PrincipalDep,
    filters: FiltersDep,
    reads: ReadsDep,
    q: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\S", description="what the shopper typed")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    user_id: Annotated[str | None, Query(max_length=128)] = None,
    mode: Literal["hybrid", "dense", "sparse"] | None = None,
    ads: Annotated[bool, Query(description="sponsored items for a shopper (a customer token or user_id)")] = True,
) -> SearchResponse:
    if filters is None:
        chosen = mode or services.settings.search.mode
        return SearchResponse(items=[], personalized=False, took_ms=0.0, route="none", mode=chosen)
    if principal.role == "customer" and user_id not in (None, principal.subject):
        raise ApiError(403, "a customer token personalizes search for its own customer only")
    shopper = user_id or (principal.subject if principal.role == "customer" else None)
    return await reads.run(_search, services, filters, q, limit, mode, user_id, shopper if ads else None)


def _search(
    services: Services, filters: SearchFilters, q: str, limit: int, mode: Mode | None, user_id: str | None,
    ads_for: str | None,
) -> SearchResponse:  # fmt: skip
    if user_id:
        result, personalized = services.personalization.search(q, filters, limit, mode, user_id)
    else:
        result, personalized = services.catalog.search(q, filters, limit, mode), False
    organic = [(h.product, h.score) for h in result.hits]
    placements = []
    if ads_for:
        placements = services.ads.place("search", query=q, user_id=ads_for, organic=[p for p, _ in organic],
                                        category=filters.category, limit=limit)  # fmt: skip
    return SearchResponse(
        items=with_ads(organic, placements, limit),
        personalized=personalized,
        took_ms=round(result.took_ms, 2),
        route=result.route,
        mode=result.mode,
        understood=Understood.of(result.signals),
    )


@router.get("/v1/products/{product_id}", response_model=Product, summary="One product")
async def get_product(services: ServicesDep, _: PrincipalDep, reads: ReadsDep, product_id: str) -> Product:
    return await reads.run(existing_product, services, product_id)
