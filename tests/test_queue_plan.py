"""The queue's "next open example" query keeps its plan on PostgreSQL while statistics are stale.

A new database (or the first minutes of a busy one) has no statistics for ``decisions``: the
planner then believed the reviewer had one decision and built an anti-join that scanned all of
them, again and again, inside every deal (40 ms against 0.6 ms at 900 decisions, growing with
every decision). The check "the reviewer already decided this example" must stay a lookup per
candidate example, whatever the statistics say.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.models import DecisionKind, utcnow
from curator.store import Store
from curator.store.claims import QueueFilter, _candidates_stmt
from curator.store.schema import decisions
from helpers import add_examples

pytestmark = pytest.mark.postgres


def _scans(plan: dict[str, Any], in_subplan: bool = False) -> list[tuple[str, bool]]:
    """(alias, whether it runs per outer row as a SubPlan) of every scan in the plan."""
    found = [(str(plan["Alias"]), in_subplan)] if "Alias" in plan else []
    for child in plan.get("Plans", []):
        found += _scans(child, in_subplan or child.get("Parent Relationship") == "SubPlan")
    return found


def test_the_decided_check_is_a_lookup_per_candidate_with_no_statistics(pg_url: str) -> None:
    store = Store(pg_url)
    ana = make_user(store)
    ids = [ex.id for ex in add_examples(store, 400)]
    now = utcnow()
    with store.write() as conn:
        conn.execute(decisions.insert(), [
            {"example_id": i, "reviewer_id": ana.id, "kind": DecisionKind.DECISION.value, "verdict": "approve", "created_at": now}
            for i in ids[:300]
        ])
    params = {"uid": ana.id, "now": now, "required": 1, "after": 0}
    seen: dict[str, Any] = {}

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.setdefault("sql", statement)
        seen.setdefault("params", parameters)

    with store.read() as conn:
        sa.event.listen(conn, "before_cursor_execute", grab)
        rows = conn.execute(_candidates_stmt(QueueFilter(), 8, "skip"), params).all()
        sa.event.remove(conn, "before_cursor_execute", grab)
        (plan,) = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {seen['sql']}", seen["params"]).scalar_one()
    store.close()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scans = _scans((plan[0] if isinstance(plan, list) else plan)["Plan"])
    joined = [alias for alias, per_row in scans if alias in ("d", "r", "o") and not per_row]
    assert joined == [], f"the decided check became a join over all of ana's decisions: {scans}"
    assert len(rows) == 8 and {r[1] for r in rows}.isdisjoint(ids[:300])
