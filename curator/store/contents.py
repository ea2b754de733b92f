"""What a database holds, counted: tells an empty database from one that is in use."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.store import search
from curator.store.schema import decisions, examples, gold, guideline_versions, imports, metadata, problems, settings, users

# A database with a row in any of these is someone's work; settings alone is not (defaults).
IN_USE = (examples, problems, imports, users, decisions, guideline_versions, gold)


def counts(conn: Connection) -> dict[str, int]:
    """Rows per table that holds work (examples, users, decisions...); all zero in a new database."""
    return {t.name: int(conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0) for t in IN_USE}


def has_schema(conn: Connection) -> bool:
    """Whether curator's tables exist (a database file of another program's has none of them)."""
    return sa.inspect(conn).has_table(settings.name)


def foreign_tables(conn: Connection) -> list[str]:
    """Tables that are not curator's (a database file shared with another program)."""
    ours = set(metadata.tables) | {"alembic_version", search.TABLE, *search.SHADOWS}
    return sorted(t for t in sa.inspect(conn).get_table_names() if t not in ours)
