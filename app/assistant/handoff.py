"""Handing a conversation to a person: a ticket with a redacted summary of what was said, so a colleague can
pick it up without asking the customer to repeat themselves."""

from __future__ import annotations

from collections.abc import Sequence

from app.assistant.memory import recall
from app.assistant.tools import Caller
from app.guard.pii import redact
from app.store.conversations import Conversation, ConversationStore


def open_handoff(
    conversations: ConversationStore,
    caller: Caller,
    conversation: Conversation | None,
    message: str,
    past: Sequence[tuple[str, str]],
    reasons: Sequence[str],
) -> tuple[str, str]:
    """(ticket id, conversation id); a stateless caller's ticket still gets a conversation to point to."""
    if conversation is None:
        conversation = conversations.create(caller.owner, caller.customer_id)
    summary = recall(conversation, 0).summary if conversation.messages else ""
    recent = " | ".join(f"{role}: {' '.join(text.split())[:160]}" for role, text in list(past)[-4:])
    ticket = conversations.open_ticket(
        conversation.id,
        caller.customer_id,
        reason="; ".join(reasons[:1]) or "handoff",
        summary=redact(
            "; ".join(part for part in [summary, recent, f"latest: {' '.join(message.split())[:300]}"] if part)
        ),
    )
    return ticket.id, conversation.id
