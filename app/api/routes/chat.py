"""Chat: the assistant's REST and SSE routes and conversation history (the OpenAI-compatible routes are in
``openai.py``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import PrincipalDep, ServicesDep, caller_for
from app.api.errors import ApiError
from app.api.routes.carts import CartOut
from app.assistant.context import product_card
from app.assistant.service import ConversationNotFoundError
from app.assistant.tools import Caller
from app.assistant.turn_events import Done, Products, Token, TurnEvent, TurnResult
from app.llm.gate import GenerationBusyError
from app.store.conversations import Conversation
from app.wiring import Services
from retrieval.catalog import Product

router = APIRouter(tags=["chat"])

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ChatBody(BaseModel):
    conversation_id: str | None = Field(None, max_length=64)
    message: str = Field(min_length=1, pattern=r"\S", description="the customer's message (not only whitespace)")
    customer_id: str | None = Field(None, max_length=128, description="support/admin: the customer to act for")
    stream: bool = False
    cart_id: str | None = Field(
        None, max_length=64, description="the cart the widget holds: where a confirmed chat add goes"
    )


class Citation(BaseModel):
    type: Literal["product", "policy", "order"]
    id: str


class ClaimCounts(BaseModel):
    checked: int = Field(description="product claims the reply made, each checked against the records shown")
    supported: int = Field(description="of those, the ones a record or policy passage states")
    cut: list[str] = Field(description="unsupported claims whose clauses were withheld from the customer")


class Grounding(BaseModel):
    dropped_ids: list[str] = Field(description="ids the model wrote that were not retrieved (removed)")
    unsupported_amounts: list[float] = Field(description="amounts not found in the data (sentences removed)")
    fallback: bool = Field(description="the reply was replaced by a template built from the retrieved data")
    claims: ClaimCounts


class SponsoredOut(BaseModel):
    product_id: str
    campaign_id: str
    impression_id: str = Field(description="send it to POST /v1/ads/clicks when the shopper clicks the card")


class CartOfferOut(BaseModel):
    product_id: str
    quantity: int
    variant: dict[str, str]
    missing: list[str] = Field(description="variant names still to choose (the reply asks for the first)")


class ChatResponse(BaseModel):
    conversation_id: str | None
    reply: str
    products: list[str]
    citations: list[Citation]
    handoff: bool
    intent: str
    degraded: bool = Field(description="the LLM was unavailable: the reply was built from retrieved data")
    repaired: bool = Field(description="the grounding check removed or replaced part of the generated reply")
    ticket_id: str | None = None
    grounding: Grounding
    reasons: list[str] = Field(description="why the turn was routed as it was, from the shop's data (or the LLM)")
    cart_offer: CartOfferOut | None = Field(
        None, description="the add this reply asks the customer to confirm; only their next message can accept it"
    )
    cart: CartOut | None = Field(None, description="the cart after an add the customer confirmed in this turn")
    sponsored: list[SponsoredOut] = Field(
        default_factory=list, description="sponsored products after the answer (in products too, labelled in the reply)"
    )


class StoredMessageOut(BaseModel):
    seq: int
    role: str
    content: str
    created_at: datetime | None
    products: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class ConversationResponse(BaseModel):
    id: str
    customer_id: str | None
    summary: str
    messages: list[StoredMessageOut]


def checked_message(services: Services, text: str) -> str:
    if not text.strip():
        raise ApiError(422, "message is empty", details=[{"field": "message", "message": "empty"}])
    limit = services.settings.assistant.max_message_chars
    if len(text) > limit:
        raise ApiError(422, f"message is longer than {limit} characters", details=[{"field": "message"}])
    return text


def _conversation(services: Services, caller: Caller, conversation_id: str | None) -> Conversation | None:
    """The caller's conversation (loaded once, here), or 404 when it is missing or not theirs."""
    if conversation_id is None:
        return None
    try:
        return services.assistant.conversation_for(caller, conversation_id)
    except ConversationNotFoundError:
        raise ApiError(404, f"no conversation {conversation_id}") from None


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _product_summary(product: Product, ad: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "sponsored": ad is not None,
        "ad": {"campaign_id": ad["campaign_id"], "impression_id": ad["impression_id"]} if ad else None,
        "id": product.id,
        "title": product.title,
        "price": product.price,
        "currency": product.currency,
        "category": product.category,
        "in_stock": product.in_stock,
        "rating": product.rating,
        "image_url": product.image_url,
        "url": product.url,
        "card": product_card(product),
    }


@router.post(
    "/v1/chat",
    response_model=ChatResponse,
    summary="One chat turn (JSON, or SSE events token/products/done with stream=true)",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def chat(body: ChatBody, services: ServicesDep, principal: PrincipalDep) -> Any:
    message = checked_message(services, body.message)
    caller = caller_for(principal, body.customer_id)
    conversation = await run_in_threadpool(_conversation, services, caller, body.conversation_id)
    services.generation.refuse_if_full()  # 503 at once, before a stream has started
    events = services.assistant.turn(caller, message, conversation, cart_id=body.cart_id)
    if not body.stream:
        async with services.generation.slot():  # busy: 503 from the error handler
            result = await collect(events)
        return ChatResponse.model_validate(result.public())

    async def stream() -> AsyncIterator[bytes]:
        try:
            async with services.generation.slot():  # held while the reply streams, released on disconnect
                async for event in events:
                    if isinstance(event, Token):
                        yield _sse("token", {"text": event.text})
                    elif isinstance(event, Products):
                        items = [_product_summary(p, event.sponsored.get(p.id)) for p in event.items]
                        yield _sse("products", {"items": items})
                    elif isinstance(event, Done):
                        yield _sse("done", event.result.public())
        except GenerationBusyError as exc:
            yield _sse("error", {"error": {"code": "busy", "message": str(exc), "retry_after": exc.retry_after_s}})
        except Exception:  # the status line is sent: report in-band, never hang the client
            yield _sse("error", {"error": {"code": "internal", "message": "the turn failed; please retry"}})
            raise

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


async def collect(events: AsyncIterator[TurnEvent]) -> TurnResult:
    async for event in events:
        if isinstance(event, Done):
            return event.result
    raise RuntimeError("chat turn ended without a result")


@router.get(
    "/v1/conversations/{conversation_id}",
    response_model=ConversationResponse,
    summary="A conversation's messages (its owner, support or admin)",
)
async def get_conversation(
    services: ServicesDep, principal: PrincipalDep, conversation_id: Annotated[str, Path(max_length=64)]
) -> ConversationResponse:
    caller = caller_for(principal, None)
    try:
        conversation = await run_in_threadpool(services.assistant.conversation_for, caller, conversation_id)
    except ConversationNotFoundError:
        raise ApiError(404, f"no conversation {conversation_id}") from None
    return ConversationResponse(
        id=conversation.id,
        customer_id=conversation.customer_id,
        summary=conversation.summary,
        messages=[
            StoredMessageOut(
                seq=m.seq,
                role=m.role,
                content=m.content,
                created_at=m.created_at,
                products=list(m.meta.get("products") or []),
                citations=[Citation.model_validate(c) for c in m.meta.get("citations") or []],
            )
            for m in conversation.messages
        ],
    )


# ---- OpenAI-compatible ---------------------------------------------------------------------------------
