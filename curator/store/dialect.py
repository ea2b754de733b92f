"""The few statements that differ between SQLite and PostgreSQL, in one place."""

from __future__ import annotations

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
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which takes ON CONFLICT clauses (the same API on both)."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def upsert(conn: Connection, table: sa.Table, keys: list[str], values: dict[str, Any]) -> None:
    """Insert a row, or update its non-key columns when the key exists."""
    stmt = insert(conn, table).values(**values)
    update = {k: stmt.excluded[k] for k in values if k not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))
