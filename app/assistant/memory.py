"""Conversation memory: recent turns verbatim within a token budget, older turns in a rolling summary.

The summary is built from what the store recorded for each turn (intent, products shown, orders used), not by
another LLM call: it costs nothing, cannot invent, and keeps long chats inside the context window.

The model is shown each past turn as it was shown then (its ``model_view``: the prompt with the data of that
turn, and the reply with the cards' references), so every request extends the previous one and the LLM
server's prefix cache holds the history: only the new turn is prefilled (~15 ms a token on two CPU threads; a
rewritten history cost a follow-up question 5 s). For the same reason old turns are folded in batches, down to
half the budget, not one per turn: each fold costs one re-read of the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.guard.pii import redact
from app.store.conversations import Conversation, StoredMessage

SUMMARY_MAX_CHARS = 600


def estimate_tokens(text: str) -> int:
    """A cheap token estimate: ~4 characters a token for ASCII, one a token for other scripts."""
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return ascii_chars // 4 + (len(text) - ascii_chars) + 1


@dataclass(frozen=True)
class Memory:
    history: list[tuple[str, str]]  # (role, content) in order, verbatim
    summary: str
    model_history: list[tuple[str, str]]  # the same turns as the model saw them
    summarized_upto: int  # sequence number of the last message folded into the summary
    changed: bool  # the summary grew and should be stored


def _turn_line(user: StoredMessage, reply: StoredMessage | None) -> str:
    asked = redact(" ".join(user.content.split()))  # the summary is analytics: no personal data
    asked = asked if len(asked) <= 60 else asked[:57] + "..."
    line = f'customer asked "{asked}"'
    meta = reply.meta if reply else {}
    products = meta.get("products") or []
    orders = [c["id"] for c in meta.get("citations", []) if c.get("type") == "order"]
    if products:
        line += "; shown " + ", ".join(f"[{p}]" for p in products[:4])
    if orders:
        line += "; orders " + ", ".join(orders[:3])
    if meta.get("handoff"):
        line += "; handed to a person"
    return line


def model_view(message: StoredMessage) -> str:
    return str(message.meta.get("model_view") or message.content)


def recall(conversation: Conversation, budget_tokens: int) -> Memory:
    messages = conversation.messages
    unfolded = [m for m in messages if m.seq > conversation.summarized_upto]
    costs = {m.seq: estimate_tokens(model_view(m)) for m in unfolded}
    limit = budget_tokens if sum(costs.values()) <= budget_tokens else budget_tokens // 2
    window: list[StoredMessage] = []
    used = 0
    for message in reversed(unfolded):
        if used + costs[message.seq] > limit:
            break
        window.insert(0, message)
        used += costs[message.seq]
    if window and window[0].role == "assistant":  # start the window on a customer message
        window = window[1:]
    first_kept = window[0].seq if window else (messages[-1].seq + 1 if messages else 1)
    to_fold = [m for m in messages if conversation.summarized_upto < m.seq < first_kept]
    summary = conversation.summary
    upto = conversation.summarized_upto
    if to_fold:
        lines = []
        for i, message in enumerate(to_fold):
            if message.role == "user":
                reply = to_fold[i + 1] if i + 1 < len(to_fold) and to_fold[i + 1].role == "assistant" else None
                lines.append(_turn_line(message, reply))
        summary = "; ".join(part for part in [summary, *lines] if part)
        if len(summary) > SUMMARY_MAX_CHARS:  # keep the most recent part
            summary = "..." + summary[-(SUMMARY_MAX_CHARS - 3) :]
        upto = to_fold[-1].seq
    return Memory(
        [(m.role, m.content) for m in window],
        summary,
        [(m.role, model_view(m)) for m in window],
        upto,
        upto != conversation.summarized_upto,
    )
