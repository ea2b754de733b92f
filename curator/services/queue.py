"""The review queue: deal claims atomically, decide against a claim, skip, undo, change.

Two reviewers never hold the same example unless the overlap setting asks for more decisions
per example; then up to ``overlap`` different reviewers may hold it, never one reviewer twice.
On SQLite the store's write transaction (BEGIN IMMEDIATE) makes select-then-insert atomic; on
PostgreSQL candidate rows are locked FOR UPDATE SKIP LOCKED and the free slots re-read after
the lock is held.

Every claim carries a random token. A decision or a skip names the token of the claim it
answers, and is refused once that claim is no longer the reviewer's (decided in another tab,
expired and taken by someone else, released): a stale tab or a replayed request records
nothing. A reviewer holds the example on screen and one more (the look-ahead the review card
paints the moment a decision is made); both are renewed on every page run.
"""

from __future__ import annotations

import random
import secrets
import time as _clock
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from types import ModuleType  # the random module itself: its shared generator
from typing import NamedTuple, cast

from curator.errors import ConflictError, NotFoundError, PermissionDeniedError
from curator.models import Decision, DecisionKind, Example, Outcome, User, UserRole, Verdict, as_utc, utcnow
from curator.services import decisions as decisions_service
from curator.services.users import require
from curator.store import Connection, Store
from curator.store import claims as claims_repo
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import users as users_repo
from curator.store.claims import FIRST_RANK as FIRST_RANK  # the cursor pages start from
from curator.store.claims import QueueFilter as QueueFilter  # the filter pages build

CLAIM_TTL = timedelta(minutes=30)
RENEW_AFTER = timedelta(minutes=1)  # a page run renews claims renewed longer ago than this
GOLD_RATE = 1 / 20  # how often a gold example is slipped into a reviewer's queue
HAND = 2  # examples a reviewer holds: the one on screen and the next
_BATCH = 8  # candidates read per query; more than one so a lost race costs no extra round trip

__all__ = [
    "CLAIM_TTL", "GOLD_RATE", "Claim", "ClaimLostError", "Hand", "Progress", "QueueFilter", "Recent", "Recorded", "Undone",
    "claim_example", "claim_next", "deal", "decide", "decide_in", "jump", "progress", "recent", "release", "release_all",
    "reopen", "skip", "today_count", "undo", "undo_decision",
]


class ClaimLostError(ConflictError):
    """The decision answers a claim the reviewer no longer holds; nothing was recorded."""


@dataclass(frozen=True)
class Claim:
    """An example held by a reviewer: the example, its number (seq), the claim's token.

    ``replaces`` is the reviewer's own earlier decision on it when they reopened it to change it.
    """

    example: Example
    seq: int
    gold: bool = False
    token: str = ""
    replaces: int | None = None
    rank: int = 0  # its place in the queue (the keyset cursor); seq in import order


@dataclass(frozen=True)
class Hand:
    """What the review card shows: the current claim, the next one, and claims lost meanwhile."""

    current: Claim | None
    next: Claim | None = None
    lost: list[str] = field(default_factory=list)


class Recorded(NamedTuple):
    """A decision recorded against a claim: its id, the example's outcome now, the example's number."""

    decision_id: int
    outcome: Outcome
    seq: int


@dataclass(frozen=True)
class Undone:
    """What an undo took back: a decision (with its verdict) or a skip."""

    kind: str  # "decision" or "skip"
    example_id: str
    seq: int
    verdict: Verdict | None = None
    held: bool = True  # the reviewer holds the example again (False: the overlap left no place)
    held_by: tuple[str, ...] = ()  # who holds it instead, when not held

    @property
    def why_not_held(self) -> str:
        """Why the example did not come back to the reviewer ('' when it did)."""
        if self.held:
            return ""
        return f"{', '.join(self.held_by)} has it now" if self.held_by else "it has all the decisions it needs"


