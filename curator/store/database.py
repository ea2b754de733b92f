"""The Store: one engine, schema kept at head, and transactions for the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from curator import crashpoint
from curator.store import migrate
from curator.store.engine import create_engine, redact, resolve_url, sqlite_file, translate_errors


class Store:
    """A curator database. Services take a connection from ``write()`` or ``read()``."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True) -> None:
        self.url = resolve_url(url)
        self.engine: Engine = create_engine(self.url)
        if upgrade:
            with translate_errors(self.url):
                if migrate.current_revision(self.engine) != migrate.head_revision():
                    migrate.upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __repr__(self) -> str:
        return f"Store({redact(self.url)!r})"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        with translate_errors(self.url):
            with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
                with conn.begin():
                    yield conn
                    crashpoint.reached("write")  # tests: SIGKILL with everything written, nothing committed

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both databases)."""
        with translate_errors(self.url):
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database: only this engine's connections see it."""
        return self.dialect == "sqlite" and sqlite_file(self.url) is None

    def files(self) -> list[Path]:
        """The files that hold this database (SQLite: the file, its -wal, -shm and -journal); none on a server."""
        db = sqlite_file(self.url)
        return [] if db is None else [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None) -> Store:
    """Open (and upgrade) the database at ``url`` / $CURATOR_DB / ./curator.db."""
    return Store(url)
