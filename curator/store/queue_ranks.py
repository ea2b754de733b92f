"""The queue's precomputed order (examples.queue_rank) and the sample batches served first.

Ranks are computed by curator.services.queue_order from what a strategy needs (flags,
clusters, live decisions); this module reads those inputs for one group of sources and writes
the ranks that changed in one set-based UPDATE.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import Outcome
from curator.store.dialect import inserted_id
from curator.store.jsontext import loads
from curator.store.schema import clusters, examples, flags, sample_batches, sample_members

_BATCH = 5000


def group_cond(sources: Collection[str], *, exclude: bool) -> sa.ColumnElement[bool]:
    """Examples of ``sources`` (exclude=False), or of every other source (exclude=True)."""
    if exclude:
        return examples.c.source_name.not_in(list(sources)) if sources else sa.true()
    return examples.c.source_name.in_(list(sources))


def rows(conn: Connection, cond: sa.ColumnElement[bool], *, metadata: bool = False) -> Iterator[sa.RowMapping]:
    """seq, id, source_name, queue_rank, n_decisions, outcome (and metadata) of the group, by seq."""
    cols = [examples.c.seq, examples.c.id, examples.c.source_name, examples.c.queue_rank, examples.c.n_decisions, examples.c.outcome]
    if metadata:
        cols.append(examples.c.metadata)
    last = 0
    while True:
        got = conn.execute(sa.select(*cols).where(cond, examples.c.seq > last).order_by(examples.c.seq).limit(_BATCH)).mappings().all()
        yield from got
        if len(got) < _BATCH:
            return
        last = int(got[-1]["seq"])


def topic(metadata_text: str | None) -> str:
    """The example's topic as its metadata names it (``topic`` or ``category``), else ''."""
    if not metadata_text or metadata_text == "{}":
        return ""
    meta = loads(metadata_text, {})
    value = meta.get("topic", meta.get("category", "")) if isinstance(meta, dict) else ""
    return str(value)[:100]


def flagged_rules(conn: Connection, cond: sa.ColumnElement[bool]) -> dict[str, set[str]]:
    """{example id: rule ids its checks flag} for the group's flagged examples."""
    stmt = sa.select(flags.c.example_id, flags.c.rule_id).join(examples, examples.c.id == flags.c.example_id).where(cond)
    out: dict[str, set[str]] = {}
    for eid, rule in conn.execute(stmt):
        out.setdefault(str(eid), set()).add(str(rule))
    return out


def cluster_rows(conn: Connection, cond: sa.ColumnElement[bool]) -> dict[str, tuple[str, bool]]:
    """{example id: (cluster id, is representative)} for the group's clustered examples."""
    stmt = (sa.select(clusters.c.example_id, clusters.c.cluster_id, clusters.c.is_representative)
            .join(examples, examples.c.id == clusters.c.example_id).where(cond))
    return {str(e): (str(c), bool(r)) for e, c, r in conn.execute(stmt)}


def open_with_decisions(conn: Connection, cond: sa.ColumnElement[bool]) -> list[str]:
    """Ids of the group's pending or conflicting examples that have counted decisions."""
    stmt = sa.select(examples.c.id).where(cond, examples.c.outcome.in_([Outcome.PENDING.value, Outcome.CONFLICT.value]),
                                          examples.c.n_decisions > 0)
    return [str(i) for i in conn.scalars(stmt)]


