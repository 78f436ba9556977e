"""Copy drafts: what was generated, from which attributes, with which prompt and model, and whether it passed
the faithfulness check; approval is recorded with its author."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime


class DraftRow(Base):
    __tablename__ = "copy_drafts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | approved
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # fields, checks, options, attributes, prompt, model
    author: Mapped[str] = mapped_column(String(160))
    approved_by: Mapped[str | None] = mapped_column(String(160), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_copy_drafts_product", "product_id", "status"),)

    @classmethod
    def new(cls, product_id: str | None, data: dict[str, Any], author: str) -> DraftRow:
        """A fresh draft row with its id (added by ``DraftStore.add``, or inside a job's own transaction)."""
        return cls(
            id=f"d_{uuid.uuid4().hex[:16]}",
            product_id=product_id,
            status="draft",
            data=data,
            author=author,
            created_at=datetime.now(UTC),
        )


@dataclass(frozen=True)
class StoredDraft:
    id: str
    product_id: str | None
    status: str
    data: dict[str, Any]
    author: str
    approved_by: str | None


class DraftStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, product_id: str | None, data: dict[str, Any], author: str) -> StoredDraft:
        row = DraftRow.new(product_id, data, author)
        with self.database.session() as session, session.begin():
            session.add(row)
        return _stored(row)

    def get(self, draft_id: str) -> StoredDraft | None:
        with self.database.session() as session:
            row = session.get(DraftRow, draft_id)
        return None if row is None else _stored(row)

    def mark_approved(self, draft_id: str, by: str) -> StoredDraft | None:
        """Record the approval; the draft as it is now (None when it does not exist)."""
        with self.database.session() as session, session.begin():
            row = session.get(DraftRow, draft_id)
            if row is None:
                return None
            row.status, row.approved_by, row.approved_at = "approved", by, datetime.now(UTC)
            return _stored(row)

    def approved_for(self, product_ids: list[str]) -> StoredDraft | None:
        """The newest approved draft of any of these products (few-shot examples)."""
        if not product_ids:
            return None
        with self.database.session() as session:
            row = session.scalars(
                select(DraftRow)
                .where(DraftRow.product_id.in_(product_ids), DraftRow.status == "approved")
                .order_by(DraftRow.approved_at.desc())
                .limit(1)
            ).first()
        return None if row is None else _stored(row)

    def checked(self, language: str = "en") -> dict[str, StoredDraft]:
        """Per product, the draft to learn from: the newest approved one, else the newest whose claims were all
        supported by its attributes (fine-tuning data)."""
        with self.database.session() as session:
            rows = session.scalars(
                select(DraftRow).where(DraftRow.product_id.is_not(None)).order_by(DraftRow.created_at)
            ).all()
        best: dict[str, StoredDraft] = {}
        for row in rows:
            draft = _stored(row)
            checks, options = draft.data.get("checks") or {}, draft.data.get("options") or {}
            if options.get("language", "en") != language or not checks.get("faithful") or checks.get("fallback"):
                continue
            assert draft.product_id is not None
            current = best.get(draft.product_id)
            if current is None or current.status != "approved" or draft.status == "approved":
                best[draft.product_id] = draft
        return best


def _stored(row: DraftRow) -> StoredDraft:
    return StoredDraft(row.id, row.product_id, row.status, dict(row.data), row.author, row.approved_by)
