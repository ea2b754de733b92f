"""Decide a near-duplicate cluster once: a decision on its representative, propagated to its members.

Each member gets its own decision, recorded with ``via_cluster`` (the representative's decision
id): the audit tells these from decisions on examples a reviewer read, and leaves them out of
inter-annotator agreement. Members someone already decided, or another reviewer holds, are
left as they are. The reviewer confirms the list of members they were shown (with each one's
word diff against the representative): a member that joined the cluster since is not decided.
A lead undoes a whole propagation as one action (retractions: the log keeps everything).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from curator.errors import ConflictError, InvalidInputError, NotFoundError
from curator.models import Decision, DecisionKind, Example, Outcome, User, UserRole, utcnow
from curator.services import blind, queue
from curator.services import decisions as decisions_service
from curator.services.outcomes import live_decisions
from curator.services.users import require
from curator.store import Connection, Store, cluster_store
from curator.store import claims as claims_repo
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo

MAX_MEMBERS = 100  # members one confirmation lists (and decides); a larger cluster takes several
MAX_TEXT = 20_000  # characters of each conversation the word diff compares


@dataclass(frozen=True)
class Member:
    """A cluster member as the confirmation shows it: ``status`` "open" or why it is left alone."""

    example_id: str
    seq: int
    kind: str  # exact or near
    similarity: float | None
    status: str  # "open", "decided", "held"
    why: str  # for a member left alone: what the confirmation says
    text: str  # the conversation as text, for the word diff against the representative


@dataclass(frozen=True)
class ClusterPreview:
    """The representative's cluster: its members and which of them a decision would reach."""

    cluster_id: str
    representative: str
    seq: int
    text: str
    members: list[Member]
    more: int = 0  # members beyond MAX_MEMBERS, not listed

    @property
    def open(self) -> list[Member]:
        return [m for m in self.members if m.status == "open"]


@dataclass(frozen=True)
class ClusterResult:
    """What a cluster decision did: the representative's decision, the members decided, those left."""

    decision_id: int
    outcome: Outcome
    decided: list[int] = field(default_factory=list)  # seqs of members that got the decision
    left: list[str] = field(default_factory=list)  # why each other listed member was left alone


def conversation_text(example: Example) -> str:
    """The conversation as one text (role, then content, per message) for the word diff."""
    text = "\n\n".join(f"{m.role.value}: {m.text}" for m in example.messages)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " …"


def _status(conn: Connection, viewer: User, example_id: str, row: object, *, now: datetime) -> tuple[str, str]:
    seq = row["seq"]  # type: ignore[index]
    outcome = Outcome(row["outcome"])  # type: ignore[index]
    if outcome != Outcome.PENDING or row["n_decisions"]:  # type: ignore[index]
        if blind.sees_everything(viewer):
            live, adjudication = live_decisions(decisions_repo.for_example(conn, example_id))
            who = ", ".join(f"{d.reviewer} ({d.verdict.value if d.verdict else '?'})" for d in [*live, *([adjudication] if adjudication else [])])
            return "decided", f"example {seq}: already decided by {who or 'someone'}; left as it is"
        return "decided", f"example {seq}: already decided by someone; left as it is"
    holders = claims_repo.holder_names(conn, example_id, now=now, exclude_user=viewer.id)
    if holders:
        return "held", f"example {seq}: {', '.join(holders)} is reviewing it now; left to them"
    return "open", ""


def _preview(conn: Connection, viewer: User, example_id: str, *, now: datetime) -> ClusterPreview | None:
    cluster = cluster_store.cluster_of(conn, example_id)
    if cluster is None:
        return None
    rep = next((m for m in cluster["members"] if m["is_representative"]), None)
    if rep is None or rep["example_id"] != example_id:
        return None
    others = [m for m in cluster["members"] if m["example_id"] != example_id]
    members = []
    for m in others[:MAX_MEMBERS]:
        row = examples_repo.get_row(conn, m["example_id"])
        status, why = _status(conn, viewer, m["example_id"], row, now=now)
        members.append(Member(m["example_id"], int(row["seq"]), str(m["kind"]), m["similarity"], status, why,
                              conversation_text(examples_repo.row_to_example(row))))
    seq = int(examples_repo.get_row(conn, example_id)["seq"])
    return ClusterPreview(cluster["id"], example_id, seq, conversation_text(examples_repo.get(conn, example_id)), members,
                          more=max(0, len(others) - MAX_MEMBERS))


def preview(store: Store, viewer: User, example_id: str, *, now: datetime | None = None) -> ClusterPreview | None:
    """The cluster ``example_id`` represents, as a confirmation shows it (None: it represents none)."""
    require(viewer, UserRole.REVIEWER)
    with store.read() as conn:
        return _preview(conn, viewer, example_id, now=now or utcnow())


