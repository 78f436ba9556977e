"""Product copy: generate drafts (with the faithfulness check), read them, approve one into the catalog."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from app.api.deps import MerchantDep, ServicesDep
from app.api.errors import ApiError
from app.copywriter.jobs import JobRequest, JobSelectionError
from app.copywriter.service import CopyError, CopyOptions, Length, Tone
from app.store.drafts import StoredDraft

router = APIRouter(tags=["copy"])

Field_ = Literal["title", "bullets", "description", "seo"]
ALL_FIELDS: list[Field_] = ["title", "bullets", "description", "seo"]


def exactly_one(*names: str, shapes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The cross-field rule "exactly one of these, not null" in the JSON schema itself (a generated client or a
    schema fuzzer then knows it)."""
    # each branch also says the others are absent or null, so the branches exclude each other by construction
    return {
        "anyOf": [
            {"required": [n], "properties": {m: shapes[m] if m == n else {"type": "null"} for m in names}}
            for n in names
        ]
    }


# attributes with at least one value that is not empty ("", null, [])
SOME_ATTRIBUTE = {"type": "object", "minProperties": 1, "not": {"additionalProperties": {"enum": ["", None, []]}}}


class CopyBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=exactly_one(
            "product_id", "attributes", shapes={"product_id": {"type": "string"}, "attributes": SOME_ATTRIBUTE}
        )
    )

    product_id: str | None = Field(None, max_length=128)
    attributes: dict[str, Any] | None = Field(None, description="raw attributes when there is no product yet")
    tone: Tone = "neutral"
    length: Length = "medium"
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    fields: list[Field_] = Field(default_factory=lambda: list(ALL_FIELDS))
    variants: int = Field(1, ge=1, le=3)

    @model_validator(mode="after")
    def _one_source(self) -> CopyBody:
        if (self.product_id is None) == (self.attributes is None):
            raise ValueError("give either product_id or attributes")
        if self.attributes is not None and not any(v not in ("", None, []) for v in self.attributes.values()):
            raise ValueError("attributes are empty")
        return self


class Seo(BaseModel):
    title: str
    meta_description: str


class Checks(BaseModel):
    faithful: bool
    unsupported_claims: list[str]
    claims: list[str]
    regenerated: bool
    removed_claims: list[str] = Field(
        default_factory=list, description="claims still unsupported after regenerating: their sentences were cut"
    )
    fallback: bool = Field(description="the model gave no usable copy twice: built from the attributes")


class DraftOut(BaseModel):
    draft_id: str
    product_id: str | None
    status: str
    title: str | None = None
    bullets: list[str] | None = None
    description: str | None = None
    seo: Seo | None = None
    checks: Checks
    prompt: str
    model: str


class CopyResponse(DraftOut):
    variants: list[DraftOut] = Field(default_factory=list, description="every variant, the first included")


class ApproveResponse(BaseModel):
    draft_id: str
    product_id: str
    status: str
    index_version: str


def _out(draft: StoredDraft, wanted: list[str]) -> DraftOut:
    data = draft.data
    fields = data["fields"]
    return DraftOut(
        draft_id=draft.id,
        product_id=draft.product_id,
        status=draft.status,
        title=fields["title"] if "title" in wanted else None,
        bullets=fields["bullets"] if "bullets" in wanted else None,
        description=fields["description"] if "description" in wanted else None,
        seo=Seo(title=fields["seo_title"], meta_description=fields["meta_description"]) if "seo" in wanted else None,
        checks=Checks.model_validate(data["checks"]),
        prompt=data["prompt"],
        model=data["model"],
    )


@router.post("/v1/copy", response_model=CopyResponse, summary="Generate product copy, checked against the attributes")
async def generate_copy(body: CopyBody, services: ServicesDep, principal: MerchantDep) -> CopyResponse:
    options = CopyOptions(tone=body.tone, length=body.length, language=body.language)
    drafts: list[DraftOut] = []
    try:
        for _ in range(body.variants):
            async with services.generation.slot():
                draft = await services.copywriter.generate(body.product_id, body.attributes, options, principal.subject)
            drafts.append(_out(draft.stored, list(body.fields)))
    except CopyError as exc:
        raise ApiError(404, str(exc)) from None
    return CopyResponse(**drafts[0].model_dump(), variants=drafts)


