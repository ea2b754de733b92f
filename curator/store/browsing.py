"""Browse queries: ExampleFilter with the per-row subqueries turned into IN-lists.

store.examples' filter writes "flagged by R" and "decided by X" as correlated EXISTS, which
SQLite answers by walking the rule's flags or the reviewer's decisions once per example: seconds
at 10,000 examples, minutes at 1,000,000. Here the same conditions read the flags and decisions
indexes once and look the examples up by id, so the cost follows the matches, not the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.store.examples import SORTS, ExampleFilter
from curator.store.schema import decisions, examples, flags, users


def where(f: ExampleFilter) -> list[sa.ColumnElement[bool]]:
    """The filter's conditions on ``examples`` (same meaning as store.examples' filter)."""
    conds: list[sa.ColumnElement[bool]] = []
    if f.outcomes:
        conds.append(examples.c.outcome.in_(f.outcomes))
    if f.sources:
        conds.append(examples.c.source_name.in_(f.sources))
    if f.rule:
        conds.append(examples.c.id.in_(sa.select(flags.c.example_id).where(flags.c.rule_id == f.rule)))
    if f.reviewer or f.verdict:
        sub = sa.select(decisions.c.example_id)
        if f.reviewer:
            sub = sub.join(users, users.c.id == decisions.c.reviewer_id).where(users.c.name == f.reviewer)
        if f.verdict:
            sub = sub.where(decisions.c.verdict == f.verdict)
        conds.append(examples.c.id.in_(sub))
    if f.text:
        escaped = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(examples.c.messages.ilike(f"%{escaped}%", escape="\\"))
    if f.ids is not None:
        conds.append(examples.c.id.in_(f.ids))
    if f.has_rejected is not None:
        conds.append(examples.c.rejected.isnot(None) if f.has_rejected else examples.c.rejected.is_(None))
    return conds


def scans_text(f: ExampleFilter) -> bool:
    """True when the filter reads every conversation (a text search): counting it costs a full scan."""
    return bool(f.text)


def page(
    conn: Connection,
    flt: ExampleFilter,
    *,
    offset: int = 0,
    limit: int = 50,
    sort: str = "imported",
    descending: bool = False,
) -> list[sa.RowMapping]:
    """One page of example rows without the bulky message text, filtered and sorted in SQL."""
    cols = [c for c in examples.c if c.name not in ("messages", "tools", "rejected")]
    key = SORTS[sort]
    order = [key.desc() if descending else key.asc(), examples.c.seq.desc() if descending else examples.c.seq.asc()]
    stmt = sa.select(*cols).where(*where(flt)).order_by(*order).offset(offset).limit(limit)
    return list(conn.execute(stmt).mappings())


def count_upto(conn: Connection, flt: ExampleFilter, cap: int) -> int:
    """How many examples match, counting no further than ``cap``."""
    inner = sa.select(sa.literal(1).label("one")).select_from(examples).where(*where(flt)).limit(cap).subquery()
    return int(conn.scalar(sa.select(sa.func.count()).select_from(inner)) or 0)

