"""Gradio chat for support staff at ``/ui/chat``: the same assistant as ``/v1/chat``, streamed, with product cards.

Sign-in: any user name and a support or admin API key as the password. The agent may name a customer id to see
the assistant answer with that customer's orders.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from app.assistant.context import money
from app.assistant.tools import Caller
from app.assistant.turn_events import Done, Products, Token, TurnEvent
from app.llm.gate import GenerationBusyError
from app.security import CUSTOMER_ID_PATTERN
from app.ui.markdown import escape
from app.wiring import Services

log = logging.getLogger(__name__)

CHAT_PATH = "/ui/chat"


def _history(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    turns = []
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if role in ("user", "assistant") and isinstance(content, str):
            turns.append((str(role), content.split("\n\n---\n", 1)[0]))  # without the cards appended below
    return turns[-8:]


async def _rendered(events: AsyncIterator[TurnEvent]) -> AsyncIterator[str]:
    """The reply as it streams, then the final text with the ticket and product cards."""
    text = ""
    cards = ""
    async for event in events:
        if isinstance(event, Token):
            text += event.text
            yield text
        elif isinstance(event, Products):
            cards = "\n".join(
                f"- **{escape(p.title)}** `{p.id}` {money(p.price, p.currency)}"
                + ("" if p.in_stock else " (out of stock)")
                for p in event.items
            )
        elif isinstance(event, Done):
            text = event.result.reply
            if event.result.handoff and event.result.ticket_id:
                text += f"\n\n(ticket {event.result.ticket_id} opened)"
            yield text + (f"\n\n---\n{cards}" if cards else "")


def build_chat_ui(services: Services) -> Any:
    import gradio as gr

    async def respond(message: str, history: list[dict[str, Any]], customer_id: str) -> AsyncIterator[str]:
        customer = customer_id.strip() or None
        if customer is not None and not CUSTOMER_ID_PATTERN.match(customer):
            yield "That customer id is not valid."
            return
        if not message.strip():
            yield "Please type a question."
            return
        caller = Caller(owner="ui:support", customer_id=customer, staff=True)
        limit = services.settings.assistant.max_message_chars
        events = services.assistant.turn(caller, message[:limit], history=_history(history), persist=False)
        try:
            async with services.generation.slot():  # the same admission gate as /v1/chat and the OpenAI route
                async for shown in _rendered(events):
                    yield shown
        except GenerationBusyError as exc:
            yield str(exc)

    with gr.Blocks(title=f"{services.settings.shop_name} assistant") as blocks:
        gr.Markdown(f"### {services.settings.shop_name}: customer-service assistant")
        customer = gr.Textbox(label="Act for customer id (optional)", placeholder="c0001", max_lines=1, render=False)
        gr.ChatInterface(
            respond,
            additional_inputs=[customer],
            additional_inputs_accordion=gr.Accordion("Customer", open=True),
            examples=[
                ["What do you have under $50?", ""],
                ["Where is my last order?", "c0001"],
                ["What is your returns policy?", ""],
            ],
            cache_examples=False,
            api_visibility="private",
            flagging_mode="never",
        )
    return blocks


def mount_behind_key(
    app: FastAPI, services: Services, blocks: Any, path: str, roles: tuple[str, ...], who: str
) -> None:
    """Mount Gradio blocks at ``path``; sign-in with any name and an API key of one of ``roles`` as password."""
    import gradio as gr

    def authenticate(_username: str, password: str) -> bool:
        principal = services.keyring.authenticate(password)
        return principal is not None and principal.role in roles

    gr.mount_gradio_app(
        app,
        blocks,
        path=path,
        auth=authenticate,
        auth_message=f"Sign in with any name and {who} API key as the password.",
        footer_links=[],
        ssr_mode=False,
    )


def mount_ui(app: FastAPI, services: Services) -> None:
    """Mount the Gradio chat (support or admin key) and the merchant studio (merchant or admin key)."""
    try:
        import gradio  # noqa: F401
    except ImportError:  # pragma: no cover - gradio is a core dependency; kept for slim custom builds
        log.warning("gradio is not installed: /ui/chat and /ui/studio are not served")
        return
    from app.ui.studio import STUDIO_PATH, build_studio

    mount_behind_key(app, services, build_chat_ui(services), CHAT_PATH, ("support", "admin"), "a support or admin")
    mount_behind_key(app, services, build_studio(services), STUDIO_PATH, ("merchant", "admin"), "a merchant or admin")
