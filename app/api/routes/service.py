"""Service routes: liveness, readiness, Prometheus metrics, resolved capabilities."""

from __future__ import annotations

import platform
import sys
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app.api.deps import CredentialsDep, PrincipalDep, ServicesDep, authenticate
from app.api.errors import ApiError
from app.versions import package_versions

router = APIRouter(tags=["service"])


@router.get("/healthz", summary="Liveness: 200 while the process lives")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: 200 when every component is usable, else 503 naming the part that is not",
    responses={503: {"description": "a component is not usable"}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    components = await services.readiness()
    ready = all(state == "ok" for state in components.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "components": components},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(services: ServicesDep, credentials: CredentialsDep) -> Response:
    # checked here, not by a dependency: the route is public unless the settings say otherwise
    staff = {"admin", "support", "merchant"}
    if not services.settings.metrics_public and authenticate(services, credentials).role not in staff:
        raise ApiError(403, "metrics need a staff role")
    await services.readiness()  # refresh the component gauges
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/v1/capabilities", summary="Resolved settings, backends, models and versions (no secrets)")
async def capabilities(services: ServicesDep, _principal: PrincipalDep) -> dict[str, Any]:
    return {
        "version": services.version,
        "env": services.settings.env,
        "llm": services.llm.describe(),
        "database": {"dialect": services.database.dialect},
        "catalog": services.catalog.describe(),
        "recommender": services.personalization.describe(),
        "settings": services.settings.masked(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
    }
