"""Import runs and the problems (quarantined records) they found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import Problem, utcnow
from curator.store.dialect import insert_ignore, inserted_id
from curator.store.schema import imports, problems


def start(conn: Connection, *, source: str, path: str, format: str, reason: str) -> int:
    """Record the start of an import; returns its id."""
    result = conn.execute(
        imports.insert().values(source_name=source, path=path, format=format, reason=reason, started_at=utcnow())
    )
    return inserted_id(result)


def finish(conn: Connection, import_id: int, *, records: int, examples: int, duplicates: int, problems: int) -> None:
    conn.execute(
        imports.update()
        .where(imports.c.id == import_id)
        .values(records=records, examples=examples, duplicates=duplicates, problems=problems, finished_at=utcnow())
    )


NUL_SHOWN_AS = "\u2400"  # SYMBOL FOR NULL: one character, so columns in messages still line up


def storable(text: str) -> str:
    """Text PostgreSQL can hold: a NUL character (a raw 0 byte in a bad line) shown as ␀."""
    return text.replace("\x00", NUL_SHOWN_AS) if "\x00" in text else text


def add_problems(conn: Connection, batch: Sequence[Problem], *, import_id: int | None = None) -> None:
    """Quarantine problems; one already recorded at the same place is kept as it was.

    Their text is the input's, which may hold anything: NUL characters are replaced (on both
    databases alike) rather than failing the import on PostgreSQL.
    """
    if not batch:
        return
    now = utcnow()
    rows = [
        {
            "import_id": import_id,
            "source_name": storable(p.source),
            "source_file": storable(p.file) if p.file is not None else None,
            "line": p.line or 0,
            "code": p.code,
            "field": storable(p.field or ""),
            "message": storable(p.message),
            "raw": storable(p.raw),
            "created_at": now,
        }
        for p in batch
    ]
    conn.execute(insert_ignore(conn, problems), rows)


def list_problems(conn: Connection, *, source: str | None = None, limit: int | None = None, offset: int = 0) -> list[Problem]:
    """Quarantined records, in the order they were found."""
    stmt = sa.select(problems).order_by(problems.c.id).offset(offset)
    if source:
        stmt = stmt.where(problems.c.source_name == source)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        Problem(
            source=r["source_name"], file=r["source_file"], line=r["line"] or None, code=r["code"],
            field=r["field"] or None, message=r["message"], raw=r["raw"],
        )
        for r in conn.execute(stmt).mappings()
    ]


def count_problems(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(problems)) or 0)


def list_imports(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.select(imports).order_by(imports.c.id)).mappings()]
