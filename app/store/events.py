"""Durable event log: an event is committed before the API answers 202; ids make posting idempotent."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Float, Index, Integer, String, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime
from retrieval.events import Event, EventWeights


class EventRow(Base):
    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    product_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (Index("ix_events_user", "user_id"), Index("ix_events_product", "product_id"))


HISTORY_FRESH_S = 1.0  # how long a shopper's history is reused; this store's own writes refresh it at once
HISTORY_KEPT_S = 300.0  # on SQLite, where other writers' new rows are followed: reused this long at most
FOLLOW_S = 0.1  # how often (at most) another writer's new rows are looked for
HISTORY_USERS = 10_000


class EventStore:
    def __init__(self, database: Database, weights: EventWeights | None = None) -> None:
        self.database = database
        self.weights = weights or EventWeights()
        # one request reads a shopper's history several times (search, its ads, the chat's turn), and a shopper's
        # requests come in sessions: events written through this store replace the entry at once; another
        # process's are seen within FOLLOW_S on SQLite (followed by rowid), within HISTORY_FRESH_S elsewhere
        self._histories: OrderedDict[str, tuple[float, dict[str, float]]] = OrderedDict()
        self._histories_lock = threading.Lock()
        self._writes = 0  # a read that overlapped a write of this store does not keep what it read
        # SQLite: events are only ever appended, so rows past the highest rowid seen are another writer's new
        # events; following them drops just those shoppers' entries, and the rest stay cached for minutes
        self._follows = database.dialect == "sqlite"
        self._kept_s = HISTORY_KEPT_S if self._follows else HISTORY_FRESH_S
        self._mark: int | None = None
        self._followed_at = 0.0
        self._follow_lock = threading.Lock()

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
        with self._histories_lock:
            self._writes += 1
            for user_id in {e.user_id for e in unique.values()}:
                self._histories.pop(user_id, None)
        accepted = max(result.rowcount, 0)  # type: ignore[attr-defined]
        return accepted, len(events) - accepted

    def history(self, user_id: str) -> dict[str, float]:
        """Product id → confidence for one user (event weights with recency, ``EventWeights.user_confidences``).
        The returned dict is shared: read it, do not change it."""
        now = time.monotonic()
        if self._follows:
            self._follow(now)
        with self._histories_lock:
            cached = self._histories.get(user_id)
            if cached is not None and now - cached[0] < self._kept_s:
                return cached[1]
            writes = self._writes
        with self.database.engine.connect() as connection:  # Core: this runs on every personalised request
            rows = connection.execute(
                select(EventRow.product_id, EventRow.type, EventRow.value)
                .where(EventRow.user_id == user_id)
                .order_by(EventRow.ts, EventRow.event_id)
            ).all()
        history = self.weights.user_confidences((p, t, v) for p, t, v in rows)
        with self._histories_lock:
            if self._writes != writes:  # it may predate an event just committed: serve it, keep nothing
                return history
            self._histories[user_id] = (now, history)
            self._histories.move_to_end(user_id)
            while len(self._histories) > HISTORY_USERS:
                self._histories.popitem(last=False)
        return history

    def _follow(self, now: float) -> None:
        """Drop the entries of shoppers with rows added since the last look (by this or another process); at most
        every ``FOLLOW_S``, by one thread, the others go on."""
        if now - self._followed_at < FOLLOW_S or not self._follow_lock.acquire(blocking=False):
            return
        try:
            self._followed_at = now
            rowid = literal_column("rowid", Integer)  # SQLite's row number: it only grows in an append-only table
            with self.database.engine.connect() as connection:
                top = int(connection.execute(select(func.max(rowid)).select_from(EventRow)).scalar() or 0)
                if self._mark is None or top == self._mark:
                    self._mark = top
                    return
                new = select(EventRow.user_id).distinct().where(rowid > self._mark, rowid <= top)
                changed = set(connection.execute(new).scalars())
            with self._histories_lock:
                self._writes += 1  # a read running now may predate those rows: it keeps nothing
                for user_id in changed:
                    self._histories.pop(user_id, None)
            self._mark = top
        finally:
            self._follow_lock.release()

    def interactions(self) -> Iterator[tuple[str, str, float]]:
        """(user, product, confidence) over every stored event, for training: the same confidences as
        ``history`` gives each user, read one user at a time in time order."""
        with self.database.session() as session:
            rows = session.execute(
                select(EventRow.user_id, EventRow.product_id, EventRow.type, EventRow.value).order_by(
                    EventRow.user_id, EventRow.ts, EventRow.event_id
                )
            )
            for user_id, events in groupby(rows, key=itemgetter(0)):
                confidences = self.weights.user_confidences((p, t, v) for _, p, t, v in events)
                for product_id, confidence in confidences.items():
                    yield user_id, product_id, confidence

    def purchases(self, since: datetime, product_id: str | None = None) -> Iterator[tuple[str, datetime, int]]:
        """(product id, time, quantity) of every purchase event since ``since`` (value is the quantity)."""
        query = select(EventRow.product_id, EventRow.ts, EventRow.value).where(
            EventRow.type == "purchase", EventRow.ts >= since
        )
        if product_id is not None:
            query = query.where(EventRow.product_id == product_id)
        with self.database.session() as session:
            for pid, ts, value in session.execute(query).yield_per(5000):
                yield str(pid), ts, max(1, round(value))

    def count(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)
