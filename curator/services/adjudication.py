"""The conflict queue: examples whose reviewers disagree, and a lead's adjudication of them."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from curator.errors import ConflictError, InvalidInputError
from curator.models import (
    Correction,
    Decision,
    DecisionKind,
    Example,
    Outcome,
    User,
    UserRole,
    Verdict,
)
from curator.services import decisions as decisions_service
from curator.services.outcomes import live_decisions
from curator.services.users import require
from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import reports as reports_repo


@dataclass(frozen=True)
class Conflict:
    """One disagreeing example: the conversation once, and every live decision side by side."""

    example: Example
    decisions: list[Decision]


def conflict_count(store: Store, actor: User) -> int:
    """How many examples are in conflict (leads only)."""
    require(actor, UserRole.LEAD)
    with store.read() as conn:
        return reports_repo.conflict_count(conn)


def conflicts(store: Store, actor: User, *, offset: int = 0, limit: int = 20) -> list[Conflict]:
    """A page of the conflict queue, oldest import first (leads only)."""
    require(actor, UserRole.LEAD)
    with store.read() as conn:
        ids = reports_repo.conflict_ids(conn, offset=offset, limit=limit)
        histories = decisions_repo.for_examples(conn, ids)
        found = [examples_repo.get(conn, eid) for eid in ids]
    return [Conflict(example=ex, decisions=live_decisions(histories[ex.id])[0]) for ex in found]


def adjudicate(
    store: Store,
    actor: User,
    example_id: str,
    verdict: Verdict | str,
    *,
    rules: list[str] | None = None,
    note: str = "",
    correction: Correction | None = None,
    known_rules: Collection[str] | None = None,
    guideline_version: str | None = None,
) -> Outcome:
    """Settle a conflicting example with the lead's verdict; returns the new outcome."""
    require(actor, UserRole.LEAD)
    try:
        verdict = Verdict(verdict)
    except ValueError as exc:
        raise InvalidInputError(f"unknown verdict {verdict!r}; use approve, negative or reject", field="verdict") from exc
    decision = Decision(
        example_id=example_id,
        reviewer=actor.name,
        kind=DecisionKind.ADJUDICATION,
        verdict=verdict,
        rules=list(rules or []),
        note=note,
        correction=correction,
        guideline_version=guideline_version,
    )
    with store.write() as conn:
        # Checked in the same transaction as the append: a second lead adjudicating from a
        # stale screen must not silently override the first.
        outcome = Outcome(examples_repo.get_row(conn, example_id)["outcome"])
        if outcome != Outcome.CONFLICT:
            raise ConflictError(f"example {example_id} is {outcome.value}, not in conflict; reload the queue")
        _, settlement = decisions_service.append_in(conn, decision, actor, known_rules=known_rules)
    return settlement.outcome


def parse_ids(text: str) -> list[str]:
    """Example ids from pasted text (whitespace, comma or semicolon separated), de-duplicated."""
    seen: dict[str, None] = {}
    for token in re.split(r"[\s,;]+", text):
        token = token.strip().strip("'\"")
        if token:
            seen.setdefault(token, None)
    return list(seen)


@dataclass(frozen=True)
class ReopenResult:
    reopened: list[str]
    unknown: list[str]


def reopen_pasted(store: Store, actor: User, text: str, *, note: str = "") -> ReopenResult:
    """Send the pasted example ids back to the queue; unknown ids are reported, not fatal (leads only)."""
    require(actor, UserRole.LEAD)
    ids = parse_ids(text)
    with store.read() as conn:
        known = examples_repo.existing_ids(conn, ids)
    reopened = [eid for eid in ids if eid in known]
    if reopened:
        decisions_service.reopen(store, actor, reopened, note=note)
    return ReopenResult(reopened=reopened, unknown=[eid for eid in ids if eid not in known])
