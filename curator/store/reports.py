"""Aggregates for the dashboard and lookups for the browse and lead pages, all done in SQL."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import DecisionKind, Outcome
from curator.store.schema import decisions, examples, flags, users

_JUDGEMENTS = [DecisionKind.DECISION.value, DecisionKind.ADJUDICATION.value]


def _retracted() -> sa.Select[Any]:
    return sa.select(decisions.c.target_id).where(
        decisions.c.kind == DecisionKind.RETRACTION.value, decisions.c.target_id.isnot(None)
    )


def verdict_counts(conn: Connection, *, blind_to: int | None = None) -> dict[str, int]:
    """Reviewers' judgements (decisions and adjudications, retractions excluded) per verdict.

    With ``blind_to`` (a reviewer's id), only judgements on settled examples and their own count.
    """
    stmt = (
        sa.select(decisions.c.verdict, sa.func.count())
        .where(decisions.c.kind.in_(_JUDGEMENTS), decisions.c.id.not_in(_retracted()))
        .group_by(decisions.c.verdict)
    )
    if blind_to is not None:
        settled = [o.value for o in Outcome if o.settled]
        stmt = stmt.join(examples, examples.c.id == decisions.c.example_id).where(
            sa.or_(decisions.c.reviewer_id == blind_to, examples.c.outcome.in_(settled))
        )
    return {str(v): int(n) for v, n in conn.execute(stmt) if v is not None}


def token_range(conn: Connection) -> tuple[int, int, int]:
    """(how many examples have a token count, smallest, largest)."""
    row = conn.execute(
        sa.select(sa.func.count(examples.c.tokens), sa.func.min(examples.c.tokens), sa.func.max(examples.c.tokens))
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def token_bins(conn: Connection, *, width: int, low: int, high: int | None = None) -> dict[int, int]:
    """Examples per token bin, binned in SQL: {bin start: count}; ``high`` and above share the last bin."""
    tokens: sa.ColumnElement[Any] = examples.c.tokens
    if high is not None:
        tokens = sa.case((examples.c.tokens > high, high), else_=examples.c.tokens)
    bin_index = (tokens - low) // width
    stmt = sa.select(bin_index, sa.func.count()).where(examples.c.tokens.isnot(None)).group_by(bin_index)
    return {low + int(i) * width: int(n) for i, n in conn.execute(stmt)}


def max_seq(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.max(examples.c.seq))) or 0)


def token_sample(conn: Connection, *, size: int, seed: int = 0) -> list[int]:
    """Token counts of about ``size`` examples picked by primary key (cheap at any table size)."""
    top = max_seq(conn)
    if top == 0:
        return []
    picks = sorted(random.Random(seed).sample(range(1, top + 1), min(size, top)))
    out: list[int] = []
    for start in range(0, len(picks), 900):
        chunk = picks[start : start + 900]
        stmt = sa.select(examples.c.tokens).where(examples.c.seq.in_(chunk), examples.c.tokens.isnot(None))
        out.extend(int(t) for t in conn.scalars(stmt))
    return out


def _day(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


def decisions_per_day(conn: Connection, *, since: datetime | None = None) -> list[tuple[str, str, int]]:
    """(day, reviewer, judgements that day), oldest day first; retracted ones still count as work."""
    created: sa.ColumnElement[Any] = decisions.c.created_at
    if conn.dialect.name == "postgresql":
        # date() of a timestamptz follows the session's time zone; days are UTC days everywhere.
        created = sa.func.timezone("UTC", created)
    day = sa.func.date(created)
    stmt = (
        sa.select(day.label("day"), users.c.name, sa.func.count())
        .join(users, users.c.id == decisions.c.reviewer_id)
        .where(decisions.c.kind.in_(_JUDGEMENTS))
        .group_by(day, users.c.name)
        .order_by(day, users.c.name)
    )
    if since is not None:
        stmt = stmt.where(decisions.c.created_at >= since)
    return [(_day(d), str(name), int(n)) for d, name, n in conn.execute(stmt)]


def multi_decided_ids(conn: Connection, *, minimum: int = 2, limit: int = 20000, outcomes: list[str] | None = None) -> list[str]:
    """Ids of examples with at least ``minimum`` live decisions (newest imports last), of
    ``outcomes`` only when given."""
    stmt = (
        sa.select(examples.c.id)
        .where(examples.c.n_decisions >= minimum)
        .order_by(examples.c.n_decisions, examples.c.seq)
        .limit(limit)
    )
    if outcomes is not None:
        stmt = stmt.where(examples.c.outcome.in_(outcomes))
    return list(conn.scalars(stmt))


def conflict_ids(conn: Connection, *, offset: int = 0, limit: int = 20) -> list[str]:
    """Examples whose outcome is a conflict, in import order (an indexed lookup)."""
    stmt = (
        sa.select(examples.c.id)
        .where(examples.c.outcome == Outcome.CONFLICT.value)
        .order_by(examples.c.seq)
        .offset(offset)
        .limit(limit)
    )
    return list(conn.scalars(stmt))


def conflict_count(conn: Connection) -> int:
    stmt = sa.select(sa.func.count()).select_from(examples).where(examples.c.outcome == Outcome.CONFLICT.value)
    return int(conn.scalar(stmt) or 0)


def flagged_rules(conn: Connection) -> list[str]:
    """Every rule id with at least one flag (for filter choices)."""
    return distinct_values(conn, flags.c.rule_id)


def source_names(conn: Connection) -> list[str]:
    """Every source name of a stored example."""
    return distinct_values(conn, examples.c.source_name)


def distinct_values(conn: Connection, column: sa.Column[Any]) -> list[str]:
    """Sorted distinct values of an indexed column, one index probe per value (not per row)."""
    walk = sa.select(sa.func.min(column).label("v")).cte("walk", recursive=True)
    nxt = sa.select(sa.select(sa.func.min(column)).where(column > walk.c.v).scalar_subquery().label("v")).where(walk.c.v.isnot(None))
    walk = walk.union_all(nxt)
    return [str(v) for v in conn.scalars(sa.select(walk.c.v).where(walk.c.v.isnot(None)).order_by(walk.c.v))]
