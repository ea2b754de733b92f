"""Duplicate clusters and dedup runs, and the few reads the export needs beyond store.examples."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import utcnow
from curator.store.dialect import inserted_id
from curator.store.examples import counted_in
from curator.store.jsontext import dumps, loads
from curator.store.schema import clusters, decisions, dedup_runs, examples

_INSERT_BATCH = 5000


def replace_clusters(conn: Connection, rows: Iterable[dict[str, Any]]) -> int:
    """Replace every stored cluster with ``rows`` (example_id, cluster_id, kind, similarity, is_representative).

    A dedup run sees the whole database, so its clusters replace the previous run's whole.
    """
    conn.execute(clusters.delete())
    batch: list[dict[str, Any]] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) == _INSERT_BATCH:
            conn.execute(clusters.insert(), batch)
            total += len(batch)
            batch = []
    if batch:
        conn.execute(clusters.insert(), batch)
        total += len(batch)
    return total


def add_run(conn: Connection, threshold: float, stats: dict[str, Any]) -> int:
    """Record a dedup run; returns its id."""
    result = conn.execute(dedup_runs.insert().values(threshold=threshold, stats=dumps(stats), created_at=utcnow()))
    return inserted_id(result)


def latest_run(conn: Connection) -> dict[str, Any] | None:
    """The most recent dedup run: id, threshold, stats, created_at."""
    row = conn.execute(sa.select(dedup_runs).order_by(dedup_runs.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    return {"id": row["id"], "threshold": row["threshold"], "stats": loads(row["stats"], {}), "created_at": row["created_at"]}


def cluster_of(conn: Connection, example_id: str) -> dict[str, Any] | None:
    """The cluster an example belongs to, with every member; None when it has no duplicate."""
    cid = conn.scalar(sa.select(clusters.c.cluster_id).where(clusters.c.example_id == example_id))
    if cid is None:
        return None
    return {"id": cid, "members": members(conn, cid)}


def members(conn: Connection, cluster_id: str) -> list[dict[str, Any]]:
    """A cluster's members (representative first, then by id)."""
    stmt = (
        sa.select(clusters.c.example_id, clusters.c.kind, clusters.c.similarity, clusters.c.is_representative)
        .where(clusters.c.cluster_id == cluster_id)
        .order_by(clusters.c.is_representative.desc(), clusters.c.example_id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def list_clusters(conn: Connection, *, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """One page of clusters: id, kind, size and representative, largest first."""
    size = sa.func.count().label("size")
    rep = sa.func.max(sa.case((clusters.c.is_representative, clusters.c.example_id), else_=None)).label("representative")
    stmt = (
        sa.select(clusters.c.cluster_id, sa.func.max(clusters.c.kind).label("kind"), size, rep)
        .group_by(clusters.c.cluster_id)
        .order_by(size.desc(), clusters.c.cluster_id)
        .offset(offset)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_clusters(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count(sa.distinct(clusters.c.cluster_id)))) or 0)


def corrected_example_ids(conn: Connection) -> set[str]:
    """Ids of the examples with at least one decision carrying a correction.

    Only these need their decision history read to find the correction in force; for every
    other example the export uses the stored conversation as it is.
    """
    stmt = sa.select(decisions.c.example_id).where(decisions.c.correction.isnot(None)).distinct()
    return set(conn.scalars(stmt))



class CorpusRow(NamedTuple):
    """What dedup and the split read of one example (JSON columns as stored, not decoded)."""

    seq: int
    id: str
    outcome: str
    decided_at: datetime | None
    messages: Any
    metadata: Any = None  # only when asked for


class ExportRow(NamedTuple):
    """What the export reads of one example besides its messages (JSON columns as stored)."""

    seq: int
    id: str
    tools: Any
    rejected: Any
    metadata: Any
    tokens: int | None  # None where the stored count is in another encoding


def _batches(conn: Connection, columns: list[Any], conds: list[Any], batch: int) -> Iterator[Any]:
    """Rows of ``columns`` (seq first) in import order, read in keyset batches as plain tuples."""
    last = 0
    while True:
        stmt = sa.select(*columns).where(examples.c.seq > last, *conds).order_by(examples.c.seq).limit(batch)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def corpus_rows(conn: Connection, *, metadata: bool = False, batch: int = 5000) -> Iterator[CorpusRow]:
    """(seq, id, outcome, decided_at, messages[, metadata]) of every example, in import order.

    Only what dedup and the split read: no datetime or JSON column is decoded that is not used.
    """
    c = examples.c
    columns = [c.seq, c.id, c.outcome, c.decided_at, c.messages]
    if metadata:
        columns.append(c.metadata)
    return (CorpusRow(*row) for row in _batches(conn, columns, [], batch))


def export_rows(conn: Connection, outcomes: Collection[str], *, batch: int = 5000,
                tokens_in: tuple[str, str] | None = None) -> Iterator[ExportRow]:
    """(seq, id, tools, rejected, metadata, tokens) of the examples with these outcomes, in import order.

    No messages: the export holds them already (full_rows has them for the few that need more).
    ``tokens_in`` (encoding, default encoding): tokens is NULL where the stored count is in
    another encoding, so the caller counts that example again.
    """
    c = examples.c
    tokens: Any = c.tokens
    if tokens_in is not None:
        tokens = sa.case((counted_in(tokens_in[0], default=tokens_in[1]), c.tokens), else_=None).label("tokens")
    columns = [c.seq, c.id, c.tools, c.rejected, c.metadata, tokens]
    return (ExportRow(*row) for row in _batches(conn, columns, [c.outcome.in_(sorted(outcomes))], batch))


def full_rows(conn: Connection, ids: Collection[str]) -> dict[str, Any]:
    """The whole stored rows of these examples (for store.examples.row_to_example), by id."""
    found: dict[str, Any] = {}
    wanted = sorted(ids)
    for lo in range(0, len(wanted), 500):
        stmt = sa.select(examples).where(examples.c.id.in_(wanted[lo : lo + 500]))
        found.update((row["id"], row) for row in conn.execute(stmt).mappings())
    return found
