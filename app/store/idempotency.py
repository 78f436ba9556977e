"""Stored results of write requests sent with an ``Idempotency-Key``: a retry gets the first answer back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)  # caller + method + path + key
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer, default=0)  # 0 while the first request is still running
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int  # 0: in progress
    content_type: str
    body: bytes


class IdempotencyStore:
    def __init__(self, database: Database, ttl_s: int) -> None:
        self.database = database
        self.ttl = timedelta(seconds=ttl_s)

    def get(self, scope: str) -> StoredResponse | None:
        with self.database.session() as session:
            row = session.get(IdempotencyRow, scope)
            if row is None:
                return None
            created = row.created_at
            if created < datetime.now(UTC) - self.ttl:
                return None
            return StoredResponse(row.request_hash, row.status, row.content_type, row.body)

    def begin(self, scope: str, request_hash: str) -> bool:
        """Claim the key for a first request; False when another request holds it (or held it, unexpired)."""
        now = datetime.now(UTC)
        with self.database.session() as session, session.begin():
            session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at < now - self.ttl))
        try:
            with self.database.session() as session, session.begin():
                session.add(IdempotencyRow(scope=scope, request_hash=request_hash, status=0, created_at=now))
        except IntegrityError:
            return False
        return True

    def finish(self, scope: str, request_hash: str, status: int, content_type: str, body: bytes) -> None:
        with self.database.session() as session, session.begin():
            row = session.get(IdempotencyRow, scope)
            if row is not None:
                row.request_hash, row.status, row.content_type, row.body = request_hash, status, content_type, body

    def release(self, scope: str) -> None:
        """Forget a claim whose request failed (5xx or crash), so a retry runs again."""
        with self.database.session() as session, session.begin():
            session.execute(delete(IdempotencyRow).where(IdempotencyRow.scope == scope, IdempotencyRow.status == 0))

    def count(self) -> int:
        with self.database.session() as session:
            return len(session.scalars(select(IdempotencyRow.scope)).all())