@router.get("/v1/copy/drafts/{draft_id}", response_model=DraftOut, summary="One draft")
async def get_draft(services: ServicesDep, _: MerchantDep, draft_id: Annotated[str, Path(max_length=40)]) -> DraftOut:
    draft = await run_in_threadpool(services.copywriter.drafts.get, draft_id)
    if draft is None:
        raise ApiError(404, f"no draft {draft_id}")
    return _out(draft, list(ALL_FIELDS))


@router.post(
    "/v1/copy/drafts/{draft_id}/approve",
    response_model=ApproveResponse,
    summary="Write a draft into its product and re-embed it",
)
async def approve_draft(
    services: ServicesDep, principal: MerchantDep, draft_id: Annotated[str, Path(max_length=40)]
) -> ApproveResponse:
    try:
        draft, version = await run_in_threadpool(services.copywriter.approve, draft_id, principal.subject)
    except LookupError:
        raise ApiError(404, f"no draft {draft_id}") from None
    except CopyError as exc:
        raise ApiError(409, str(exc)) from None
    assert draft.product_id is not None
    return ApproveResponse(draft_id=draft.id, product_id=draft.product_id, status=draft.status, index_version=version)


class JobBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=exactly_one(
            "product_ids", "category", shapes={"product_ids": {"type": "array"}, "category": {"type": "string"}}
        )
    )

    product_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(
        None, min_length=1, max_length=10_000
    )
    category: str | None = Field(None, min_length=1, max_length=300, description="category path prefix")
    limit: int | None = Field(None, ge=1, le=100_000, description="at most this many products (first by id)")
    tone: Tone = "neutral"
    length: Length = "medium"
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")

    @model_validator(mode="after")
    def _one_selection(self) -> JobBody:
        if (self.product_ids is None) == (self.category is None):
            raise ValueError("give either product_ids or category")
        return self


class JobCreated(BaseModel):
    job_id: str
    total: int
    status: str


class JobDraft(BaseModel):
    product_id: str
    draft_id: str


class JobError(BaseModel):
    product_id: str
    error: str


class JobOut(BaseModel):
    job_id: str
    status: str = Field(description="running | done")
    done: int
    total: int
    failed: int
    running: int
    options: dict[str, Any]
    drafts: list[JobDraft]
    errors: list[JobError]
    created_at: str
    finished_at: str | None


@router.post(
    "/v1/copy/jobs",
    status_code=202,
    response_model=JobCreated,
    summary="Write copy for many products in the background (resumable)",
)
async def create_job(body: JobBody, services: ServicesDep, principal: MerchantDep) -> JobCreated:
    request = JobRequest(
        product_ids=body.product_ids,
        category=body.category,
        options=CopyOptions(tone=body.tone, length=body.length, language=body.language),
        limit=body.limit,
    )
    try:
        job_id = await run_in_threadpool(services.copy_jobs.submit, request, principal.subject)
    except JobSelectionError as exc:  # the selection names products that do not exist: as POST /v1/copy, 404
        raise ApiError(404, str(exc)) from None
    progress = await run_in_threadpool(services.copy_jobs.store.progress, job_id)
    assert progress is not None
    return JobCreated(job_id=job_id, total=progress.total, status=progress.status)


@router.get("/v1/copy/jobs/{job_id}", response_model=JobOut, summary="A batch job's progress and drafts")
async def get_job(services: ServicesDep, _: MerchantDep, job_id: Annotated[str, Path(max_length=40)]) -> JobOut:
    progress = await run_in_threadpool(services.copy_jobs.store.progress, job_id)
    if progress is None:
        raise ApiError(404, f"no job {job_id}")
    return JobOut(
        job_id=progress.id,
        status=progress.status,
        done=progress.done,
        total=progress.total,
        failed=progress.failed,
        running=progress.running,
        options=progress.options,
        drafts=[JobDraft(**d) for d in progress.drafts],
        errors=[JobError(**e) for e in progress.errors],
        created_at=progress.created_at.isoformat(),
        finished_at=progress.finished_at.isoformat() if progress.finished_at else None,
    )
