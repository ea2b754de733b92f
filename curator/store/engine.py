"""Database engines: SQLite in a file by default, PostgreSQL by URL; one code path for both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from curator.errors import InvalidInputError, StorageError

DEFAULT_URL = "sqlite:///curator.db"
ENV_VAR = "CURATOR_DB"


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else $CURATOR_DB, else sqlite:///curator.db here."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// and postgres:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_engine(url: str) -> Engine:
    """An engine configured for curator's use of its dialect (WAL and busy timeout on SQLite)."""
    url = normalise_url(url)
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise InvalidInputError(f"not a database URL: {url!r} (try sqlite:///curator.db)") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise InvalidInputError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def _sqlite_engine(parsed: sa.engine.URL) -> Engine:
    database = parsed.database
    if database and database != ":memory:":
        parent = Path(database).expanduser().resolve().parent
        if not parent.is_dir():
            raise InvalidInputError(f"folder {parent} for the database does not exist")
    engine = sa.create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock at BEGIN: two writers never deadlock upgrading a read
        # lock, and a read-then-write (a queue claim) is atomic across processes.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Turn SQLAlchemy's errors into StorageError with a hint, at the store's edge."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StorageError(f"database {redact(url)} failed: {_reason(exc)}") from exc


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own first line: never SQLAlchemy's text, which quotes the statement and its
    parameters (the data being written, e.g. a whole record)."""
    cause = getattr(exc, "orig", None) or exc.__cause__
    text = str(cause).strip() if cause is not None else ""
    first = text.splitlines()[0] if text else type(cause or exc).__name__
    return first if len(first) <= 300 else first[:299] + "\u2026"


def redact(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
