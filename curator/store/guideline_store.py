"""Guideline versions (snapshots) and the automated flags their checks raised on examples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import utcnow
from curator.store.dialect import upsert
from curator.store.schema import flags, guideline_versions


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


def replace_flags(conn: Connection, example_ids: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Flags are derived data: drop these examples' old flags and store the new ones."""
    for start in range(0, len(example_ids), 900):
        conn.execute(flags.delete().where(flags.c.example_id.in_(example_ids[start : start + 900])))
    if rows:
        conn.execute(flags.insert(), list(rows))


def flags_for(conn: Connection, example_id: str) -> list[dict[str, Any]]:
    stmt = sa.select(flags.c.rule_id, flags.c.check_name, flags.c.message, flags.c.guideline_version).where(flags.c.example_id == example_id).order_by(flags.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]
