"""Durable event log: an event is committed before the API answers 202; ids make posting idempotent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import DateTime, Float, Index, String, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database
from retrieval.events import Event, EventWeights


class EventRow(Base):
    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    product_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_events_user", "user_id"), Index("ix_events_product", "product_id"))


class EventStore:
    def __init__(self, database: Database, weights: EventWeights | None = None) -> None:
        self.database = database
        self.weights = weights or EventWeights()

    def add(self, events: Sequence[Event]) -> tuple[int, int]:
        """Store new events (one transaction, committed on return); returns (accepted, duplicates)."""
        if not events:
            return 0, 0
        unique = {e.event_id: e for e in events}
        rows = [e.model_dump() for e in unique.values()]
        dialect = self.database.dialect
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(EventRow).values(rows)
        statement = statement.on_conflict_do_nothing(index_elements=["event_id"])
        with self.database.session() as session, session.begin():
            result = session.execute(statement)
        accepted = max(result.rowcount, 0)  # type: ignore[attr-defined]
        return accepted, len(events) - accepted

    def history(self, user_id: str) -> dict[str, float]:
        """Product id → accumulated confidence for one user."""
        with self.database.session() as session:
            rows = session.execute(
                select(EventRow.product_id, EventRow.type, EventRow.value).where(EventRow.user_id == user_id)
            ).all()
        scores: dict[str, float] = defaultdict(float)
        for product_id, event_type, value in rows:
            scores[product_id] += self.weights.weight(event_type, value)
        return {k: v for k, v in scores.items() if v > 0}

    def interactions(self) -> Iterator[tuple[str, str, float]]:
        """(user, product, confidence) summed over every stored event, for training."""
        totals: dict[tuple[str, str], float] = defaultdict(float)
        with self.database.session() as session:
            for user_id, product_id, event_type, value in session.execute(
                select(EventRow.user_id, EventRow.product_id, EventRow.type, EventRow.value)
            ):
                totals[(user_id, product_id)] += self.weights.weight(event_type, value)
        for (user_id, product_id), confidence in totals.items():
            if confidence > 0:
                yield user_id, product_id, confidence

    def count(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)
