"""The batch job store on a real SQLite database: claims are exclusive, a draft is stored only by the worker that
still holds its item, failures are retried then recorded, and claims left by a dead worker are taken over."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store.copy_jobs import CopyJobStore, JobItem
from app.store.database import Database
from app.store.drafts import DraftRow

OPTIONS = {"tone": "neutral", "length": "medium", "language": "en", "category": None}


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    db.create_all()
    return db


def drafts(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(DraftRow)) or 0)


def test_items_are_claimed_once_in_order_and_the_job_finishes(database: Database) -> None:
    store = CopyJobStore(database)
    job = store.create(["P3", "P1", "P2", "P1"], OPTIONS, "merchant")  # duplicates are written once
    claimed: list[JobItem] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (item := store.claim(name)) is not None:
            with lock:
                claimed.append(item)
            assert store.complete(item, name, item.product_id, {"fields": {}}) is not None

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(i.product_id for i in claimed) == ["P1", "P2", "P3"]
    progress = store.progress(job)
    assert progress is not None and progress.status == "done" and progress.done == progress.total == 3
    assert [d["product_id"] for d in progress.drafts] == ["P3", "P1", "P2"] and drafts(database) == 3


def test_a_lost_claim_stores_no_draft(database: Database) -> None:
    store = CopyJobStore(database)
    store.create(["P1"], OPTIONS, "merchant")
    item = store.claim("dead")
    assert item is not None and store.claim("other") is None  # held: nobody else gets it
    assert store.release_dead_claims() == 1  # restart of the only process using the (SQLite) database
    again = store.claim("new")
    assert again is not None and again.attempts == 2
    assert store.complete(item, "dead", "P1", {"fields": {}}) is None  # the dead worker's late answer is dropped
    assert store.complete(again, "new", "P1", {"fields": {}}) is not None
    assert drafts(database) == 1


def test_an_expired_lease_is_taken_over(database: Database) -> None:
    store = CopyJobStore(database, lease_s=0.05)
    store.create(["P1"], OPTIONS, "merchant")
    assert store.claim("replica-a") is not None
    threading.Event().wait(0.1)
    taken = store.claim("replica-b")
    assert taken is not None and taken.product_id == "P1"


def test_failures_are_retried_then_recorded(database: Database) -> None:
    store = CopyJobStore(database, max_attempts=2)
    job = store.create(["P1", "P2"], OPTIONS, "merchant")
    for _ in range(2):
        item = store.claim("w", job)
        assert item is not None and item.product_id == "P1"
        store.fail(item, "w", "LLMUnavailableError: backend down")
    item = store.claim("w", job)
    assert item is not None and item.product_id == "P2"
    store.complete(item, "w", "P2", {"fields": {}})
    progress = store.progress(job)
    assert progress is not None and progress.status == "done"
    assert (progress.done, progress.failed) == (1, 1)
    assert progress.errors == [{"product_id": "P1", "error": "LLMUnavailableError: backend down"}]


def test_only_unfinished_jobs_are_listed(database: Database) -> None:
    store = CopyJobStore(database)
    empty = store.create([], OPTIONS, "merchant")
    busy = store.create(["P1"], OPTIONS, "merchant")
    assert store.unfinished() == [busy]
    finished = store.progress(empty)
    assert finished is not None and finished.status == "done" and finished.total == 0
