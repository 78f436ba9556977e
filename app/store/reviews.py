"""Customer reviews with what was read from them (sentiment, aspect mentions), scored once on the way in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import JSON, Float, Index, Integer, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime


class Review(BaseModel):
    review_id: str = Field(min_length=1, max_length=128)
    product_id: str = Field(min_length=1, max_length=128)
    rating: int | None = Field(None, ge=1, le=5)
    text: str = Field(min_length=1, max_length=20_000)
    ts: datetime | None = None


class ScoredReview(Review):
    positive: float  # P(positive) from the sentiment model
    sentiment: str
    aspects: list[dict[str, str]]  # [{"aspect", "label", "sentiment"}]


class ReviewRow(Base):
    __tablename__ = "reviews"

    review_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(128))
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    ts: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    positive: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[str] = mapped_column(String(16))
    aspects: Mapped[list[dict[str, str]]] = mapped_column(JSON)

    __table_args__ = (Index("ix_reviews_product", "product_id"),)


class ReviewStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, reviews: Sequence[ScoredReview]) -> tuple[list[str], list[str]]:
        """Store new reviews in one transaction; returns (stored ids, ids already stored). A review id is
        stored once: sending it again changes nothing."""
        if not reviews:
            return [], []
        rows = [r.model_dump() for r in reviews]
        dialect = self.database.dialect
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(ReviewRow).values(rows)
        returning = statement.on_conflict_do_nothing(index_elements=["review_id"]).returning(ReviewRow.review_id)
        with self.database.session() as session, session.begin():
            stored = {str(r) for r in session.scalars(returning)}
        return [r.review_id for r in reviews if r.review_id in stored], [
            r.review_id for r in reviews if r.review_id not in stored
        ]

    def existing(self, review_ids: Iterable[str]) -> set[str]:
        ids = list(review_ids)
        with self.database.session() as session:
            return set(session.scalars(select(ReviewRow.review_id).where(ReviewRow.review_id.in_(ids))))

    def of_products(self, product_ids: Sequence[str]) -> list[ScoredReview]:
        out: list[ScoredReview] = []
        ids = list(product_ids)
        with self.database.session() as session:
            for start in range(0, len(ids), 500):
                query = select(ReviewRow).where(ReviewRow.product_id.in_(ids[start : start + 500]))
                out += [_scored(r) for r in session.scalars(query)]
        return out

    def count(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(ReviewRow)) or 0)


def _scored(row: ReviewRow) -> ScoredReview:
    data: dict[str, Any] = {c: getattr(row, c) for c in ("review_id", "product_id", "rating", "text", "ts")}
    return ScoredReview(**data, positive=row.positive, sentiment=row.sentiment, aspects=list(row.aspects or []))