@dataclass(frozen=True)
class Recent:
    """One of the reviewer's latest decisions, for the recent-decisions list."""

    decision: Decision
    seq: int
    live: bool


@dataclass(frozen=True)
class Progress:
    decided: int  # examples in the queue's scope that are no longer pending
    total: int  # examples in the queue's scope
    today: int  # the reviewer's own decisions since midnight UTC


def _token() -> str:
    return secrets.token_hex(16)


def _hold(conn: Connection, actor: User, example_id: str, *, now: datetime, ttl: timedelta) -> str:
    token = _token()
    claims_repo.put(conn, example_id, actor.id, now=now, expires_at=now + ttl, token=token)
    return token


def _as_claim(conn: Connection, actor: User, example_id: str, seq: int, token: str, rank: int | None = None) -> Claim:
    return Claim(
        examples_repo.get(conn, example_id), seq, claims_repo.is_gold(conn, example_id), token,
        claims_repo.live_decision(conn, example_id, actor.id), seq if rank is None else rank,
    )


# --- dealing --------------------------------------------------------------------------------
_BUSY = object()
_BUSY_RETRIES = 200


def deal(
    store: Store,
    actor: User,
    *,
    flt: QueueFilter | None = None,
    after_rank: int = FIRST_RANK,
    hand: int = HAND,
    shown: tuple[tuple[str, str, int], ...] = (),
    ttl: timedelta = CLAIM_TTL,
    gold_rate: float = GOLD_RATE,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> Hand:
    """The reviewer's claims, topped up to ``hand`` and renewed; the oldest is the current one.

    ``shown`` are (example id, token, seq) of claims this tab showed: any of them no longer
    held is reported in ``lost`` (expired and taken by another reviewer, or released).
    ``after_rank`` is the queue cursor: the rank of the last example this tab was dealt; the
    queue's strategy (curator.services.queue_order) decided the ranks beforehand.
    """
    require(actor, UserRole.REVIEWER)
    flt = flt or QueueFilter()
    for _ in range(_BUSY_RETRIES):
        got = _deal_once(store, actor, flt, after_rank=after_rank, hand=hand, shown=shown, ttl=ttl,
                         gold_rate=gold_rate, rng=rng or random, now=now or utcnow())
        if got is not _BUSY:
            return got  # type: ignore[return-value]
        # Every open example was locked by another reviewer's claim or decision: once they
        # commit a slot may open, so "queue empty" must not be answered while they are busy.
        _clock.sleep(0.02)
    return Hand(None)


def _deal_once(store: Store, actor: User, flt: QueueFilter, *, after_rank: int, hand: int, shown: tuple[tuple[str, str, int], ...],
               ttl: timedelta, gold_rate: float, rng: random.Random | ModuleType, now: datetime) -> object:
    lock = "skip" if store.dialect == "postgresql" else None
    with store.write() as conn:
        claims_repo.purge_expired(conn, now=now)
        held: list[claims_repo.Held] = []
        for h in claims_repo.held_by(conn, actor.id, now=now, flt=flt):
            keep = len(held) < hand and (h.matches or h.gold or h.live is not None)  # reopened to change: kept
            if not keep:
                claims_repo.release(conn, h.example_id, actor.id)
            elif h.token is None:  # a claim from before tokens existed
                held.append(replace(h, token=_hold(conn, actor, h.example_id, now=now, ttl=ttl), expires_at=now + ttl))
            else:
                held.append(h)
        busy = False
        while len(held) < hand:
            cursor = held[-1].rank if held else after_rank
            found = _next_open(conn, actor, flt, after_rank=cursor, lock=lock, gold=gold_rate > 0 and rng.random() < gold_rate, now=now)
            if found is _BUSY:
                busy = not held
                break
            if found is None:
                break
            example_id, seq, rank, is_gold = cast(tuple[str, int, int, bool], found)
            # Distinct times keep "oldest claim first" the order they were dealt in.
            at = now + timedelta(microseconds=len(held))
            token = _token()
            claims_repo.put(conn, example_id, actor.id, now=at, expires_at=now + ttl, token=token)
            held.append(claims_repo.Held(example_id, seq, token, is_gold, None, True, rank, now + ttl))
        if busy:
            return _BUSY
        # A claim renewed a moment ago keeps its time: one write less on nearly every card.
        if any(h.expires_at is None or h.expires_at < now + ttl - RENEW_AFTER for h in held):
            claims_repo.renew(conn, actor.id, expires_at=now + ttl)
        tokens = {h.token for h in held}
        lost = [_lost_message(conn, actor, eid, seq, now=now) for eid, token, seq in shown if token not in tokens]
        found_examples = examples_repo.get_many(conn, [h.example_id for h in held])
        cards = [Claim(found_examples[h.example_id], h.seq, h.gold, str(h.token), h.live, h.rank) for h in held]
    return Hand(cards[0] if cards else None, cards[1] if len(cards) > 1 else None, [m for m in lost if m])


def _next_open(conn: Connection, actor: User, flt: QueueFilter, *, after_rank: int, lock: str | None, gold: bool, now: datetime) -> object:
    """(example id, seq, rank, gold) of the next example the reviewer may claim, None, or _BUSY."""
    if gold:
        gold_id = claims_repo.gold_candidate(conn, actor.id, now=now)
        if gold_id is not None:
            row = examples_repo.get_row(conn, gold_id)
            return gold_id, int(row["seq"]), int(row["queue_rank"] if row["queue_rank"] is not None else row["seq"]), True
    required = decisions_service.required_decisions(conn)
    for start in [after_rank, FIRST_RANK] if after_rank > FIRST_RANK else [FIRST_RANK]:
        cursor = start
        while True:
            found = claims_repo.candidates(conn, actor.id, required=required, now=now, flt=flt, after_rank=cursor, limit=_BATCH, lock=lock)
            for rank, example_id, seq, is_gold in found:
                # The candidate query read a snapshot; under the row lock, count again.
                if not lock or claims_repo.open_slots(conn, example_id, required=required, now=now, exclude_user=actor.id) > 0:
                    return example_id, seq, rank, is_gold
            if len(found) < _BATCH:
                break
            cursor = found[-1][0]
    if lock and claims_repo.candidates(conn, actor.id, required=required, now=now, flt=flt, limit=1):
        return _BUSY
    return None


def _lost_message(conn: Connection, actor: User, example_id: str, seq: int, *, now: datetime) -> str:
    """Why a claim the reviewer was shown is gone ('' when they let go of it themselves)."""
    if claims_repo.still_theirs(conn, example_id, actor.id):
        return ""  # skipped or decided (here or in another tab): not lost
    others = claims_repo.holder_names(conn, example_id, now=now, exclude_user=actor.id)
    if others:
        return f"Your hold on example {seq} expired and {', '.join(others)} has it now."
    return f"Your hold on example {seq} expired; it is back in the queue."


def claim_next(
    store: Store,
    actor: User,
    *,
    flt: QueueFilter | None = None,
    after_rank: int = FIRST_RANK,
    ttl: timedelta = CLAIM_TTL,
    gold_rate: float = GOLD_RATE,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> Claim | None:
    """The example this reviewer holds, else the next open one after ``after_rank`` (wrapping)."""
    return deal(store, actor, flt=flt, after_rank=after_rank, hand=1, ttl=ttl, gold_rate=gold_rate, rng=rng, now=now).current


def claim_example(store: Store, actor: User, example_id: str, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> Claim:
    """Make a named example the reviewer's current one (their other claims go back to the queue)."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        return _take(conn, actor, example_id, now=now, ttl=ttl)


def _take(conn: Connection, actor: User, example_id: str, *, now: datetime, ttl: timedelta) -> Claim:
    row = examples_repo.get_row(conn, example_id)
    claims_repo.release_live(conn, actor.id)
    claims_repo.release(conn, example_id, actor.id)  # a skip of it, if any
    token = _hold(conn, actor, example_id, now=now, ttl=ttl)
    return _as_claim(conn, actor, example_id, int(row["seq"]), token, row["queue_rank"])


# --- answering a claim ----------------------------------------------------------------------
def _check_claim(conn: Connection, actor: User, example_id: str, token: str, seq: int, *, now: datetime) -> int | None:
    """Refuse (ClaimLostError, saying why) unless the reviewer holds this claim right now.

    Returns the reviewer's decision on the example that counts (they reopened it to change it), if any.
    """
    held = claims_repo.standing(conn, example_id, actor.id)
    if held.skipped is False and token and held.token == token:
        return held.live  # held (even if just past its expiry: nobody can have taken it, purges come first)
    if held.live is not None and held.token != token:
        raise ClaimLostError(f"You already decided example {seq} (in another tab?); nothing recorded. "
                             "To change it, reopen it from your recent decisions.")
    others = claims_repo.holder_names(conn, example_id, now=now, exclude_user=actor.id)
    if others:
        raise ClaimLostError(f"Your hold on example {seq} expired and {', '.join(others)} has it now; nothing recorded.")
    if held.skipped:
        raise ClaimLostError(f"You skipped example {seq} (in another tab?); nothing recorded. Undo the skip to decide it.")
    raise ClaimLostError(f"Your hold on example {seq} ended (expired or released); nothing recorded. It is back in the queue.")


def decide(
    store: Store,
    actor: User,
    decision: Decision,
    *,
    token: str,
    known_rules: set[str] | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Record the actor's decision on the claim ``token`` names, and let go of the claim.

    A reject needs a violated rule or a note. If the reviewer already has a decision on the
    example that counts (they reopened it to change it), that one is retracted in the same
    transaction: one reviewer never has two live decisions on one example.
    """
    require(actor, UserRole.REVIEWER)
    if decision.kind != DecisionKind.DECISION:
        require(actor, UserRole.LEAD)
    if decision.reviewer != actor.name:
        raise PermissionDeniedError(f"{actor.name} cannot record a decision as {decision.reviewer}")
    decisions_service.check_reason(decision)
    with store.write() as conn:
        return decide_in(conn, actor, decision, token=token, known_rules=known_rules, now=now or utcnow())


def decide_in(conn: Connection, actor: User, decision: Decision, *, token: str, known_rules: set[str] | None, now: datetime) -> Recorded:
    """decide() within an open transaction (the caller checked role and reason)."""
    seq = int(examples_repo.lock(conn, decision.example_id)["seq"])
    earlier = _check_claim(conn, actor, decision.example_id, token, seq, now=now)
    if earlier is not None:
        decisions_service.retract_in(conn, actor, decision.example_id, earlier)
    decision_id, settlement = decisions_service.append_in(conn, decision, actor, known_rules=known_rules, locked=True)
    claims_repo.release(conn, decision.example_id, actor.id)
    return Recorded(decision_id, settlement.outcome, seq)


def skip(store: Store, actor: User, example_id: str, *, token: str, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> int:
    """Pass on a held example: it stays away from this reviewer (open to others) until it expires.

    Returns the example's number (seq).
    """
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        seq = int(examples_repo.lock(conn, example_id)["seq"])
        _check_claim(conn, actor, example_id, token, seq, now=now)
        claims_repo.put(conn, example_id, actor.id, now=now, expires_at=now + ttl, skipped=True, token=token)
    return seq


def release(store: Store, actor: User, example_id: str) -> None:
    """Give one example back to the queue."""
    require(actor, UserRole.REVIEWER)
    with store.write() as conn:
        claims_repo.release(conn, example_id, actor.id)


def release_all(store: Store, actor: User) -> None:
    """Give back every example the reviewer holds (sign-out, filter change); skips stay."""
    with store.write() as conn:
        claims_repo.release_live(conn, actor.id)


# --- taking back ----------------------------------------------------------------------------
def _last_action(conn: Connection, actor: User, *, now: datetime) -> tuple[str, str, Decision | None] | None:
    """The reviewer's last action an undo takes back: ("skip", example id, None) or ("decision", id, it)."""
    last = decisions_repo.last_by_reviewer(conn, actor.id)
    skipped = claims_repo.last_skip(conn, actor.id, now=now)
    if last is not None and last.kind != DecisionKind.DECISION:
        last = None  # an adjudication is changed on the lead page, not undone here
    if skipped is not None and (last is None or as_utc(skipped[1]) >= last.created_at):
        return "skip", skipped[0], None
    if last is None:
        return None
    return "decision", last.example_id, last


def _closed_to(conn: Connection, actor: User, example_id: str, *, now: datetime) -> tuple[str, tuple[str, ...]] | None:
    """Why the reviewer may not hold the example now ("settled" or "full", and who holds it),
    None if they may. Call with the example's row locked, so claims being made on it have
    committed and the counts are the current ones."""
    if claims_repo.live_decision(conn, example_id, actor.id) is not None:
        return None  # their decision counts: theirs to change
    row = examples_repo.get_row(conn, example_id)
    if row["outcome"] not in (Outcome.PENDING.value, Outcome.CONFLICT.value):
        return "settled", ()
    held = claims_repo.get(conn, example_id, actor.id)
    required = decisions_service.required_decisions(conn)
    if (held is None or held["skipped"]) and claims_repo.open_slots(conn, example_id, required=required, now=now, exclude_user=actor.id) <= 0:
        return "full", tuple(claims_repo.holder_names(conn, example_id, now=now, exclude_user=actor.id))
    return None


def _take_back(conn: Connection, actor: User, kind: str, example_id: str, verdict: Verdict | None, *, now: datetime, ttl: timedelta) -> Undone:
    """Hold the example of an undone action again, if the overlap leaves the reviewer a place.

    Others may have claimed it meanwhile (a skipped example is open to them; a lead may have
    reopened a decided one): then the undo stands, but the example stays theirs.
    """
    closed = _closed_to(conn, actor, example_id, now=now)
    if closed is None:
        claim = _take(conn, actor, example_id, now=now, ttl=ttl)
        return Undone(kind, example_id, claim.seq, verdict)
    claims_repo.release(conn, example_id, actor.id)  # the skip, if any: taken back
    seq = int(examples_repo.get_row(conn, example_id)["seq"])
    return Undone(kind, example_id, seq, verdict, held=False, held_by=closed[1])


def undo(store: Store, actor: User, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> Undone | None:
    """Take back the reviewer's last action, a decision or a skip, and hold its example again."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        # One undo at a time per reviewer: two at once (two tabs, a key pressed twice) would
        # both take back the same last action. Then the example's lock, and the last action
        # read again under it (whoever held the lock may have changed it).
        users_repo.serialise(conn, actor.id)
        last = _last_action(conn, actor, now=now)
        if last is None:
            return None
        examples_repo.lock(conn, last[1])
        if _last_action(conn, actor, now=now) != last:
            raise ConflictError("your last action changed meanwhile (another tab?); nothing undone, try again")
        kind, example_id, decision = last
        if decision is not None:
            decisions_service.retract_in(conn, actor, example_id, int(decision.id or 0))
        return _take_back(conn, actor, kind, example_id, decision.verdict if decision else None, now=now, ttl=ttl)


def _own_live(conn: Connection, actor: User, decision_id: int) -> Decision:
    found = decisions_repo.get(conn, decision_id)
    if found is None or found.reviewer != actor.name or found.kind != DecisionKind.DECISION:
        raise NotFoundError(f"no decision {decision_id} of yours")
    if claims_repo.live_decision(conn, found.example_id, actor.id) != decision_id:
        raise ConflictError(f"decision {decision_id} no longer counts (undone, changed or reopened by a lead)")
    return found


def undo_decision(store: Store, actor: User, decision_id: int, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> Undone:
    """Retract one of the reviewer's own decisions (from the recent list) and hold its example."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        users_repo.serialise(conn, actor.id)  # one undo at a time per reviewer (see undo)
        found = _own_live(conn, actor, decision_id)
        examples_repo.lock(conn, found.example_id)
        decisions_service.retract_in(conn, actor, found.example_id, decision_id)
        return _take_back(conn, actor, "decision", found.example_id, found.verdict, now=now, ttl=ttl)


def reopen(store: Store, actor: User, decision_id: int, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> Claim:
    """Hold the example of one of the reviewer's decisions again to change it (it counts until then)."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        found = _own_live(conn, actor, decision_id)
        return _take(conn, actor, found.example_id, now=now, ttl=ttl)


def jump(store: Store, actor: User, ref: str, *, ttl: timedelta = CLAIM_TTL, now: datetime | None = None) -> Claim:
    """Hold the example named by its id or ``source:line`` (to change it, if already decided)."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    with store.write() as conn:
        example_id = _resolve(conn, ref.strip())
        row = examples_repo.lock(conn, example_id)  # a claim being made on it commits first
        closed = _closed_to(conn, actor, example_id, now=now)
        if closed is not None and closed[0] == "settled":
            raise ConflictError(f"example {row['seq']} is already settled; the Browse page shows it")
        if closed is not None:
            who = f"{', '.join(closed[1])} holds it" if closed[1] else "it has all the decisions it needs"
            raise ConflictError(f"example {row['seq']} is not open to you: {who}")
        return _take(conn, actor, example_id, now=now, ttl=ttl)


def _resolve(conn: Connection, ref: str) -> str:
    if not ref:
        raise NotFoundError("name an example: its id, or source:line")
    try:
        examples_repo.get_row(conn, ref)
        return ref
    except NotFoundError:
        pass
    source, sep, line = ref.rpartition(":")
    if sep and source and line.strip().isdigit():
        ids = examples_repo.find_by_place(conn, source.strip(), int(line))
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise ConflictError(f"{ref} names {len(ids)} examples; use the example id")
    raise NotFoundError(f"no example {ref!r}: give its id, or source:line as imported (e.g. chats.jsonl:12)")



# --- figures --------------------------------------------------------------------------------
def recent(store: Store, actor: User, *, limit: int = 20) -> list[Recent]:
    """The reviewer's latest decisions, newest first, and whether each still counts."""
    require(actor, UserRole.REVIEWER)
    with store.read() as conn:
        return [Recent(d, seq, live) for d, seq, live in decisions_repo.recent_by_reviewer(conn, actor.id, limit=limit)]


def progress(store: Store, actor: User, *, flt: QueueFilter | None = None, now: datetime | None = None) -> Progress:
    """Decided / total in the queue's scope and the reviewer's own count today."""
    require(actor, UserRole.REVIEWER)
    with store.read() as conn:
        total, decided = claims_repo.progress(conn, flt or QueueFilter())
    return Progress(decided=decided, total=total, today=today_count(store, actor, now=now))


def scope_progress(store: Store, flt: QueueFilter) -> tuple[int, int]:
    """(total, decided) in the filter's scope over every reviewer: a count the app runs off the keypress path."""
    with store.read() as conn:
        return claims_repo.progress(conn, flt)


def today_count(store: Store, actor: User, *, now: datetime | None = None) -> int:
    """The reviewer's own decisions since midnight UTC (an indexed range count)."""
    require(actor, UserRole.REVIEWER)
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    with store.read() as conn:
        return decisions_repo.count_by_reviewer_since(conn, actor.id, midnight)
