"""Recording decisions: append to the log and settle the example's outcome, in one transaction."""

from __future__ import annotations

from collections.abc import Collection

from curator.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from curator.models import Decision, DecisionKind, Outcome, User, UserRole, Verdict
from curator.services import queue_order
from curator.services.outcomes import Settlement, settle
from curator.services.users import require
from curator.store import Connection, Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import settings as settings_repo
from curator.store import users as users_repo

OVERLAP_KEY = "overlap"  # decisions required per example before it settles


def required_decisions(conn: Connection) -> int:
    return int(settings_repo.get(conn, OVERLAP_KEY, 1))


def set_overlap(store: Store, actor: User, required: int) -> None:
    """How many agreeing decisions settle an example (leads only)."""
    require(actor, UserRole.LEAD)
    if not 1 <= required <= 10:
        raise InvalidInputError("overlap must be between 1 and 10", field="overlap")
    with store.write() as conn:
        settings_repo.put(conn, OVERLAP_KEY, required)
        # Outcomes depend on the overlap: settle again everything already decided.
        for row in examples_repo.iter_rows(conn, columns=["id", "n_decisions"], flt=None):
            if row["n_decisions"]:
                _resettle(conn, row["id"], required)


def get_overlap(store: Store) -> int:
    with store.read() as conn:
        return required_decisions(conn)


def _resettle(conn: Connection, example_id: str, required: int, strategies: queue_order.Strategies | None = None) -> Settlement:
    history = decisions_repo.for_example(conn, example_id)
    s = settle(history, required=required)
    examples_repo.set_outcome(conn, example_id, s.outcome, len(s.live), s.decided_at)
    queue_order.rerank_example(conn, example_id, s.live, strategies)  # disagreement-first orders by decisions
    return s


def check_rules(rules: list[str], known_rules: Collection[str] | None) -> None:
    if known_rules is None:
        return
    unknown = [r for r in rules if r not in known_rules]
    if unknown:
        raise InvalidInputError(f"unknown rule id(s) {', '.join(unknown)}", field="rules")


def check_reason(decision: Decision) -> None:
    """A reject from the review card says why: at least one violated rule, or a note."""
    if decision.kind == DecisionKind.DECISION and decision.verdict == Verdict.REJECT and not decision.rules and not decision.note.strip():
        raise InvalidInputError("a reject needs at least one violated rule or a note saying why", field="rules")


def retract_in(conn: Connection, actor: User, example_id: str, decision_id: int) -> None:
    """Append the retraction of one decision within an open transaction and settle again.

    The decisions propagated from it to its cluster's members are retracted with it: they
    stand on the representative's decision and nothing else.
    """
    required = required_decisions(conn)
    retraction = Decision(example_id=example_id, reviewer=actor.name, kind=DecisionKind.RETRACTION, target_id=decision_id)
    decisions_repo.append(conn, retraction, reviewer_id=actor.id)
    _resettle(conn, example_id, required)
    for copy in decisions_repo.propagated_from(conn, decision_id):
        examples_repo.lock(conn, copy.example_id)
        decisions_repo.append(conn, Decision(example_id=copy.example_id, reviewer=actor.name, kind=DecisionKind.RETRACTION,
                                             target_id=copy.id), reviewer_id=actor.id)
        _resettle(conn, copy.example_id, required)


def append_in(conn: Connection, decision: Decision, reviewer: User, *, known_rules: Collection[str] | None = None,
              locked: bool = False) -> tuple[int, Settlement]:
    """Append within an open transaction; returns the decision id and the new settlement.

    ``locked``: the caller already holds the example's row (examples_repo.lock).
    """
    if not locked:
        examples_repo.lock(conn, decision.example_id)  # NotFoundError if unknown
    check_rules(decision.rules, known_rules)
    if decision.kind == DecisionKind.DECISION and decision.verdict == Verdict.NEGATIVE:
        if decision.correction is not None and decision.correction.reply is None and decision.correction.messages is None:
            raise InvalidInputError("a negative's correction needs the desired reply", field="correction")
    decision_id = decisions_repo.append(conn, decision, reviewer_id=reviewer.id)
    # Both settings settling reads, in one statement: this runs on every review card.
    stored = settings_repo.get_many(conn, [OVERLAP_KEY, queue_order.SETTING])
    required = int(stored.get(OVERLAP_KEY, 1))
    return decision_id, _resettle(conn, decision.example_id, required, queue_order.from_setting(stored.get(queue_order.SETTING)))


def record(store: Store, actor: User, decision: Decision, *, known_rules: Collection[str] | None = None) -> tuple[int, Outcome]:
    """Record ``actor``'s decision (or a lead's adjudication / reopen) and settle the example."""
    require(actor, UserRole.REVIEWER)
    if decision.kind in (DecisionKind.ADJUDICATION, DecisionKind.REOPEN):
        require(actor, UserRole.LEAD)
    if decision.reviewer != actor.name:
        raise PermissionDeniedError(f"{actor.name} cannot record a decision as {decision.reviewer}")
    with store.write() as conn:
        decision_id, s = append_in(conn, decision, actor, known_rules=known_rules)
    return decision_id, s.outcome


def undo_last(store: Store, actor: User) -> Decision | None:
    """Retract the actor's most recent decision; returns it (None if nothing to undo)."""
    require(actor, UserRole.REVIEWER)
    with store.write() as conn:
        last = decisions_repo.last_by_reviewer(conn, actor.id)
        if last is None:
            return None
        examples_repo.lock(conn, last.example_id)
        retract_in(conn, actor, last.example_id, int(last.id or 0))
    return last


def reopen(store: Store, actor: User, example_ids: list[str], *, note: str = "") -> int:
    """Send examples back to the queue: earlier decisions stay in the log but no longer count."""
    require(actor, UserRole.LEAD)
    with store.write() as conn:
        required = required_decisions(conn)
        for eid in example_ids:
            examples_repo.lock(conn, eid)
            decisions_repo.append(conn, Decision(example_id=eid, reviewer=actor.name, kind=DecisionKind.REOPEN, note=note), reviewer_id=actor.id)
            _resettle(conn, eid, required)
    return len(example_ids)


def history(store: Store, example_id: str) -> list[Decision]:
    """An example's whole decision log, oldest first."""
    with store.read() as conn:
        examples_repo.get_row(conn, example_id)
        return decisions_repo.for_example(conn, example_id)


def resolve_reviewer(conn: Connection, name: str) -> User:
    """The named user (NotFoundError naming them if unknown)."""
    try:
        return users_repo.get_by_name(conn, name)
    except NotFoundError as exc:
        raise NotFoundError(f"unknown reviewer {name!r} (add them with `curator users add`)") from exc
