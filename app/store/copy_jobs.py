"""Batch copy jobs, durable in the database so that a restart continues where the last worker stopped.

A job is a list of items (one per product). A worker *claims* an item (a conditional update: only one worker
can win it), generates the copy, and *completes* it: the draft row and the item's ``done`` state are written in
one transaction that succeeds only while the worker still holds the claim. A worker killed mid-product leaves
its item ``running`` and no draft; the item is claimed again after a restart (at once when the database is owned
by one process, as SQLite is; after the lease when several replicas share PostgreSQL). So every product of a
job ends with exactly one draft.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, and_, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime
from app.store.drafts import DraftRow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class CopyJobRow(Base):
    __tablename__ = "copy_jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)  # running | done
    options: Mapped[dict[str, Any]] = mapped_column(JSON)  # tone, length, language, what was selected
    author: Mapped[str] = mapped_column(String(160))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CopyJobItemRow(Base):
    __tablename__ = "copy_job_items"

    job_id: Mapped[str] = mapped_column(String(40), ForeignKey("copy_jobs.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    draft_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_copy_job_items_state", "status", "job_id", "position"),)


@dataclass(frozen=True)
class JobItem:
    job_id: str
    product_id: str
    attempts: int
    options: dict[str, Any]
    author: str


@dataclass(frozen=True)
class JobProgress:
    id: str
    status: str
    options: dict[str, Any]
    author: str
    total: int
    done: int
    failed: int
    running: int
    drafts: list[dict[str, str]]  # [{"product_id", "draft_id"}] in job order
    errors: list[dict[str, str]]  # [{"product_id", "error"}]
    created_at: datetime
    finished_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _held_by(item: JobItem, worker: str) -> tuple[Any, ...]:
    """The item, still claimed by this worker (a worker that lost its claim changes nothing)."""
    return (
        CopyJobItemRow.job_id == item.job_id,
        CopyJobItemRow.product_id == item.product_id,
        CopyJobItemRow.status == RUNNING,
        CopyJobItemRow.worker == worker,
    )


class CopyJobStore:
    def __init__(self, database: Database, lease_s: float = 600.0, max_attempts: int = 3) -> None:
        self.database = database
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts

    def create(self, product_ids: list[str], options: dict[str, Any], author: str) -> str:
        job_id = f"j_{uuid.uuid4().hex[:16]}"
        unique = list(dict.fromkeys(product_ids))
        with self.database.session() as session, session.begin():
            session.add(
                CopyJobRow(
                    id=job_id, status=RUNNING, options=options, author=author, total=len(unique), created_at=_now()
                )
            )
            session.flush()
            session.add_all(
                CopyJobItemRow(job_id=job_id, product_id=pid, position=n, status=PENDING)
                for n, pid in enumerate(unique)
            )
        if not unique:
            self._finish_if_complete(job_id)
        return job_id

    def release_dead_claims(self) -> int:
        """At start-up: when the database belongs to this process alone (SQLite), every ``running`` item is a dead
        worker's and goes back to ``pending``; a shared database (PostgreSQL) relies on the lease instead."""
        if self.database.dialect != "sqlite":
            return 0
        with self.database.session() as session, session.begin():
            result = session.execute(
                update(CopyJobItemRow)
                .where(CopyJobItemRow.status == RUNNING)
                .values(status=PENDING, worker=None, lease_until=None)
            )
        return max(int(result.rowcount), 0)  # type: ignore[attr-defined]

    def claim(self, worker: str, job_id: str | None = None) -> JobItem | None:
        """The next item to write (oldest job first), claimed for this worker; None when nothing is left."""
        now = _now()
        claimable = or_(
            CopyJobItemRow.status == PENDING,
            and_(CopyJobItemRow.status == RUNNING, CopyJobItemRow.lease_until < now),
        )
        for _ in range(20):  # another worker may win the candidate: try the next one
            with self.database.session() as session, session.begin():
                query = (
                    select(CopyJobItemRow.job_id, CopyJobItemRow.product_id, CopyJobItemRow.attempts)
                    .join(CopyJobRow, CopyJobRow.id == CopyJobItemRow.job_id)
                    .where(claimable, CopyJobRow.status == RUNNING)
                    .order_by(CopyJobRow.created_at, CopyJobItemRow.position)
                    .limit(1)
                )
                if job_id is not None:
                    query = query.where(CopyJobItemRow.job_id == job_id)
                candidate = session.execute(query).first()
                if candidate is None:
                    return None
                won = session.execute(
                    update(CopyJobItemRow)
                    .where(
                        CopyJobItemRow.job_id == candidate.job_id,
                        CopyJobItemRow.product_id == candidate.product_id,
                        claimable,
                    )
                    .values(
                        status=RUNNING, worker=worker, lease_until=now + self.lease, attempts=candidate.attempts + 1
                    )
                )
                if won.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                job = session.get(CopyJobRow, candidate.job_id)
                assert job is not None
                return JobItem(candidate.job_id, candidate.product_id, candidate.attempts + 1, job.options, job.author)
        return None

    def complete(self, item: JobItem, worker: str, product_id: str | None, data: dict[str, Any]) -> str | None:
        """Store the item's draft and mark it done, atomically, if this worker still holds it; the draft id, or
        None when the claim was lost (another worker took the item over: its draft is the one that counts)."""
        draft = DraftRow.new(product_id, {**data, "job_id": item.job_id}, item.author)
        with self.database.session() as session, session.begin():
            held = session.execute(
                update(CopyJobItemRow)
                .where(*_held_by(item, worker))
                .values(status=DONE, draft_id=draft.id, lease_until=None, error=None)
            )
            if held.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                return None
            session.add(draft)
        self._finish_if_complete(item.job_id)
        return draft.id

    def fail(self, item: JobItem, worker: str, error: str) -> None:
        """Give the item back for another try, or mark it failed after ``max_attempts``."""
        final = item.attempts >= self.max_attempts
        with self.database.session() as session, session.begin():
            session.execute(
                update(CopyJobItemRow)
                .where(*_held_by(item, worker))
                .values(status=FAILED if final else PENDING, error=error[:500], lease_until=None)
            )
        if final:
            self._finish_if_complete(item.job_id)

    def _finish_if_complete(self, job_id: str) -> None:
        with self.database.session() as session, session.begin():
            left = session.scalar(
                select(func.count())
                .select_from(CopyJobItemRow)
                .where(CopyJobItemRow.job_id == job_id, CopyJobItemRow.status.in_([PENDING, RUNNING]))
            )
            if not left:
                session.execute(
                    update(CopyJobRow)
                    .where(CopyJobRow.id == job_id, CopyJobRow.status == RUNNING)
                    .values(status=DONE, finished_at=_now())
                )

    def unfinished(self) -> list[str]:
        with self.database.session() as session:
            return list(
                session.scalars(
                    select(CopyJobRow.id).where(CopyJobRow.status == RUNNING).order_by(CopyJobRow.created_at)
                )
            )

    def progress(self, job_id: str) -> JobProgress | None:
        with self.database.session() as session:
            job = session.get(CopyJobRow, job_id)
            if job is None:
                return None
            items = session.execute(
                select(CopyJobItemRow.product_id, CopyJobItemRow.status, CopyJobItemRow.draft_id, CopyJobItemRow.error)
                .where(CopyJobItemRow.job_id == job_id)
                .order_by(CopyJobItemRow.position)
            ).all()
        counts = {state: sum(1 for i in items if i.status == state) for state in (DONE, FAILED, RUNNING)}
        return JobProgress(
            id=job.id,
            status=job.status,
            options=dict(job.options),
            author=job.author,
            total=job.total,
            done=counts[DONE],
            failed=counts[FAILED],
            running=counts[RUNNING],
            drafts=[{"product_id": i.product_id, "draft_id": i.draft_id} for i in items if i.draft_id],
            errors=[{"product_id": i.product_id, "error": i.error or ""} for i in items if i.status == FAILED],
            created_at=job.created_at,
            finished_at=job.finished_at,
        )
