"""Aggregates and streams for the guideline audit, done in SQL so 100,000 examples stay cheap.

Counts come back already grouped; the decision log is streamed one example's history at a
time in (example_id, id) order, which the ``ix_decisions_example`` index serves directly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import Decision, DecisionKind, Outcome, Verdict, as_utc
from curator.store.jsontext import loads
from curator.store.schema import decisions, examples, flags, users

STREAM_BATCH = 5000
_CHUNK = 900  # bound parameters per IN (...) list, under SQLite's limits
_NO_RULES: list[str] = []


def example_count(conn: Connection) -> int:
    """How many examples the database holds."""
    return int(conn.scalar(sa.select(sa.func.count()).select_from(examples)) or 0)


def source_outcomes(conn: Connection) -> list[tuple[str, str, int]]:
    """(source name, outcome, examples) for every source and outcome that occurs, sorted."""
    stmt = (
        sa.select(examples.c.source_name, examples.c.outcome, sa.func.count())
        .group_by(examples.c.source_name, examples.c.outcome)
        .order_by(examples.c.source_name, examples.c.outcome)
    )
    return [(str(s), str(o), int(n)) for s, o, n in conn.execute(stmt)]


def settled_outcomes(conn: Connection) -> dict[str, str]:
    """{example_id: outcome} of every settled example (approve, negative or reject)."""
    settled = [o.value for o in Outcome if o.settled]
    stmt = sa.select(examples.c.id, examples.c.outcome).where(examples.c.outcome.in_(settled))
    return {str(e): str(o) for e, o in conn.execute(stmt.execution_options(yield_per=STREAM_BATCH))}


def guideline_versions_used(conn: Connection) -> list[str]:
    """Every guideline version recorded on a decision, sorted."""
    col = decisions.c.guideline_version
    return [str(v) for v in conn.scalars(sa.select(col).where(col.isnot(None)).distinct().order_by(col))]


def flag_counts(conn: Connection, version: str) -> dict[str, tuple[int, int]]:
    """{rule_id: (examples flagged, of which approved)} for flags raised under ``version``."""
    approved = sa.case((examples.c.outcome == Outcome.APPROVE.value, flags.c.example_id))
    stmt = (
        sa.select(flags.c.rule_id, sa.func.count(flags.c.example_id.distinct()), sa.func.count(approved.distinct()))
        .select_from(flags.join(examples, examples.c.id == flags.c.example_id))
        .where(flags.c.guideline_version == version)
        .group_by(flags.c.rule_id)
    )
    return {str(r): (int(n), int(a)) for r, n, a in conn.execute(stmt)}


def approved_flagged(conn: Connection, version: str, rule_ids: Collection[str]) -> dict[str, list[str]]:
    """{rule_id: sorted ids of approved examples it flags} for the given rules under ``version``."""
    out: dict[str, list[str]] = {r: [] for r in rule_ids}
    if not out:
        return out
    stmt = (
        sa.select(flags.c.rule_id, flags.c.example_id)
        .select_from(flags.join(examples, examples.c.id == flags.c.example_id))
        .where(
            flags.c.guideline_version == version,
            flags.c.rule_id.in_(list(out)),
            examples.c.outcome == Outcome.APPROVE.value,
        )
        .distinct()
        .order_by(flags.c.rule_id, flags.c.example_id)
    )
    for rule_id, example_id in conn.execute(stmt):
        out[str(rule_id)].append(str(example_id))
    return out


def flags_by_example(conn: Connection, version: str, rule_ids: Collection[str]) -> dict[str, set[str]]:
    """{example_id: rules among ``rule_ids`` whose check flags it under ``version``}."""
    out: dict[str, set[str]] = {}
    wanted = sorted(set(rule_ids))
    for start in range(0, len(wanted), _CHUNK):
        stmt = (
            sa.select(flags.c.example_id, flags.c.rule_id)
            .where(flags.c.guideline_version == version, flags.c.rule_id.in_(wanted[start : start + _CHUNK]))
            .distinct()
        )
        for example_id, rule_id in conn.execute(stmt.execution_options(yield_per=STREAM_BATCH)):
            out.setdefault(str(example_id), set()).add(str(rule_id))
    return out



def iter_histories(conn: Connection) -> Iterator[tuple[str, list[Decision]]]:
    """(example_id, its decision history oldest first) for every decided example, streamed.

    Corrections and notes are left out: the audit judges verdicts, rules and versions, and
    parsing every correction would cost more than everything else together.
    """
    stmt = (
        sa.select(
            decisions.c.id, decisions.c.example_id, users.c.name, decisions.c.kind, decisions.c.verdict,
            decisions.c.rules, decisions.c.guideline_version, decisions.c.target_id, decisions.c.created_at,
            decisions.c.via_cluster, decisions.c.suggestion_id,
        )
        .join(users, users.c.id == decisions.c.reviewer_id)
        .order_by(decisions.c.example_id, decisions.c.id)
    )
    kinds = {k.value: k for k in DecisionKind}
    verdicts = {v.value: v for v in Verdict}
    names: dict[str, str] = {}
    rows = conn.execute(stmt.execution_options(yield_per=STREAM_BATCH))
    for example_id, group in groupby(rows, key=lambda r: r[1]):
        history = []
        for did, eid, reviewer, kind, verdict, rules, version, target, created, via, suggestion in group:
            history.append(Decision.model_construct(
                id=did, example_id=eid, reviewer=names.setdefault(reviewer, reviewer), kind=kinds[kind],
                verdict=verdicts[verdict] if verdict else None,
                rules=_NO_RULES if rules in (None, "[]") else loads(rules, []),
                note="", correction=None, guideline_version=version, target_id=target,
                created_at=as_utc(created), via_cluster=via, suggestion_id=suggestion,
            ))
        yield str(example_id), history
