"""The decision log: appended, never updated or deleted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import Correction, Decision, DecisionKind, Verdict, as_utc
from curator.store.dialect import inserted_id
from curator.store.jsontext import dumps, loads
from curator.store.schema import decisions, examples, suggestions, users

_APPEND = decisions.insert()  # built once: the values come as parameters


def append(conn: Connection, decision: Decision, *, reviewer_id: int) -> int:
    """Add a decision to the log; returns its id."""
    result = conn.execute(_APPEND, {
        "example_id": decision.example_id,
        "reviewer_id": reviewer_id,
        "kind": decision.kind.value,
        "verdict": decision.verdict.value if decision.verdict else None,
        "rules": dumps(decision.rules),
        "note": decision.note,
        "correction": dumps(decision.correction.model_dump(mode="json", exclude_none=True)) if decision.correction else None,
        "guideline_version": decision.guideline_version,
        "target_id": decision.target_id,
        "created_at": decision.created_at,
        "via_cluster": decision.via_cluster,
        "suggestion_id": decision.suggestion_id,
    })
    return inserted_id(result)


_COLUMNS = [
    decisions.c.id,
    decisions.c.example_id,
    users.c.name.label("reviewer"),
    decisions.c.kind,
    decisions.c.verdict,
    decisions.c.rules,
    decisions.c.note,
    decisions.c.correction,
    decisions.c.guideline_version,
    decisions.c.target_id,
    decisions.c.created_at,
    decisions.c.via_cluster,
    decisions.c.suggestion_id,
]


def _decision(row: sa.RowMapping) -> Decision:
    correction = loads(row["correction"])
    return Decision.model_construct(
        id=row["id"],
        example_id=row["example_id"],
        reviewer=row["reviewer"],
        kind=DecisionKind(row["kind"]),
        verdict=Verdict(row["verdict"]) if row["verdict"] else None,
        rules=loads(row["rules"], []),
        note=row["note"],
        correction=Correction.model_validate(correction) if correction else None,
        guideline_version=row["guideline_version"],
        target_id=row["target_id"],
        created_at=as_utc(row["created_at"]),
        via_cluster=row["via_cluster"],
        suggestion_id=row["suggestion_id"],
    )



def _select() -> sa.Select[Any]:
    return sa.select(*_COLUMNS).join(users, users.c.id == decisions.c.reviewer_id)


def for_example(conn: Connection, example_id: str) -> list[Decision]:
    """An example's whole decision history, oldest first."""
    stmt = _select().where(decisions.c.example_id == example_id).order_by(decisions.c.id)
    return [_decision(r) for r in conn.execute(stmt).mappings()]


def for_examples(conn: Connection, example_ids: list[str]) -> dict[str, list[Decision]]:
    """Histories of several examples at once."""
    out: dict[str, list[Decision]] = {eid: [] for eid in example_ids}
    for start in range(0, len(example_ids), 900):
        chunk = example_ids[start : start + 900]
        stmt = _select().where(decisions.c.example_id.in_(chunk)).order_by(decisions.c.id)
        for r in conn.execute(stmt).mappings():
            out[r["example_id"]].append(_decision(r))
    return out


def get(conn: Connection, decision_id: int) -> Decision | None:
    row = conn.execute(_select().where(decisions.c.id == decision_id)).mappings().first()
    return _decision(row) if row else None


def last_by_reviewer(conn: Connection, reviewer_id: int) -> Decision | None:
    """The reviewer's most recent decision (of kind decision/adjudication) not yet retracted.

    Decisions propagated to a cluster's members are not actions of their own: the
    representative's decision, which carries them, is the one an undo takes back.
    """
    retracted = sa.select(decisions.c.target_id).where(decisions.c.kind == DecisionKind.RETRACTION.value, decisions.c.target_id.isnot(None))
    stmt = (
        _select()
        .where(
            decisions.c.reviewer_id == reviewer_id,
            decisions.c.kind.in_([DecisionKind.DECISION.value, DecisionKind.ADJUDICATION.value]),
            decisions.c.id.not_in(retracted),
            decisions.c.via_cluster.is_(None),
        )
        .order_by(decisions.c.id.desc())
        .limit(1)
    )
    row = conn.execute(stmt).mappings().first()
    return _decision(row) if row else None


def iter_all(conn: Connection, *, batch: int = 5000) -> Iterator[Decision]:
    """Every decision in log order, read in keyset batches."""
    last = 0
    while True:
        stmt = _select().where(decisions.c.id > last).order_by(decisions.c.id).limit(batch)
        rows = list(conn.execute(stmt).mappings())
        if not rows:
            return
        for r in rows:
            yield _decision(r)
        last = rows[-1]["id"]


class LogRow(NamedTuple):
    """A decision as the exported log gives it: with its example's place and its provenance
    named by what another database can find (row ids there differ)."""

    decision: Decision
    source: str
    line: int | None
    via_source: tuple[str, str, str] | None  # (example id, reviewer, kind) of the decision it was propagated from
    suggestion_model: str | None  # the model whose suggestion the reviewer accepted


