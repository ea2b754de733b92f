"""Gold examples: a lead marks examples whose verdict is known, to grade reviewers against."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from curator.errors import InvalidInputError
from curator.models import User, UserRole, Verdict
from curator.services.decisions import check_rules
from curator.services.users import require
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store import gold_examples as gold_repo


def mark_gold(
    store: Store,
    actor: User,
    example_id: str,
    verdict: Verdict | str,
    *,
    rules: list[str] | None = None,
    note: str = "",
    known_rules: Collection[str] | None = None,
) -> None:
    """Mark an example as gold with its known verdict (marking again replaces it; leads only)."""
    require(actor, UserRole.LEAD)
    try:
        verdict = Verdict(verdict)
    except ValueError as exc:
        raise InvalidInputError(f"unknown verdict {verdict!r}; use approve, negative or reject", field="verdict") from exc
    rules = list(rules or [])
    check_rules(rules, known_rules)
    example_id = example_id.strip()
    with store.write() as conn:
        examples_repo.get_row(conn, example_id)  # NotFoundError if unknown
        gold_repo.put(conn, example_id, verdict.value, rules=rules, note=note, created_by=actor.id)


def unmark_gold(store: Store, actor: User, example_id: str) -> bool:
    """Remove an example from the gold set; False if it was not gold (leads only)."""
    require(actor, UserRole.LEAD)
    with store.write() as conn:
        return gold_repo.remove(conn, example_id.strip())


def list_gold(store: Store, actor: User, *, offset: int = 0, limit: int | None = 200) -> list[dict[str, Any]]:
    """Gold examples, newest first: example_id, verdict, rules, note, marked_by, created_at."""
    require(actor, UserRole.LEAD)
    with store.read() as conn:
        return gold_repo.list_gold(conn, offset=offset, limit=limit)


def gold_answers(store: Store) -> dict[str, str]:
    """{example_id: verdict} of every gold example (for the audit's gold accuracy)."""
    with store.read() as conn:
        return gold_repo.answers(conn)