def write(conn: Connection, changes: Sequence[tuple[int, int]]) -> int:
    """Set queue_rank for (seq, rank) pairs: a temporary table joined in one UPDATE."""
    if not changes:
        return 0
    if len(changes) <= 50:
        stmt = examples.update().where(examples.c.seq == sa.bindparam("s")).values(queue_rank=sa.bindparam("r"))
        conn.execute(stmt, [{"s": s, "r": r} for s, r in changes])
        return len(changes)
    conn.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS queue_rank_changes (seq BIGINT PRIMARY KEY, rank BIGINT NOT NULL)")
    conn.exec_driver_sql("DELETE FROM queue_rank_changes")
    marker = "%s" if conn.dialect.name == "postgresql" else "?"
    sql = f"INSERT INTO queue_rank_changes (seq, rank) VALUES ({marker}, {marker})"
    for start in range(0, len(changes), 50_000):
        conn.exec_driver_sql(sql, list(changes[start:start + 50_000]))
    conn.exec_driver_sql("UPDATE examples SET queue_rank = c.rank FROM queue_rank_changes c WHERE examples.seq = c.seq")
    conn.exec_driver_sql("DELETE FROM queue_rank_changes")
    return len(changes)


def ranks_of(conn: Connection, example_ids: Sequence[str]) -> list[tuple[int, int]]:
    """(seq, queue_rank) of the given examples."""
    out: list[tuple[int, int]] = []
    for start in range(0, len(example_ids), 900):
        chunk = list(example_ids[start:start + 900])
        stmt = sa.select(examples.c.seq, examples.c.queue_rank).where(examples.c.id.in_(chunk))
        out += [(int(s), int(r if r is not None else s)) for s, r in conn.execute(stmt)]
    return out


def set_one(conn: Connection, example_id: str, rank: int) -> None:
    conn.execute(examples.update().where(examples.c.id == example_id).values(queue_rank=rank))


# --- sample batches -------------------------------------------------------------------------
def sampled_ids(conn: Connection, cond: sa.ColumnElement[bool] | None = None) -> set[str]:
    """Ids of examples drawn into any sample batch (they are served first)."""
    stmt = sa.select(sample_members.c.example_id).distinct()
    if cond is not None:
        stmt = stmt.join(examples, examples.c.id == sample_members.c.example_id).where(cond)
    return {str(i) for i in conn.scalars(stmt)}


def is_sampled(conn: Connection, example_id: str) -> bool:
    return conn.scalar(sa.select(sample_members.c.batch_id).where(sample_members.c.example_id == example_id).limit(1)) is not None


def add_batch(conn: Connection, *, strategy: str, by: str, seed: int, created_by: int | None, now: datetime,
              members: Sequence[tuple[str, str, int]]) -> int:
    """Store a batch and its (example id, stratum, stratum population) members; returns its id."""
    result = conn.execute(sample_batches.insert().values(strategy=strategy, by=by, size=len(members), seed=seed,
                                                         created_by=created_by, created_at=now))
    batch_id = inserted_id(result)
    for start in range(0, len(members), _BATCH):
        conn.execute(sample_members.insert(), [{"batch_id": batch_id, "example_id": e, "stratum": s, "population": p}
                                               for e, s, p in members[start:start + _BATCH]])
    return batch_id


def latest_batch(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(sa.select(sample_batches).order_by(sample_batches.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row is not None else None


def batch_members(conn: Connection, batch_id: int) -> list[tuple[str, str, int, str]]:
    """(stratum, example id, stratum population, the example's outcome now) of a batch's members."""
    stmt = (sa.select(sample_members.c.stratum, sample_members.c.example_id, sample_members.c.population, examples.c.outcome)
            .join(examples, examples.c.id == sample_members.c.example_id)
            .where(sample_members.c.batch_id == batch_id)
            .order_by(sample_members.c.stratum, examples.c.seq))
    return [(str(s), str(e), int(p), str(o)) for s, e, p, o in conn.execute(stmt)]


def population(conn: Connection, *, by_source: bool) -> dict[str, list[tuple[str, int]]]:
    """{stratum: [(example id, seq)...]} of every example: by source, or one stratum ''."""
    out: dict[str, list[tuple[str, int]]] = {}
    stmt = sa.select(examples.c.id, examples.c.seq, examples.c.source_name).order_by(examples.c.seq)
    for eid, seq, source in conn.execute(stmt):
        out.setdefault(str(source) if by_source else "", []).append((str(eid), int(seq)))
    return out
