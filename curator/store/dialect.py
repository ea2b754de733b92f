"""The few statements that differ between SQLite and PostgreSQL, in one place."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The id the database gave the row an INSERT added (RETURNING or lastrowid, as the dialect does)."""
    key = result.inserted_primary_key
    if key is None:
        raise ValueError("the statement inserted no row")
    return int(key[0])


def insert_ignore(conn: Connection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    return insert(conn, table).on_conflict_do_nothing()


def insert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which takes ON CONFLICT clauses (the same API on both)."""
    return _insert(conn.dialect.name, table)


def _insert(dialect: str, table: sa.Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def upsert(conn: Connection, table: sa.Table, keys: list[str], values: dict[str, Any]) -> None:
    """Insert a row, or update its non-key columns when the key exists."""
    conn.execute(_upsert_stmt(conn.dialect.name, table, tuple(keys), tuple(values)), values)


@functools.lru_cache(maxsize=64)
def _upsert_stmt(dialect: str, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    # Built once per shape (a claim is upserted on every card; building costs more than running).
    stmt = _insert(dialect, table)
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns if c not in keys})
