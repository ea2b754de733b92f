"""Guideline versions (snapshots) and the automated flags their checks raised on examples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import utcnow
from curator.store.dialect import upsert
from curator.store.schema import examples, flags, guideline_versions


def save_version(conn: Connection, version: str, snapshot_json: str) -> None:
    """Remember a guideline version and make it the one in force (latest loaded)."""
    upsert(conn, guideline_versions, ["version"], {"version": version, "snapshot": snapshot_json, "loaded_at": utcnow()})


def current(conn: Connection) -> tuple[str, str] | None:
    """(version, snapshot JSON) of the guideline in force, or None before any was loaded."""
    row = conn.execute(
        sa.select(guideline_versions.c.version, guideline_versions.c.snapshot).order_by(guideline_versions.c.loaded_at.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def snapshot_of(conn: Connection, version: str) -> str | None:
    return conn.scalar(sa.select(guideline_versions.c.snapshot).where(guideline_versions.c.version == version))


def versions(conn: Connection) -> list[dict[str, Any]]:
    stmt = sa.select(guideline_versions.c.version, guideline_versions.c.loaded_at).order_by(guideline_versions.c.loaded_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def stale_ids(conn: Connection, version: str, *, limit: int) -> list[str]:
    """Up to ``limit`` examples whose flags were never computed, or computed under another version."""
    col = examples.c.flags_version
    found: list[str] = []
    # Three index lookups rather than one OR, which SQLite answers with a scan of the table.
    for stale in (col.is_(None), col < version, col > version):
        if len(found) >= limit:
            break
        found += conn.scalars(sa.select(examples.c.id).where(stale).limit(limit - len(found)))
    return found


def claim_flags(conn: Connection, example_ids: Sequence[str], version: str, *, force: bool = False) -> list[str]:
    """Mark these examples' flags as computed under ``version``; returns the ids this call marked.

    Without ``force`` only stale ones are marked: of two processes catching up at once, each
    example goes to one of them (the row lock makes the second one's update see the first one's).
    """
    marked: list[str] = []
    col = examples.c.flags_version
    for start in range(0, len(example_ids), 900):
        chunk = sorted(example_ids[start : start + 900])
        stmt = examples.update().where(examples.c.id.in_(chunk))
        if not force:
            stmt = stmt.where(sa.or_(col.is_(None), col != version))
        marked += conn.scalars(stmt.values(flags_version=version).returning(examples.c.id))
    return marked


def replace_flags(conn: Connection, example_ids: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Flags are derived data: drop these examples' old flags and store the new ones."""
    for start in range(0, len(example_ids), 900):
        conn.execute(flags.delete().where(flags.c.example_id.in_(example_ids[start : start + 900])))
    if rows:
        conn.execute(flags.insert(), list(rows))


def flags_for(conn: Connection, example_id: str) -> list[dict[str, Any]]:
    stmt = sa.select(flags.c.rule_id, flags.c.check_name, flags.c.message, flags.c.guideline_version).where(flags.c.example_id == example_id).order_by(flags.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]
