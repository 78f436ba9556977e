"""The OpenAI Responses wire format (``POST /v1/responses``): text or messages in, one assistant message out, or
its stream of typed events. Built from the same turn as chat completions; tools, files and stored responses are
not offered (the shop's tools are on the MCP server)."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.openai_compat import HISTORY_TURNS, TEXT_SCHEMA, extension_of, usage_of, user_message_with_text
from app.assistant.turn_events import TurnResult

# the input has a question: a non-blank string, or a user message with text (a string or an input_text part)
HAS_INPUT_QUESTION: dict[str, Any] = {
    "anyOf": [TEXT_SCHEMA, {"type": "array", "contains": user_message_with_text("input_text")}]
}


class InputMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[dict[str, Any]]
    type: Literal["message"] = "message"

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(
            str(part.get("text", "")) for part in self.content if part.get("type") in ("input_text", "output_text")
        )


class ResponsesBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = "shopassist"
    input: str | list[InputMessage] = Field(
        description="the question, or messages whose last user message is the question and whose earlier user "
        "and assistant messages are its history",
        json_schema_extra={"allOf": [HAS_INPUT_QUESTION]},
    )
    stream: bool = False
    user: str | None = Field(None, max_length=128, description="support/admin: the customer to act for")
    max_output_tokens: int | None = Field(None, ge=1, description="lowers the role's reply cap (never raises it)")

    def question(self) -> tuple[str, list[tuple[str, str]]] | None:
        if isinstance(self.input, str):
            return (self.input, []) if self.input.strip() else None
        turns: list[tuple[str, str]] = [(m.role, m.text()) for m in self.input if m.role in ("user", "assistant")]
        asked = [i for i, (role, text) in enumerate(turns) if role == "user" and text.strip()]
        if not asked:
            return None
        return turns[asked[-1]][1], turns[: asked[-1]][-HISTORY_TURNS:]


class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[dict[str, Any]] = Field(default_factory=list)


class OutputMessage(BaseModel):
    type: Literal["message"] = "message"
    id: str
    role: Literal["assistant"] = "assistant"
    status: Literal["in_progress", "completed"]
    content: list[OutputText]


class ResponseUsage(BaseModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: dict[str, int] = Field(default_factory=lambda: {"cached_tokens": 0})
    output_tokens_details: dict[str, int] = Field(default_factory=lambda: {"reasoning_tokens": 0})


class ResponseObject(BaseModel):
    id: str
    object: Literal["response"] = "response"
    created_at: int
    model: str
    status: Literal["in_progress", "completed", "failed"]
    output: list[OutputMessage]
    parallel_tool_calls: bool = False
    tool_choice: Literal["none"] = "none"
    tools: list[dict[str, Any]] = Field(default_factory=list)
    usage: ResponseUsage | None = None
    shopassist: dict[str, Any] | None = Field(None, description="the cited products and how the turn was answered")


class Responding:
    """One response's identity, and the response or its SSE events as they go out."""

    def __init__(self, model: str) -> None:
        self.id = f"resp_{uuid.uuid4().hex}"
        self.message_id = f"msg_{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model
        self._sequence = 0
        self._streamed: list[str] = []  # what the client has been sent: the done event repeats it exactly

    def response(self, result: TurnResult | None) -> ResponseObject:
        if result is None:
            return ResponseObject(id=self.id, created_at=self.created, model=self.model, status="in_progress",
                                  output=[])  # fmt: skip
        usage = usage_of(result)  # the same estimate and extension as chat completions
        return ResponseObject(
            id=self.id,
            created_at=self.created,
            model=self.model,
            status="completed",
            output=[OutputMessage(id=self.message_id, status="completed", content=[OutputText(text=result.reply)])],
            usage=ResponseUsage(
                input_tokens=usage.prompt_tokens,
                output_tokens=usage.completion_tokens,
                total_tokens=usage.total_tokens,
            ),
            shopassist=extension_of(result).model_dump(),
        )

    def _event(self, kind: str, **data: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self._sequence, **data}
        self._sequence += 1
        body = ResponseEvent.model_validate(payload).model_dump_json(exclude_none=True)
        return f"event: {kind}\ndata: {body}\n\n".encode()

    def _at(self) -> dict[str, Any]:
        return {"item_id": self.message_id, "output_index": 0, "content_index": 0}

    def created_event(self) -> bytes:
        return self._event("response.created", response=self.response(None).model_dump())

    def delta(self, piece: str) -> bytes | None:
        if not self._streamed:
            piece = piece.lstrip()  # a cut first sentence leaves the next one's space
        if not piece:
            return None
        self._streamed.append(piece)
        return self._event("response.output_text.delta", delta=piece, logprobs=[], **self._at())

    def failed(self, message: str) -> bytes:
        failed = self.response(None).model_dump() | {"status": "failed", "error": {"code": "busy", "message": message}}
        return self._event("response.failed", response=failed)

    def finished(self, result: TurnResult) -> list[bytes]:
        text = "".join(self._streamed)
        completed = self.response(result)
        completed.output[0].content[0].text = text
        return [
            self._event("response.output_text.done", text=text, logprobs=[], **self._at()),
            self._event("response.completed", response=completed.model_dump()),
        ]


class ResponseEvent(BaseModel):
    """One SSE event of a streamed response (the fields of the event types this route sends)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    sequence_number: int
    response: dict[str, Any] | None = None
    item_id: str | None = None
    output_index: int | None = None
    content_index: int | None = None
    delta: str | None = None
    text: str | None = None
    logprobs: list[Any] | None = None
