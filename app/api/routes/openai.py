"""The OpenAI-compatible routes: the model list, chat completions and responses. They validate and delegate: the
wire formats are in ``app/api/openai_compat.py`` and ``app/api/openai_responses.py``, the turn is the assistant's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from app.api.deps import PrincipalDep, ServicesDep, caller_for
from app.api.errors import ApiError
from app.api.openai_compat import ChatCompletion, ChatCompletionsBody, Completion
from app.api.openai_responses import Responding, ResponseObject, ResponsesBody
from app.api.routes.chat import SSE_HEADERS, checked_message, collect
from app.assistant.turn_events import Done, Token, TurnEvent
from app.llm.gate import GenerationBusyError
from app.security import Principal
from app.wiring import Services

router = APIRouter(tags=["openai"])

MODEL = "shopassist"


class ModelCard(BaseModel):
    id: str
    object: str = "model"
    created: int = 0
    owned_by: str = "shopassist"


class ModelList(BaseModel):
    object: str = "list"
    data: list[ModelCard]


@router.get("/v1/models", response_model=ModelList, summary="OpenAI model list: the shop's assistant")
async def list_models(_: PrincipalDep) -> ModelList:
    return ModelList(data=[ModelCard(id=MODEL)])


def _turn(
    services: Services,
    principal: Principal,
    asked: tuple[str, list[tuple[str, str]]] | None,
    field: str,
    user: str | None,
    cap: int | None,
) -> AsyncIterator[TurnEvent]:
    """The assistant's turn for an OpenAI request (not persisted: the client holds the history)."""
    if asked is None:
        raise ApiError(422, "no user message with text", details=[{"field": field}])
    question, history = asked
    message = checked_message(services, question)
    caller = caller_for(principal, user)
    services.generation.refuse_if_full()  # 503 at once, before a stream has started
    return services.assistant.turn(caller, message, history=history, persist=False, max_tokens=cap)


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    summary="OpenAI-compatible chat (model 'shopassist'); the last user message is the turn",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def chat_completions(body: ChatCompletionsBody, services: ServicesDep, principal: PrincipalDep) -> Any:
    events = _turn(services, principal, body.question(), "messages", body.user, body.reply_cap)
    completion = Completion(body.model)
    if not body.stream:
        async with services.generation.slot():  # busy: 503 from the error handler
            return completion.response(await collect(events))

    async def stream() -> AsyncIterator[bytes]:
        yield completion.opening()
        try:
            async with services.generation.slot():
                async for event in events:
                    if isinstance(event, Token) and event.text:
                        yield completion.text(event.text)
                    elif isinstance(event, Done):
                        yield completion.stop(event.result)
                        if body.include_usage:
                            yield completion.usage(event.result)
        except GenerationBusyError as exc:
            yield completion.busy(str(exc))
        yield completion.done

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.post(
    "/v1/responses",
    response_model=ResponseObject,
    summary="OpenAI Responses API (model 'shopassist'): text or messages in, the assistant's message out",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def responses(body: ResponsesBody, services: ServicesDep, principal: PrincipalDep) -> Any:
    events = _turn(services, principal, body.question(), "input", body.user, body.max_output_tokens)
    responding = Responding(body.model)
    if not body.stream:
        async with services.generation.slot():
            return responding.response(await collect(events))

    async def stream() -> AsyncIterator[bytes]:
        yield responding.created_event()
        try:
            async with services.generation.slot():
                async for event in events:
                    if isinstance(event, Token) and (delta := responding.delta(event.text)):
                        yield delta
                    elif isinstance(event, Done):
                        for finished in responding.finished(event.result):
                            yield finished
        except GenerationBusyError as exc:
            yield responding.failed(str(exc))

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)
