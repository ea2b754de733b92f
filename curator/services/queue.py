"""The review queue: claim the next example atomically, decide, skip, undo.

Two reviewers never hold the same example unless the overlap setting asks for more decisions
per example; then up to ``overlap`` different reviewers may hold it, never one reviewer twice.
On SQLite the store's write transaction (BEGIN IMMEDIATE) makes select-then-insert atomic; on
PostgreSQL candidate rows are locked FOR UPDATE SKIP LOCKED and the free slots re-read after
the lock is held.
"""

from __future__ import annotations

import random
import time as _clock
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy.engine import Connection

from curator.errors import PermissionDeniedError
from curator.models import Decision, DecisionKind, Example, Outcome, User, UserRole, utcnow
from curator.services import decisions as decisions_service
from curator.services.users import require
from curator.store import Store
from curator.store import claims as claims_repo
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store.claims import QueueFilter

CLAIM_TTL = timedelta(minutes=30)
GOLD_RATE = 1 / 20  # how often a gold example is slipped into a reviewer's queue
_BATCH = 8  # candidates read per query; more than one so a lost race costs no extra round trip

__all__ = ["CLAIM_TTL", "GOLD_RATE", "Claim", "Progress", "QueueFilter", "claim_example", "claim_next", "decide", "progress", "release", "skip", "undo"]


@dataclass(frozen=True)
class Claim:
    """An example held by a reviewer: the example, its place in import order, whether gold."""

    example: Example
    seq: int
    gold: bool = False


@dataclass(frozen=True)
class Progress:
    decided: int  # examples in the queue's scope that are no longer pending
    total: int  # examples in the queue's scope
    today: int  # the reviewer's own decisions since midnight UTC


def _claim(conn: Connection, actor: User, example_id: str, seq: int, *, now: datetime, ttl: timedelta) -> Claim:
    claims_repo.release_live(conn, actor.id, keep=example_id)
    claims_repo.put(conn, example_id, actor.id, now=now, expires_at=now + ttl)
    return Claim(examples_repo.get(conn, example_id), seq, claims_repo.is_gold(conn, example_id))


def claim_next(
    store: Store,
    actor: User,
    *,
    flt: QueueFilter | None = None,
    after_seq: int = 0,
    ttl: timedelta = CLAIM_TTL,
    gold_rate: float = GOLD_RATE,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> Claim | None:
    """The example this reviewer holds, else the next open one after ``after_seq`` (wrapping)."""
    require(actor, UserRole.REVIEWER)
    flt = flt or QueueFilter()
    gold = gold_rate > 0 and (rng or random).random() < gold_rate
    for _ in range(_BUSY_RETRIES):
        got = _claim_once(store, actor, flt, after_seq=after_seq, ttl=ttl, gold=gold, now=now or utcnow())
        if got is not _BUSY:
            return got  # type: ignore[return-value]
        # Every open example was locked by another reviewer's claim or decision: once they
        # commit a slot may open, so "queue empty" must not be answered while they are busy.
        _clock.sleep(0.02)
    return None


_BUSY = object()
_BUSY_RETRIES = 200


def _claim_once(store: Store, actor: User, flt: QueueFilter, *, after_seq: int, ttl: timedelta, gold: bool, now: datetime) -> object:
    lock = "skip" if store.dialect == "postgresql" else None
    with store.write() as conn:
        claims_repo.purge_expired(conn, now=now)
        for example_id, seq in claims_repo.held_by(conn, actor.id, now=now):
            if claims_repo.matches(conn, example_id, flt) or claims_repo.is_gold(conn, example_id):
                return _claim(conn, actor, example_id, seq, now=now, ttl=ttl)
        claims_repo.release_live(conn, actor.id)
        if gold:
            gold_id = claims_repo.gold_candidate(conn, actor.id, now=now)
            if gold_id is not None:
                return _claim(conn, actor, gold_id, int(examples_repo.get_row(conn, gold_id)["seq"]), now=now, ttl=ttl)
        required = decisions_service.required_decisions(conn)
        for start in [after_seq, 0] if after_seq > 0 else [0]:
            cursor = start
            while True:
                found = claims_repo.candidates(conn, actor.id, required=required, now=now, flt=flt, after_seq=cursor, limit=_BATCH, lock=lock)
                for seq, example_id in found:
                    # The candidate query read a snapshot; under the row lock, count again.
                    if not lock or claims_repo.open_slots(conn, example_id, required=required, now=now, exclude_user=actor.id) > 0:
                        return _claim(conn, actor, example_id, seq, now=now, ttl=ttl)
                if len(found) < _BATCH:
                    break
                cursor = found[-1][0]
        if lock and claims_repo.candidates(conn, actor.id, required=required, now=now, flt=flt, limit=1):
            return _BUSY
    return None


def claim_example(store: Store, actor: User, example_id: str, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> Claim:
    """Hold a named example (after an undo the reviewer goes back to it)."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        seq = int(examples_repo.get_row(conn, example_id)["seq"])
        return _claim(conn, actor, example_id, seq, now=now, ttl=ttl)


def decide(store: Store, actor: User, decision: Decision, *, known_rules: set[str] | None = None) -> tuple[int, Outcome]:
    """Record the actor's decision and let go of their claim, in one transaction."""
    require(actor, UserRole.REVIEWER)
    if decision.kind != DecisionKind.DECISION:
        require(actor, UserRole.LEAD)
    if decision.reviewer != actor.name:
        raise PermissionDeniedError(f"{actor.name} cannot record a decision as {decision.reviewer}")
    with store.write() as conn:
        decision_id, settlement = decisions_service.append_in(conn, decision, actor, known_rules=known_rules)
        claims_repo.release(conn, decision.example_id, actor.id)
    return decision_id, settlement.outcome


def skip(store: Store, actor: User, example_id: str, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> None:
    """Pass on an example: it stays away from this reviewer (and open to others) until the claim expires."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        examples_repo.get_row(conn, example_id)
        claims_repo.put(conn, example_id, actor.id, now=now, expires_at=now + ttl, skipped=True)


def release(store: Store, actor: User, example_id: str) -> None:
    """Give an example back to the queue (sign-out, filter change)."""
    require(actor, UserRole.REVIEWER)
    with store.write() as conn:
        claims_repo.release(conn, example_id, actor.id)


def undo(store: Store, actor: User) -> Decision | None:
    """Retract the actor's last decision and hold its example again; None if nothing to undo."""
    last = decisions_service.undo_last(store, actor)
    if last is not None:
        claim_example(store, actor, last.example_id)
    return last


def progress(store: Store, actor: User, *, flt: QueueFilter | None = None, now: datetime | None = None) -> Progress:
    """Decided / total in the queue's scope and the reviewer's own count today."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc)
    with store.read() as conn:
        total, decided = claims_repo.progress(conn, flt or QueueFilter())
        today = decisions_repo.count_by_reviewer_since(conn, actor.id, midnight)
    return Progress(decided=decided, total=total, today=today)


def today_count(store: Store, actor: User, *, now: datetime | None = None) -> int:
    """The reviewer's own decisions since midnight UTC (an indexed range count)."""
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc)
    with store.read() as conn:
        return decisions_repo.count_by_reviewer_since(conn, actor.id, midnight)
