"""Gold examples: examples whose verdict a lead knows, to grade reviewers against."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import utcnow
from curator.store.dialect import upsert
from curator.store.jsontext import dumps, loads
from curator.store.schema import gold, users


def put(conn: Connection, example_id: str, verdict: str, *, rules: list[str], note: str, created_by: int) -> None:
    """Mark (or re-mark) an example as gold with its known verdict."""
    upsert(
        conn,
        gold,
        ["example_id"],
        {"example_id": example_id, "verdict": verdict, "rules": dumps(rules), "note": note, "created_by": created_by, "created_at": utcnow()},
    )


def remove(conn: Connection, example_id: str) -> bool:
    """Unmark a gold example; False if it was not gold."""
    return conn.execute(gold.delete().where(gold.c.example_id == example_id)).rowcount > 0


def list_gold(conn: Connection, *, offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """Gold examples, newest first, with who marked them."""
    stmt = (
        sa.select(gold, users.c.name.label("marked_by"))
        .select_from(gold.outerjoin(users, users.c.id == gold.c.created_by))
        .order_by(gold.c.created_at.desc(), gold.c.example_id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [{**dict(r), "rules": loads(r["rules"], [])} for r in conn.execute(stmt).mappings()]


def answers(conn: Connection) -> dict[str, str]:
    """{example_id: gold verdict} for every gold example."""
    return {str(e): str(v) for e, v in conn.execute(sa.select(gold.c.example_id, gold.c.verdict))}


def get(conn: Connection, example_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(gold).where(gold.c.example_id == example_id)).mappings().first()
    return {**dict(row), "rules": loads(row["rules"], [])} if row else None