_SRC = decisions.alias("src")
_SRC_USER = users.alias("src_user")


def iter_with_place(conn: Connection, *, batch: int = 5000) -> Iterator[LogRow]:
    """Decisions with the source name and line of their example and their provenance (for decisions export)."""
    last = 0
    cols = [*_COLUMNS, examples.c.source_name, examples.c.source_line, _SRC.c.example_id.label("src_example"),
            _SRC_USER.c.name.label("src_reviewer"), _SRC.c.kind.label("src_kind"), suggestions.c.model.label("suggestion_model")]
    while True:
        stmt = (
            sa.select(*cols)
            .join(users, users.c.id == decisions.c.reviewer_id)
            .join(examples, examples.c.id == decisions.c.example_id)
            .outerjoin(_SRC, _SRC.c.id == decisions.c.via_cluster)
            .outerjoin(_SRC_USER, _SRC_USER.c.id == _SRC.c.reviewer_id)
            .outerjoin(suggestions, suggestions.c.id == decisions.c.suggestion_id)
            .where(decisions.c.id > last)
            .order_by(decisions.c.id)
            .limit(batch)
        )
        rows = list(conn.execute(stmt).mappings())
        if not rows:
            return
        for r in rows:
            via = (r["src_example"], r["src_reviewer"], r["src_kind"]) if r["src_example"] is not None else None
            yield LogRow(_decision(r), r["source_name"], r["source_line"], via, r["suggestion_model"])
        last = rows[-1]["id"]


def count_by_reviewer_since(conn: Connection, reviewer_id: int, since: datetime) -> int:
    stmt = sa.select(sa.func.count()).select_from(decisions).where(
        decisions.c.reviewer_id == reviewer_id,
        decisions.c.created_at >= since,
        decisions.c.kind.in_([DecisionKind.DECISION.value, DecisionKind.ADJUDICATION.value]),
        decisions.c.via_cluster.is_(None),  # the reviewer's own actions: a cluster decision counts once
    )
    return int(conn.scalar(stmt) or 0)


def count(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(decisions)) or 0)


def recent_by_reviewer(conn: Connection, reviewer_id: int, *, limit: int = 20) -> list[tuple[Decision, int, bool]]:
    """The reviewer's latest decisions, newest first: (decision, example seq, still counts)."""
    r, o = decisions.alias("r"), decisions.alias("o")
    retracted = sa.exists().where(r.c.example_id == decisions.c.example_id, r.c.kind == DecisionKind.RETRACTION.value, r.c.target_id == decisions.c.id)
    reopened = sa.exists().where(o.c.example_id == decisions.c.example_id, o.c.kind == DecisionKind.REOPEN.value, o.c.id > decisions.c.id)
    stmt = (
        sa.select(*_COLUMNS, examples.c.seq, sa.not_(sa.or_(retracted, reopened)).label("live"))
        .join(users, users.c.id == decisions.c.reviewer_id)
        .join(examples, examples.c.id == decisions.c.example_id)
        .where(decisions.c.reviewer_id == reviewer_id, decisions.c.kind == DecisionKind.DECISION.value,
               decisions.c.via_cluster.is_(None))
        .order_by(decisions.c.created_at.desc(), decisions.c.id.desc())
        .limit(limit)
    )
    return [(_decision(row), int(row["seq"]), bool(row["live"])) for row in conn.execute(stmt).mappings()]


def propagated_from(conn: Connection, decision_id: int) -> list[Decision]:
    """The decisions propagated from ``decision_id`` to its cluster's members that still stand."""
    retracted = sa.select(decisions.c.target_id).where(decisions.c.kind == DecisionKind.RETRACTION.value, decisions.c.target_id.isnot(None))
    stmt = _select().where(decisions.c.via_cluster == decision_id, decisions.c.id.not_in(retracted)).order_by(decisions.c.id)
    return [_decision(r) for r in conn.execute(stmt).mappings()]


def propagations(conn: Connection, *, limit: int = 50) -> list[tuple[Decision, int]]:
    """The latest representative decisions with propagated decisions still standing: (decision, how many)."""
    p = decisions.alias("p")
    retracted = sa.select(decisions.c.target_id).where(decisions.c.kind == DecisionKind.RETRACTION.value, decisions.c.target_id.isnot(None))
    standing = (
        sa.select(p.c.via_cluster.label("source_id"), sa.func.count().label("n"))
        .where(p.c.via_cluster.isnot(None), p.c.id.not_in(retracted))
        .group_by(p.c.via_cluster)
        .subquery()
    )
    stmt = (
        sa.select(*_COLUMNS, standing.c.n)
        .join(users, users.c.id == decisions.c.reviewer_id)
        .join(standing, standing.c.source_id == decisions.c.id)
        .order_by(decisions.c.id.desc())
        .limit(limit)
    )
    return [(_decision(r), int(r["n"])) for r in conn.execute(stmt).mappings()]
