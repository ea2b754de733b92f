"""Model suggestions: imported judgements of examples, one row per line of a suggestions file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import Suggestion, Verdict, utcnow
from curator.store.dialect import insert_ignore
from curator.store.imports import storable
from curator.store.jsontext import dumps, loads
from curator.store.schema import suggestions


def imported_lines(conn: Connection, file_sha256: str) -> set[int]:
    """The lines of this file (by its SHA-256) an earlier import stored."""
    return set(conn.scalars(sa.select(suggestions.c.line).where(suggestions.c.file_sha256 == file_sha256)))


def add(conn: Connection, rows: Sequence[tuple[int, Suggestion]], *, file_name: str, file_sha256: str) -> None:
    """Store (line, suggestion) pairs of one file; a line stored before is kept as it was."""
    if not rows:
        return
    now = utcnow()
    values = [
        {"example_id": s.example_id, "model": storable(s.model), "verdict": s.verdict.value, "rules": dumps(s.rules),
         "rationale": storable(s.rationale), "file_name": storable(file_name), "file_sha256": file_sha256,
         "line": line, "imported_at": now}
        for line, s in rows
    ]
    conn.execute(insert_ignore(conn, suggestions), values)


def _suggestion(row: Any) -> Suggestion:
    return Suggestion.model_construct(id=row.id, example_id=row.example_id, model=row.model, verdict=Verdict(row.verdict),
                                      rules=loads(row.rules, []), rationale=row.rationale)


_COLUMNS = (suggestions.c.id, suggestions.c.example_id, suggestions.c.model, suggestions.c.verdict,
            suggestions.c.rules, suggestions.c.rationale)


def get(conn: Connection, suggestion_id: int) -> Suggestion | None:
    row = conn.execute(sa.select(*_COLUMNS).where(suggestions.c.id == suggestion_id)).first()
    return _suggestion(row) if row else None


def for_example(conn: Connection, example_id: str) -> list[Suggestion]:
    """The latest suggestion of each model on the example, newest first."""
    rows = conn.execute(sa.select(*_COLUMNS).where(suggestions.c.example_id == example_id).order_by(suggestions.c.id.desc())).all()
    latest: dict[str, Suggestion] = {}
    for row in rows:
        latest.setdefault(row.model, _suggestion(row))
    return list(latest.values())


def iter_latest(conn: Connection, *, batch: int = 5000) -> Iterator[Suggestion]:
    """Every suggestion in import order (a later one of the same model on an example replaces it)."""
    last = 0
    while True:
        rows = conn.execute(sa.select(*_COLUMNS).where(suggestions.c.id > last).order_by(suggestions.c.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield _suggestion(row)
        last = rows[-1].id


def count(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(suggestions)) or 0)
