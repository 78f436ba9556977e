from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.database import Database
from app.store.group_commit import GroupCommit


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller: Mapped[str] = mapped_column(String(20))


def _writer(database: Database, fail_on: int | None = None) -> GroupCommit[dict[str, object]]:
    def write(rows: list[dict[str, object]]) -> None:
        time.sleep(0.01)  # a commit that takes a while, so callers arrive during it
        with database.engine.begin() as connection:
            connection.execute(insert(_Row), rows)
            if fail_on is not None and any(r["id"] == fail_on for r in rows):
                raise RuntimeError("disk full")

    return GroupCommit(write)


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'g.db'}")
    _Base.metadata.create_all(db.engine)
    return db


def test_concurrent_callers_share_transactions_and_each_returns_with_its_rows_committed(database: Database) -> None:
    commits = _writer(database)
    seen_after_return: list[bool] = []

    def call(n: int) -> None:
        commits.submit([{"id": n, "caller": f"c{n}"}])
        with database.engine.connect() as connection:  # committed by the time submit returns
            seen_after_return.append(connection.scalar(select(_Row.id).where(_Row.id == n)) == n)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen_after_return == [True] * 24
    with database.engine.connect() as connection:
        assert sorted(connection.scalars(select(_Row.id))) == list(range(24))
    assert commits.transactions < 24  # grouped: fewer transactions than callers


def test_a_failed_transaction_raises_in_every_caller_it_held_and_commits_none_of_them(database: Database) -> None:
    commits = _writer(database, fail_on=3)
    errors: dict[int, str] = {}
    gate = threading.Barrier(6)

    def call(n: int) -> None:
        gate.wait()
        try:
            commits.submit([{"id": n, "caller": f"c{n}"}])
        except RuntimeError as exc:
            errors[n] = str(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with database.engine.connect() as connection:
        stored = set(connection.scalars(select(_Row.id)))
    assert 3 in errors and 3 not in stored
    assert all(errors[n] == "disk full" for n in errors)
    assert stored | set(errors) == set(range(6)) and not stored & set(errors)  # each row: committed or reported
    commits.submit([{"id": 99, "caller": "after"}])  # the writer recovers
