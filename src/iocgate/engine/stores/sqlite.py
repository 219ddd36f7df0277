"""The SQLite file in the state directory: cached answers and quota counters for one host.

Several processes (``serve``, ``call``, ``quota``) open the same file: WAL mode lets readers
run beside a writer, the busy timeout makes writers queue instead of failing, and quota
updates take the write lock first (``BEGIN IMMEDIATE``) so that two processes never plan
from the same state. Every statement runs in a worker thread, one at a time per process.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.to_thread

from iocgate.engine.quota.budget import BudgetState
from iocgate.engine.stores.cache import CachedResponse, lead_always
from iocgate.engine.stores.memory import MemoryCache
from iocgate.errors import TransientError

if TYPE_CHECKING:
    from iocgate.engine.stores.artefacts import ArtefactCache

__all__ = ["SqliteBudgetStore", "SqliteCache", "SqliteDatabase"]

T = TypeVar("T")

log = logging.getLogger("iocgate.cache")

DATABASE_NAME = "iocgate.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    stored_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_expiry ON responses (expires_at);
CREATE TABLE IF NOT EXISTS budgets (scope TEXT PRIMARY KEY, state TEXT NOT NULL);
"""

#: Expired rows are swept after this many writes (a sweep is one indexed DELETE).
SWEEP_EVERY = 200

#: How long an answer read from the file is then served from memory (another process may
#: replace the row meanwhile: a refresh there is seen here within this time).
FRONT_TTL = 60.0
FRONT_MAX_BYTES = 64 * 1024 * 1024


class SqliteDatabase:
    """One connection to the state file, used from worker threads one call at a time."""

    def __init__(self, path: Path, *, busy_timeout: float = 15.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._connection: sqlite3.Connection | None = None
        self._limiter = anyio.CapacityLimiter(1)

    @classmethod
    def in_directory(cls, state_dir: Path) -> SqliteDatabase:
        return cls(state_dir / DATABASE_NAME)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(connection)`` in a worker thread."""
        return await anyio.to_thread.run_sync(self._run, work, limiter=self._limiter)

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._connection is None:
            self._connection = self._open()
        try:
            return work(self._connection)
        except sqlite3.DatabaseError as exc:
            if not isinstance(exc, sqlite3.OperationalError):  # damage found while in use:
                self._connection.close()  # the next call reopens, moving the file aside
                self._connection = None
            raise

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):  # locked, disk full, ...: not ours
                raise
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{self.path}{suffix}")
                if part.exists():
                    part.replace(Path(f"{aside}{suffix}"))
            log.error(
                "the state file %s is not a usable database (%s): moved aside to %s and "
                "started afresh (cached answers and local quota counters are lost)",
                self.path, exc, aside,
            )  # fmt: skip
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,  # autocommit; transactions are explicit
            check_same_thread=False,  # used by one worker thread at a time (the limiter)
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints
            connection.executescript(_SCHEMA)
            # A file with a sound header but damaged tables only fails when they are read.
            connection.execute("SELECT 1 FROM responses LIMIT 1").fetchone()
            connection.execute("SELECT 1 FROM budgets LIMIT 1").fetchone()
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    async def aclose(self) -> None:
        def close(_: sqlite3.Connection) -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        if self._connection is not None:
            await self.run(close)


class SqliteCache:
    keeps_answers = True
    """Answers in the ``responses`` table, expired by ``expires_at``."""

    def __init__(
        self,
        database: SqliteDatabase,
        *,
        artefacts: ArtefactCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.artefacts = artefacts
        self.clock = clock
        self._writes = 0
        self._front = MemoryCache(max_bytes=FRONT_MAX_BYTES, clock=clock)

    @property
    def front(self) -> MemoryCache:
        """The in-memory front of the file (its size and hit rate are in /metrics)."""
        return self._front

    async def get(self, key: str) -> CachedResponse | None:
        front = await self._front.get(key)  # no worker thread, no copy: a hit in ~1 us
        if front is not None:
            return front
        now = self.clock()

        def select(db: sqlite3.Connection) -> tuple[int, str, str, bytes, float, float] | None:
            row = db.execute(
                "SELECT status, content_type, headers, body, stored_at, expires_at FROM responses "
                "WHERE key = ? AND expires_at > ?",
                (key, now),
            ).fetchone()
            return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])

        try:
            row = await self.database.run(select)
        except sqlite3.Error as exc:
            raise TransientError(f"the cache file cannot be read: {exc}") from None
        if row is None:
            return None
        status, content_type, headers, body, stored_at, expires_at = row
        answer = CachedResponse(
            status, content_type, bytes(body), stored_at, CachedResponse.parse_headers(headers)
        )
        # Kept in memory no longer than the row lives, and at most FRONT_TTL.
        await self._front.put(key, answer, min(expires_at - now, FRONT_TTL))
        return answer

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None:
        self._writes += 1
        sweep = self._writes % SWEEP_EVERY == 0
        now = self.clock()
        row = (
            key,
            response.status,
            response.content_type,
            response.headers_json(),
            response.body,
            response.stored_at,
            now + ttl,
        )

        def insert(db: sqlite3.Connection) -> None:
            db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            if sweep:
                db.execute("DELETE FROM responses WHERE expires_at <= ?", (now,))

        try:
            await self.database.run(insert)
            await self._front.put(key, response, min(ttl, FRONT_TTL))
        except sqlite3.Error as exc:
            # The answer cost a quota unit: give it to the client even if it cannot be kept.
            log.warning("cannot store an answer in %s: %s", self.database.path, exc)

    def hold(self, key: str) -> AbstractAsyncContextManager[bool]:
        # Processes on one host do not share flights: each makes at most one call per key.
        return lead_always(key)

    async def aclose(self) -> None:
        await self.database.aclose()


class SqliteBudgetStore:
    """Quota state in the ``budgets`` table, updated under SQLite's write lock."""

    def __init__(self, database: SqliteDatabase, *, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.clock = clock

    async def update(
        self, scope: str, change: Callable[[BudgetState, float], tuple[BudgetState, T]]
    ) -> T:
        def transact(db: sqlite3.Connection) -> T:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT state FROM budgets WHERE scope = ?", (scope,)).fetchone()
                state, value = change(BudgetState.from_json(row[0] if row else None), self.clock())
                db.execute(
                    "INSERT OR REPLACE INTO budgets (scope, state) VALUES (?, ?)",
                    (scope, state.to_json()),
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return value

        return await self.database.run(transact)

    async def read(self, scope: str) -> tuple[BudgetState, float]:
        def select(db: sqlite3.Connection) -> str | None:
            row = db.execute("SELECT state FROM budgets WHERE scope = ?", (scope,)).fetchone()
            return None if row is None else str(row[0])

        text = await self.database.run(select)
        return BudgetState.from_json(text), self.clock()

    async def aclose(self) -> None:
        await self.database.aclose()
