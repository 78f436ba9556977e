"""The ASGI application: ``uvicorn --factory app.main:create_app``; ``shopassist serve`` runs ``create_served_app``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.api.errors import COMMON_ERRORS, install_error_handlers
from app.api.idempotency import IdempotencyMiddleware
from app.api.limits import LimitsMiddleware, RateLimiter
from app.api.mcp_server import build_mcp
from app.api.middleware import RequestContextMiddleware
from app.api.read_pool import ReadPool
from app.api.routes import (
    ads,
    auth,
    browse,
    carts,
    catalog,
    chat,
    commerce,
    copywriting,
    feeds,
    insights,
    openai,
    personalization,
    service,
    widget,
)
from app.config import Settings, get_settings
from app.guard.pii import RedactingFilter
from app.observability import configure_logging
from app.ui.chat import mount_ui
from app.wiring import Services, build_services


def freeze_startup_objects() -> None:
    """What start-up built lives as long as the process: the cyclic collector's full passes need not scan it
    again (one over a started demo service took ~250 ms, a pause of whatever requests were in flight)."""
    gc.collect()
    gc.freeze()


def create_served_app() -> FastAPI:
    """The app ``shopassist serve`` runs: the whole process is the service, so its start-up objects are frozen."""
    return create_app(freeze=True)


def create_app(settings: Settings | None = None, services: Services | None = None, *, freeze: bool = False) -> FastAPI:
    """Build the app; its lifespan starts the services once and stops them on shutdown. ``freeze``: the process
    serves only this app (``limits.gc_freeze`` then applies; tests build many apps in one process)."""
    settings = settings or (services.settings if services else get_settings())
    configure_logging(settings.log.level, settings.log.format, filters=[RedactingFilter()])
    built = services or build_services(settings)
    mcp = build_mcp(built)
    # stateless: any replica answers any request; mounted under /mcp, so the SDK's own path is its root
    mcp_app = mcp.streamable_http_app(streamable_http_path="/", stateless_http=True, json_response=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not built.started:
            built.start()
        if freeze and settings.limits.gc_freeze:
            freeze_startup_objects()
        app.state.services = built
        jobs = asyncio.create_task(built.copy_jobs.serve(), name="copy-jobs")
        try:
            async with mcp.session_manager.run():  # a mounted app's own lifespan does not run
                yield
        finally:
            jobs.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await jobs
            built.close()

    app = FastAPI(
        title="shopassist",
        version=__version__,
        summary="LLM e-commerce assistant: grounded chat, product copy, search and recommendations",
        lifespan=lifespan,
    )
    app.state.services = built
    install_error_handlers(app)
    if settings.auth.cors_origins:  # the widget embedded on the shop's own origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.auth.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            max_age=600,
        )
    app.add_middleware(IdempotencyMiddleware, store=built.idempotency)
    app.add_middleware(LimitsMiddleware, settings=settings.limits)
    app.add_middleware(RequestContextMiddleware, metrics=built.metrics)
    app.state.key_limiter = RateLimiter(settings.limits.per_key_rps, settings.limits.per_key_burst)
    app.state.reads = ReadPool(settings.limits.reads(remote_index=bool(settings.qdrant.url)))
    app.include_router(service.router, responses=COMMON_ERRORS)
    app.include_router(auth.router, responses=COMMON_ERRORS)
    app.include_router(personalization.router, responses=COMMON_ERRORS)
    app.include_router(catalog.router, responses=COMMON_ERRORS)
    app.include_router(browse.router, responses=COMMON_ERRORS)
    app.include_router(feeds.router, responses=COMMON_ERRORS)
    app.include_router(chat.router, responses=COMMON_ERRORS)
    app.include_router(openai.router, responses=COMMON_ERRORS)
    app.include_router(commerce.router, responses=COMMON_ERRORS)
    app.include_router(carts.router, responses=COMMON_ERRORS)
    app.include_router(ads.router, responses=COMMON_ERRORS)
    app.include_router(insights.router, responses=COMMON_ERRORS)
    app.include_router(copywriting.router, responses=COMMON_ERRORS)
    app.include_router(widget.router, responses=COMMON_ERRORS)
    app.mount("/mcp", mcp_app)
    mount_ui(app, built)
    if settings.metrics_public:
        _document_public(app, "/metrics")
    return app


def _document_public(app: FastAPI, path: str) -> None:
    """The route takes a token only when the settings say so: when public, its schema asks for none (a client
    generated from the schema, or a fuzzer, then knows that no token is needed)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for operation in schema["paths"].get(path, {}).values():
            operation["security"] = []
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