def _propagate_in(conn: Connection, actor: User, source: Decision, members: Sequence[str], *, now: datetime) -> tuple[list[int], list[str]]:
    """Give each listed open member its own copy of ``source`` (with via_cluster)."""
    if not members:
        raise InvalidInputError("no cluster members confirmed", field="members")
    cluster = cluster_store.cluster_of(conn, source.example_id)
    rep = next((m["example_id"] for m in cluster["members"] if m["is_representative"]), None) if cluster else None
    if cluster is None or rep != source.example_id:
        raise ConflictError("this example is no longer the representative of a cluster (dedup ran again?); nothing propagated")
    listed = {m["example_id"] for m in cluster["members"]} - {rep}
    decided: list[int] = []
    left: list[str] = []
    for example_id in sorted(dict.fromkeys(members)):  # one lock order for every writer
        if example_id not in listed:
            left.append(f"{example_id}: not a member of this cluster now; left as it is")
            continue
        row = examples_repo.lock(conn, example_id)
        status, why = _status(conn, actor, example_id, row, now=now)
        if status != "open":
            left.append(why)
            continue
        copy = Decision(example_id=example_id, reviewer=actor.name, verdict=source.verdict, rules=list(source.rules),
                        note=source.note, guideline_version=source.guideline_version, via_cluster=source.id, created_at=now)
        decisions_service.append_in(conn, copy, actor)
        claims_repo.release(conn, example_id, actor.id)  # the look-ahead may hold it: it is decided now
        decided.append(int(row["seq"]))
    return sorted(decided), left


def decide_cluster(
    store: Store,
    actor: User,
    decision: Decision,
    *,
    token: str,
    members: Sequence[str],
    known_rules: set[str] | None = None,
    now: datetime | None = None,
) -> ClusterResult:
    """Decide the representative (against its claim, as queue.decide does) and the confirmed members.

    One transaction: either the representative and every open confirmed member are decided, or nothing.
    """
    require(actor, UserRole.REVIEWER)
    if decision.kind != DecisionKind.DECISION or decision.reviewer != actor.name:
        raise InvalidInputError("a cluster decision is the reviewer's own decision", field="kind")
    if decision.correction is not None:
        raise InvalidInputError("a correction fits one example only: decide the representative alone to correct it", field="correction")
    decisions_service.check_reason(decision)
    now = now or utcnow()
    with store.write() as conn:
        decision_id = queue.decide_in(conn, actor, decision, token=token, known_rules=known_rules, now=now).decision_id
        source = decision.model_copy(update={"id": decision_id})
        decided, left = _propagate_in(conn, actor, source, members, now=now)
        outcome = Outcome(examples_repo.get_row(conn, decision.example_id)["outcome"])
    return ClusterResult(decision_id, outcome, decided, left)


def propagate(store: Store, actor: User, decision_id: int, members: Sequence[str], *, now: datetime | None = None) -> ClusterResult:
    """A lead applies a decision standing on a representative to the confirmed members of its cluster."""
    require(actor, UserRole.LEAD)
    now = now or utcnow()
    with store.write() as conn:
        source = decisions_repo.get(conn, decision_id)
        if source is None or source.kind not in (DecisionKind.DECISION, DecisionKind.ADJUDICATION) or source.via_cluster is not None:
            raise NotFoundError(f"no decision {decision_id} read on a representative")
        examples_repo.lock(conn, source.example_id)
        live, adjudication = live_decisions(decisions_repo.for_example(conn, source.example_id))
        if decision_id not in {d.id for d in [*live, *([adjudication] if adjudication else [])]}:
            raise ConflictError(f"decision {decision_id} no longer counts (undone, changed or reopened)")
        decided, left = _propagate_in(conn, actor, source, members, now=now)
        outcome = Outcome(examples_repo.get_row(conn, source.example_id)["outcome"])
    return ClusterResult(decision_id, outcome, decided, left)


def standing_on(store: Store, actor: User, example_id: str) -> list[Decision]:
    """The decisions counting on an example that a lead may propagate (read there, not propagated)."""
    require(actor, UserRole.LEAD)
    with store.read() as conn:
        examples_repo.get_row(conn, example_id)
        live, adjudication = live_decisions(decisions_repo.for_example(conn, example_id))
    return [d for d in [*live, *([adjudication] if adjudication else [])] if d.via_cluster is None]


def undo_propagation(store: Store, actor: User, decision_id: int) -> int:
    """Retract every decision still standing that was propagated from ``decision_id``; how many.

    The representative's own decision stays: it was read.
    """
    require(actor, UserRole.LEAD)
    with store.write() as conn:
        copies = decisions_repo.propagated_from(conn, decision_id)
        for copy in copies:
            examples_repo.lock(conn, copy.example_id)
            decisions_service.retract_in(conn, actor, copy.example_id, int(copy.id or 0))
    return len(copies)


@dataclass(frozen=True)
class Propagation:
    """A representative's decision and how many of its propagated decisions still stand."""

    decision: Decision
    seq: int
    standing: int


def propagations(store: Store, actor: User, *, limit: int = 50) -> list[Propagation]:
    """The latest propagations with decisions still standing (for the lead page), newest first."""
    require(actor, UserRole.LEAD)
    with store.read() as conn:
        return [Propagation(d, int(examples_repo.get_row(conn, d.example_id)["seq"]), n)
                for d, n in decisions_repo.propagations(conn, limit=limit)]


__all__ = ["MAX_MEMBERS", "ClusterPreview", "ClusterResult", "Member", "Propagation", "conversation_text", "decide_cluster",
           "preview", "propagate", "propagations", "standing_on", "undo_propagation"]
