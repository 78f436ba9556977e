from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Integer, String, insert, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.database import Database


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(String(200))


def _write_pages(database: Database, start: int, count: int) -> None:
    for n in range(start, start + count):  # one commit each, as requests write
        with database.engine.begin() as connection:
            connection.execute(insert(_Row), [{"id": n * 10 + k, "body": "x" * 190} for k in range(10)])


def test_the_write_ahead_log_is_copied_into_the_file_off_the_committing_thread(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    database = Database(f"sqlite:///{path}", checkpoint_s=0.05)
    try:
        _Base.metadata.create_all(database.engine)
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0  # no commit copies the log
        time.sleep(0.2)
        before = path.stat().st_size
        _write_pages(database, 0, 300)  # fewer pages than SQLite's own trigger (1,000): only the thread copies them
        deadline = time.monotonic() + 5
        while path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > before  # the rows reached the database file itself
    finally:
        database.close()
    with sqlite3.connect(path) as plain:  # and they are all there for a reader that knows nothing of the log
        assert plain.execute("SELECT count(*) FROM rows").fetchone() == (3000,)


def test_without_a_checkpoint_interval_sqlite_checkpoints_in_its_commits(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    finally:
        database.close()
