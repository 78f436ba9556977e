"""The JSON error envelope of API.md for every error: ``{"error": {"code": "...", "message": "..."}}``."""

from __future__ import annotations

import logging
from typing import Any

import openai
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.llm.gate import GenerationBusyError
from app.llm.service import LLMUnavailableError
from retrieval.catalog_service import IndexUnavailableError

log = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """An error a route raises on purpose; rendered as the envelope with its status."""

    def __init__(
        self,
        status_code: int,
        message: str,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code or STATUS_CODES.get(status_code, "error")
        self.message = message
        self.details = details
        self.headers = headers


def envelope(
    status_code: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status_code, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for item in exc.errors():
        loc = [str(part) for part in item.get("loc", ())]
        details.append({"field": ".".join(loc), "message": item.get("msg", "invalid")})
    return details


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return envelope(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return envelope(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return envelope(422, "validation_error", message, details)


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=(type(exc), exc, exc.__traceback__))
    return envelope(500, "internal_error", "internal error; the request id identifies it in the logs")


async def _index_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("product index unavailable", extra={"reason": str(exc)})
    return envelope(503, "unavailable", str(exc), headers={"Retry-After": "5"})


async def _generation_busy(_request: Request, exc: Exception) -> JSONResponse:
    retry_after = exc.retry_after_s if isinstance(exc, GenerationBusyError) else 2
    return envelope(503, "busy", str(exc), headers={"Retry-After": str(retry_after)})


async def _llm_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """The LLM backend is down, timed out or its circuit is open: 503, the rest of the API keeps working."""
    log.warning("LLM backend unavailable", extra={"error": type(exc).__name__})
    return envelope(
        503, "unavailable", "the language model is unavailable; please retry shortly", headers={"Retry-After": "10"}
    )


def install_error_handlers(app: FastAPI) -> None:
    for outage in (LLMUnavailableError, openai.APIConnectionError, openai.InternalServerError):
        app.add_exception_handler(outage, _llm_unavailable)
    app.add_exception_handler(IndexUnavailableError, _index_unavailable)
    app.add_exception_handler(GenerationBusyError, _generation_busy)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every 4xx/5xx body: ``{"error": {"code": "...", "message": "..."}}``."""

    error: ErrorDetail


def documented_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a group of routes can answer."""
    # errors are JSON whatever the route's own media type (an HTML page's 404 is the JSON envelope too)
    return {
        status: {
            "model": ErrorEnvelope,
            "description": STATUS_CODES.get(status, "error"),
            "content": {"application/json": {}},
        }
        for status in statuses
    }


COMMON_ERRORS = documented_errors(400, 401, 403, 404, 409, 413, 422, 429, 503)
