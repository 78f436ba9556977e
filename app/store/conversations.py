"""Conversations, their messages and handoff tickets, durable in the database.

A conversation belongs to one owner: a customer id (customer token) or the API key that opened it. Messages are
stored with what the assistant used for them (intent, products, citations) so a later turn can refer back
("the second one") and support can audit what the customer was shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(160))
    customer_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    summarized_upto: Mapped[int] = mapped_column(Integer, default=0)  # messages folded into the summary
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (Index("ix_conversations_owner", "owner"),)


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (Index("ix_messages_conversation", "conversation_id", "seq", unique=True),)


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), ForeignKey("conversations.id", ondelete="CASCADE"))
    customer_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())


@dataclass(frozen=True)
class StoredMessage:
    seq: int
    role: str
    content: str
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    customer_id: str | None
    summary: str
    summarized_upto: int
    messages: list[StoredMessage]


@dataclass(frozen=True)
class Ticket:
    id: str
    conversation_id: str
    customer_id: str | None
    reason: str
    summary: str
    status: str


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, owner: str, customer_id: str | None) -> Conversation:
        conversation_id = uuid.uuid4().hex
        with self.database.session() as session, session.begin():
            session.add(ConversationRow(id=conversation_id, owner=owner, customer_id=customer_id, summary=""))
        return Conversation(conversation_id, owner, customer_id, "", 0, [])

    def get(self, conversation_id: str) -> Conversation | None:
        with self.database.session() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                return None
            messages = session.scalars(
                select(MessageRow).where(MessageRow.conversation_id == conversation_id).order_by(MessageRow.seq)
            ).all()
        return Conversation(
            row.id,
            row.owner,
            row.customer_id,
            row.summary,
            row.summarized_upto,
            [StoredMessage(m.seq, m.role, m.content, dict(m.meta or {}), m.created_at) for m in messages],
        )

    def append_turn(
        self, conversation_id: str, user: str, assistant: str, meta: dict[str, Any], user_meta: dict[str, Any]
    ) -> int:
        """Store a user message and the reply in one transaction; returns the reply's sequence number."""
        now = datetime.now(UTC)
        with self.database.session() as session, session.begin():
            last = session.scalar(select(func.max(MessageRow.seq)).where(MessageRow.conversation_id == conversation_id))
            seq = int(last or 0)
            session.add(
                MessageRow(
                    conversation_id=conversation_id,
                    seq=seq + 1,
                    role="user",
                    content=user,
                    meta=user_meta,
                    created_at=now,
                )
            )
            session.add(
                MessageRow(
                    conversation_id=conversation_id,
                    seq=seq + 2,
                    role="assistant",
                    content=assistant,
                    meta=meta,
                    created_at=now,
                )
            )
            row = session.get(ConversationRow, conversation_id)
            if row is not None:
                row.updated_at = now
        return seq + 2

    def set_summary(self, conversation_id: str, summary: str, upto: int) -> None:
        with self.database.session() as session, session.begin():
            row = session.get(ConversationRow, conversation_id)
            if row is not None:
                row.summary = summary
                row.summarized_upto = upto

    def open_ticket(self, conversation_id: str, customer_id: str | None, reason: str, summary: str) -> Ticket:
        ticket_id = f"T-{uuid.uuid4().hex[:8].upper()}"
        with self.database.session() as session, session.begin():
            session.add(
                TicketRow(
                    id=ticket_id,
                    conversation_id=conversation_id,
                    customer_id=customer_id,
                    reason=reason[:200],
                    summary=summary,
                    status="open",
                )
            )
        return Ticket(ticket_id, conversation_id, customer_id, reason[:200], summary, "open")

    def tickets(self, conversation_id: str) -> list[Ticket]:
        with self.database.session() as session:
            rows = session.scalars(select(TicketRow).where(TicketRow.conversation_id == conversation_id)).all()
        return [Ticket(r.id, r.conversation_id, r.customer_id, r.reason, r.summary, r.status) for r in rows]
