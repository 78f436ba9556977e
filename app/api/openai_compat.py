"""The OpenAI chat-completions wire format: the request body, the response and its stream chunks as pydantic
models, and how a turn's result becomes them. The route in ``routes/chat.py`` only validates and delegates."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.assistant.turn_events import TurnResult

TEXT_SCHEMA = {"type": "string", "pattern": r"\S"}  # a string with some text


def user_message_with_text(part_type: str) -> dict[str, Any]:
    """JSON schema of a user message with some text, as a string or as a part of ``part_type``: the schema's form of
    "there is a question" (``text`` parts in chat completions, ``input_text`` in responses)."""
    part = {
        "type": "object",
        "required": ["type", "text"],
        "properties": {"type": {"const": part_type}, "text": TEXT_SCHEMA},
    }
    return {
        "type": "object",
        "required": ["role", "content"],
        "properties": {
            "role": {"const": "user"},
            "content": {"anyOf": [TEXT_SCHEMA, {"type": "array", "contains": part}]},
        },
    }


HAS_QUESTION = user_message_with_text("text")
HISTORY_TURNS = 8  # user/assistant messages before the question that the turn sees


# ---- request --------------------------------------------------------------------------------------------------
class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionsBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = "shopassist"
    messages: list[OpenAIMessage] = Field(
        min_length=1,
        max_length=200,
        description="the last user message is the turn; the user and assistant messages before it are its history",
        json_schema_extra={"contains": HAS_QUESTION},
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, max_length=128, description="support/admin: the customer to act for")
    max_tokens: int | None = Field(None, ge=1, description="lowers the role's reply cap (never raises it)")
    max_completion_tokens: int | None = Field(None, ge=1, description="as max_tokens")

    def question(self) -> tuple[str, list[tuple[str, str]]] | None:
        """The last user message with text, and the user/assistant turns before it (None: no question)."""
        turns: list[tuple[str, str]] = [(m.role, m.text()) for m in self.messages if m.role in ("user", "assistant")]
        asked = [i for i, (role, text) in enumerate(turns) if role == "user" and text.strip()]
        if not asked:
            return None
        return turns[asked[-1]][1], turns[: asked[-1]][-HISTORY_TURNS:]

    @property
    def reply_cap(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


# ---- response -------------------------------------------------------------------------------------------------
class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Extension(BaseModel):
    """What the shop adds to the OpenAI format: the cited products and how the turn was answered."""

    products: list[str]
    citations: list[dict[str, str]]
    handoff: bool
    intent: str
    degraded: bool
    repaired: bool


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    shopassist: Extension


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop", "length"] | None = None


class ChunkError(BaseModel):
    code: str
    message: str


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    shopassist: Extension | None = None
    error: ChunkError | None = None


def usage_of(result: TurnResult) -> Usage:
    completion = max(len(result.reply) // 4, 1)  # an estimate: the reply went through the gate, not one model call
    prompt = result.prompt_tokens_estimate
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def extension_of(result: TurnResult) -> Extension:
    public = result.public()
    return Extension(**{k: public[k] for k in Extension.model_fields})


class Completion:
    """One completion's identity, and its response or stream chunks as they go out."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.model = model

    def response(self, result: TurnResult) -> ChatCompletion:
        return ChatCompletion(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[Choice(message=AssistantMessage(content=result.reply))],
            usage=usage_of(result),
            shopassist=extension_of(result),
        )

    def _sse(self, chunk: ChatCompletionChunk) -> bytes:
        return f"data: {chunk.model_dump_json(exclude_none=True)}\n\n".encode()

    def _chunk(self, choices: list[ChunkChoice], **extra: Any) -> bytes:
        return self._sse(ChatCompletionChunk(id=self.id, created=self.created, model=self.model, choices=choices,
                                             **extra))  # fmt: skip

    def opening(self) -> bytes:
        return self._chunk([ChunkChoice(delta=Delta(role="assistant", content=""))])

    def text(self, piece: str) -> bytes:
        return self._chunk([ChunkChoice(delta=Delta(content=piece))])

    def stop(self, result: TurnResult) -> bytes:
        return self._chunk([ChunkChoice(delta=Delta(), finish_reason="stop")], shopassist=extension_of(result))

    def usage(self, result: TurnResult) -> bytes:
        return self._chunk([], usage=usage_of(result))

    def busy(self, message: str) -> bytes:
        error = ChunkError(code="busy", message=message)
        return self._chunk([ChunkChoice(delta=Delta(content=""), finish_reason="length")], error=error)

    done = b"data: [DONE]\n\n"
