"""Database engines: SQLite in a file by default, PostgreSQL by URL; one code path for both."""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
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
PING_AFTER = 5.0  # seconds a pooled PostgreSQL connection may idle before it is checked on checkout


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else $CURATOR_DB, else sqlite:///curator.db here."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// and postgres:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_file(url: str) -> Path | None:
    """The absolute path of a SQLite database file (None for PostgreSQL or an in-memory database)."""
    try:
        parsed = sa.engine.make_url(normalise_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser().resolve()


def peek_engine(url: str) -> Engine:
    """An engine that only looks: a SQLite file is opened read-only (not switched to WAL, not
    created), so a database that is not curator's is left byte for byte as it was."""
    db = sqlite_file(url)
    if db is None:
        return create_engine(url)
    uri = f"file:{urllib.parse.quote(str(db))}?mode=ro"
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=sa.pool.NullPool)


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
        return _postgresql_engine(parsed)
    raise InvalidInputError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def _postgresql_engine(parsed: sa.engine.URL) -> Engine:
    engine = sa.create_engine(parsed, pool_size=10, max_overflow=20)

    # A connection that idled in the pool may have been closed by a server restart or an idle
    # timeout: check it before use, and the pool opens a fresh one instead. One that was in use
    # a moment ago is not checked: pinging on every checkout cost a round trip per transaction
    # (three per review card). A server gone within those seconds fails that one transaction,
    # and the pool, seeing the disconnect, replaces all its connections.
    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("used_at", float("-inf")) <= PING_AFTER:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc

    @event.listens_for(engine, "checkin")
    def _mark_used(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["used_at"] = time.monotonic()

    return engine


def _sqlite_engine(parsed: sa.engine.URL) -> Engine:
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        parent = path.resolve().parent
        if not parent.is_dir():
            raise InvalidInputError(f"folder {parent} for the database does not exist")
        create_private(path)
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


def create_private(path: Path) -> None:
    """Create the database file readable by its owner only, if it does not exist yet.

    It holds password hashes and the cookie-signing key. SQLite gives its -wal and -shm files
    the database file's permissions; an existing file keeps whatever its owner chose.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(f"cannot create the database file {path}: {exc.strerror}") from exc


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
