"""Sponsored products: merchants' campaigns and reports, and the click endpoint the widget, the storefront or the
shop's backend calls (each impression is charged at most once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from app.ads.campaigns import CampaignError
from app.api.deps import MerchantDep, PrincipalDep, ServicesDep
from app.api.errors import ApiError
from app.store.ads import Campaign

router = APIRouter(tags=["ads"])
CampaignId = Annotated[str, Path(max_length=40)]
Words = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=200)]


class CampaignBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    product_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(min_length=1, max_length=500)
    bid_cpc: float = Field(gt=0, le=1000, description="the most a click may cost")
    daily_budget: float = Field(gt=0, le=1_000_000)
    keywords: Words = Field(default_factory=list, description="query words to target (none: any query)")
    categories: Words = Field(default_factory=list, description="category paths to target (none: any)")
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: Literal["active", "paused"] = "active"

    @model_validator(mode="after")
    def _schedule(self) -> CampaignBody:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CampaignPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    product_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(None, min_length=1)
    bid_cpc: float | None = Field(None, gt=0, le=1000)
    daily_budget: float | None = Field(None, gt=0, le=1_000_000)
    keywords: Words | None = None
    categories: Words | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: Literal["active", "paused"] | None = None


class CampaignOut(BaseModel):
    id: str
    name: str
    product_ids: list[str]
    bid_cpc: float
    daily_budget: float
    keywords: list[str]
    categories: list[str]
    starts_at: datetime | None
    ends_at: datetime | None
    status: str
    created_at: datetime | None


class CampaignList(BaseModel):
    items: list[CampaignOut]


class Figures(BaseModel):
    impressions: float
    clicks: float
    ctr: float
    spend: float
    avg_cpc: float
    conversions: float = Field(description="purchases of the clicked product by the clicking shopper in the window")
    revenue: float
    roas: float


class ReportOut(Figures):
    today: Figures


class ClickBody(BaseModel):
    impression_id: str = Field(min_length=1, max_length=40)
    user_id: str | None = Field(None, max_length=128)


class ClickOut(BaseModel):
    charged: float
    duplicate: bool


def _out(campaign: Campaign) -> CampaignOut:
    return CampaignOut.model_validate(campaign, from_attributes=True)


async def _run(call: Any, *args: Any) -> Any:
    try:
        return await run_in_threadpool(call, *args)
    except CampaignError as exc:
        raise ApiError(exc.status, str(exc), details=[{"field": exc.field, "message": str(exc)}]) from None


@router.post("/v1/ads/campaigns", status_code=201, response_model=CampaignOut, summary="Create a campaign")
async def create_campaign(body: CampaignBody, services: ServicesDep, _: MerchantDep) -> CampaignOut:
    return _out(await _run(services.campaigns.create, body.model_dump()))


@router.get("/v1/ads/campaigns", response_model=CampaignList, summary="Every campaign")
async def list_campaigns(services: ServicesDep, _: MerchantDep) -> CampaignList:
    return CampaignList(items=[_out(c) for c in await run_in_threadpool(services.ads.store.campaigns)])


@router.get("/v1/ads/campaigns/{campaign_id}", response_model=CampaignOut, summary="One campaign")
async def get_campaign(campaign_id: CampaignId, services: ServicesDep, _: MerchantDep) -> CampaignOut:
    return _out(await _run(services.campaigns.get, campaign_id))


@router.patch("/v1/ads/campaigns/{campaign_id}", response_model=CampaignOut, summary="Change or pause a campaign")
async def patch_campaign(
    campaign_id: CampaignId, body: CampaignPatch, services: ServicesDep, _: MerchantDep
) -> CampaignOut:
    return _out(await _run(services.campaigns.update, campaign_id, body.model_dump(exclude_unset=True)))


@router.get("/v1/ads/campaigns/{campaign_id}/report", response_model=ReportOut, summary="A campaign's figures")
async def campaign_report(campaign_id: CampaignId, services: ServicesDep, _: MerchantDep) -> ReportOut:
    return ReportOut.model_validate(await _run(services.campaigns.report, campaign_id))


class CreativeOut(BaseModel):
    id: str
    campaign_id: str
    product_id: str
    headline: str
    line: str
    status: str = Field(description="draft, or approved (served)")
    checks: dict[str, Any] = Field(description="claims found in the creative and the unsupported ones")


class CreativeList(BaseModel):
    items: list[CreativeOut]


@router.post("/v1/ads/campaigns/{campaign_id}/creatives", status_code=201, response_model=CreativeList,
             summary="Draft ad creatives for the campaign's products (the LLM, claim-checked)")  # fmt: skip
async def write_creatives(campaign_id: CampaignId, services: ServicesDep, _: MerchantDep) -> CreativeList:
    await _run(services.campaigns.get, campaign_id)  # 404 before the model is asked
    try:
        async with services.generation.slot():
            made = await services.creatives.write(campaign_id)
    except CampaignError as exc:
        raise ApiError(exc.status, str(exc)) from None
    return CreativeList(items=[CreativeOut.model_validate(c, from_attributes=True) for c in made])


@router.get("/v1/ads/campaigns/{campaign_id}/creatives", response_model=CreativeList, summary="A campaign's creatives")
async def list_creatives(campaign_id: CampaignId, services: ServicesDep, _: MerchantDep) -> CreativeList:
    await _run(services.campaigns.get, campaign_id)
    made = await run_in_threadpool(services.ads.store.creatives, campaign_id)
    return CreativeList(items=[CreativeOut.model_validate(c, from_attributes=True) for c in made])


@router.post("/v1/ads/creatives/{creative_id}/approve", response_model=CreativeOut,
             summary="Approve a creative: from now on it is served with its product's ads")  # fmt: skip
async def approve_creative(
    creative_id: Annotated[str, Path(max_length=40)], services: ServicesDep, principal: MerchantDep
) -> CreativeOut:
    approved = await _run(services.creatives.approve, creative_id, principal.subject)
    return CreativeOut.model_validate(approved, from_attributes=True)


@router.post("/v1/ads/clicks", status_code=202, response_model=ClickOut, summary="Record a click on a sponsored item")
async def click(body: ClickBody, services: ServicesDep, principal: PrincipalDep) -> ClickOut:
    owner = principal.subject if principal.role == "customer" else None  # a shopper clicks only their own ads
    charge = await run_in_threadpool(services.ads.click, body.impression_id, owner)
    if charge is None:
        raise ApiError(404, f"no impression {body.impression_id}")
    return ClickOut(charged=charge.charged, duplicate=charge.duplicate)
