"""Which lines of a decisions file (by its SHA-256) an import has applied already."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import utcnow
from curator.store.dialect import insert_ignore
from curator.store.schema import decision_file_lines


def applied(conn: Connection, file_sha256: str) -> set[int]:
    """The line numbers of this file that an earlier import applied."""
    stmt = sa.select(decision_file_lines.c.line).where(decision_file_lines.c.file_sha256 == file_sha256)
    return set(conn.scalars(stmt))


def mark(conn: Connection, file_sha256: str, lines: Sequence[tuple[int, int | None]]) -> None:
    """Record (line, decision id or None) as applied, in the transaction that applied them."""
    if not lines:
        return
    now = utcnow()
    rows = [{"file_sha256": file_sha256, "line": line, "decision_id": did, "applied_at": now} for line, did in lines]
    conn.execute(insert_ignore(conn, decision_file_lines), rows)
