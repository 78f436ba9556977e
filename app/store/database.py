"""The database: one SQLAlchemy engine and session factory built from the configured URL."""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, Engine, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware on every dialect (SQLite keeps no offset: its
    values would come back naive, and the API's date-times must carry one)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table shopassist owns."""


class Database:
    def __init__(self, url: str, checkpoint_s: float | None = None) -> None:
        """``checkpoint_s``: on a SQLite file, copy the write-ahead log into the database every that many seconds
        on a thread of its own, instead of in whichever commit fills it past 1,000 pages (a request's commit
        then waits on the copy and its fsync: the ~10 ms tail of a write on the serving path). None: SQLite's
        own checkpoints, for commands that write and exit."""
        self.url = url
        connect_args: dict[str, Any] = {}
        file = False
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            file = bool(path) and path != ":memory:"
            if file:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            connect_args = {"check_same_thread": False, "timeout": 30}
        # a server's connections can drop while pooled, so they are checked out with a ping; a SQLite file's cannot
        self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=not url.startswith("sqlite"))
        self._checkpoints: _Checkpointer | None = None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            if file and checkpoint_s is not None:
                event.listen(self.engine, "connect", _no_checkpoints_in_commits)
                self._checkpoints = _Checkpointer(self.engine, checkpoint_s)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and makes the others sleep in growing steps (1, 2, 5 … 100 ms) while
        # they wait; threads of this process that write on a hot path queue here instead (a no-op elsewhere)
        self._writes: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    def writing(self) -> threading.Lock | contextlib.nullcontext[None]:
        """Hold while a write transaction runs on a hot path (one writer of this process at a time on SQLite)."""
        return self._writes

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    def session(self) -> Session:
        return self.sessions()

    def check(self) -> str | None:
        """None when a trivial query succeeds, else the reason."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        return None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _no_checkpoints_in_commits(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class _Checkpointer:
    """A passive checkpoint every ``every_s`` seconds: it copies what it can without waiting on readers or
    writers (they go on meanwhile; the sqlite3 module lets go of the GIL while it runs)."""

    def __init__(self, engine: Engine, every_s: float) -> None:
        self._engine = engine
        self._every_s = every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._every_s):
            self.checkpoint()

    def checkpoint(self) -> None:
        try:
            with self._engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # the log keeps growing until the next try succeeds; nothing is lost
            log.warning("sqlite checkpoint failed: %s", type(exc).__name__)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=30)
        self.checkpoint()
