"""Queue strategies: a lead chooses the order reviewers are served in, per source or for everyone.

The order is precomputed into ``examples.queue_rank`` when a strategy is set and kept current
when what it depends on changes (an import, a dedup run, new flags, a sample batch; a decision
under disagreement-first), so dealing the next example stays one indexed keyset query
whatever the strategy (curator.store.claims). Orderings themselves are pure: curator.ordering.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from curator.errors import InvalidInputError, NotFoundError
from curator.guidelines import guideline_set_from_snapshot
from curator.models import Decision, User, UserRole
from curator.ordering import DESCRIPTIONS, TIER, Item, Strategy, base_ranks, disagreement_tier, lift_sampled, severity_tiers
from curator.services.outcomes import live_decisions
from curator.services.users import require
from curator.store import Connection, Store, guideline_store, queue_ranks
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import settings as settings_repo
from curator.store.queue_ranks import topic

SETTING = "queue_strategy"
_OPEN = ("pending", "conflict")  # outcomes a reviewer's queue can serve
DEFAULT = "default"  # as a source's strategy: follow the strategy for everyone

__all__ = ["DEFAULT", "SETTING", "Choice", "Rerank", "Serving", "Strategies", "Strategy", "describe", "for_source", "get",
           "from_setting", "lift_sampled_now", "refresh", "rerank_example", "serving", "set_strategy"]


@dataclass(frozen=True)
class Choice:
    strategy: Strategy = Strategy.FIXED
    seed: int = 0

    def label(self) -> str:
        return f"{self.strategy.value} (seed {self.seed})" if self.strategy == Strategy.RANDOM else self.strategy.value


@dataclass(frozen=True)
class Strategies:
    """The strategy for everyone, the sources that have their own, and a revision counter that
    changes whenever the order does (a review tab restarts its cursor at the head then)."""

    everyone: Choice = Choice()
    sources: dict[str, Choice] = field(default_factory=dict)
    revision: int = 0

    def for_source(self, source: str) -> Choice:
        return self.sources.get(source, self.everyone)

    def to_json(self) -> dict[str, Any]:
        def one(c: Choice) -> dict[str, Any]:
            return {"strategy": c.strategy.value, "seed": c.seed, "description": DESCRIPTIONS[c.strategy]}

        return {"everyone": one(self.everyone), "sources": {s: one(c) for s, c in sorted(self.sources.items())},
                "revision": self.revision}


@dataclass(frozen=True)
class Rerank:
    """What setting or refreshing a strategy did."""

    examples: int  # examples whose order was computed
    changed: int  # of which the queue rank changed
    seconds: float


def parse(name: str) -> Strategy:
    try:
        return Strategy(name.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in Strategy)
        raise InvalidInputError(f"unknown queue strategy {name!r}: choose one of {known}", field="strategy") from None


def describe(choice: Choice) -> str:
    return f"{choice.label()}: {DESCRIPTIONS[choice.strategy]}"


def _read(conn: Connection) -> Strategies:
    return from_setting(settings_repo.get(conn, SETTING, None))


def from_setting(raw: Any) -> Strategies:
    """The strategies from the stored setting's value (None or malformed parts: the defaults)."""
    raw = raw if isinstance(raw, dict) else {}

    def one(value: Any) -> Choice:
        value = value if isinstance(value, dict) else {}
        try:
            return Choice(Strategy(value.get("strategy", "fixed")), int(value.get("seed", 0)))
        except (ValueError, TypeError):
            return Choice()

    return Strategies(one(raw.get("everyone")), {str(k): one(v) for k, v in (raw.get("sources") or {}).items()},
                      int(raw.get("revision", 0)))


def _write(conn: Connection, s: Strategies) -> None:
    settings_repo.put(conn, SETTING, {
        "everyone": {"strategy": s.everyone.strategy.value, "seed": s.everyone.seed},
        "sources": {k: {"strategy": c.strategy.value, "seed": c.seed} for k, c in s.sources.items()},
        "revision": s.revision,
    })


def get(store: Store) -> Strategies:
    """The strategies in force."""
    with store.read() as conn:
        return _read(conn)


def source_names(store: Store) -> list[str]:
    """Every source, for choosing one to give its own strategy."""
    with store.read() as conn:
        return sorted(examples_repo.counts_by(conn, "source_name"))


def for_source(store: Store, source: str) -> Choice:
    """The strategy that serves a source's examples."""
    return get(store).for_source(source)


def set_strategy(store: Store, actor: User, name: str, *, source: str | None = None, seed: int = 0) -> Rerank:
    """Serve everyone (or one source) in the order of strategy ``name``; leads only.

    For one source, ``default`` drops its own strategy so it follows the strategy for everyone.
    The new order is computed in the same transaction, so no reviewer is dealt from a half-made
    order.
    """
    require(actor, UserRole.LEAD)
    started = time.perf_counter()
    severity = _severities(store)
    with store.write() as conn:
        current = _read(conn)
        sources = dict(current.sources)
        everyone = current.everyone
        if source is not None:
            if not examples_repo.count(conn, examples_repo.ExampleFilter(sources=[source])):
                raise NotFoundError(f"no source named {source!r}: `curator stats` lists the sources")
            if name.strip().lower() == DEFAULT:
                sources.pop(source, None)
            else:
                sources[source] = Choice(parse(name), seed)
        else:
            everyone = Choice(parse(name), seed)
        updated = Strategies(everyone, sources, current.revision + 1)
        _write(conn, updated)
        # Every group, not only the one named: a source that stops having its own strategy
        # joins everyone else's order.
        done, changed = _rank_groups(conn, updated, severity=severity)
    return Rerank(done, changed, time.perf_counter() - started)


def refresh(store: Store, *, because: Collection[Strategy] | None = None) -> Rerank:
    """Recompute the order of every group whose strategy depends on what changed.

    ``because``: the strategies affected (an import affects all of them, a dedup run only
    diverse). Groups in import order need nothing: a new example's rank is its seq already.
    This reads every example of the groups concerned (seconds at 1M), once per import.
    """
    started = time.perf_counter()
    s = get(store)
    wanted = set(because) if because is not None else set(Strategy)
    wanted.discard(Strategy.FIXED)
    used = {s.everyone.strategy, *(c.strategy for c in s.sources.values())}
    if not wanted & used:
        return Rerank(0, 0, 0.0)
    severity = _severities(store) if Strategy.FLAGGED_FIRST in wanted & used else {}
    with store.write() as conn:
        done, changed = _rank_groups(conn, _read(conn), severity=severity, strategies=wanted)
    return Rerank(done, changed, time.perf_counter() - started)


def _severities(store: Store) -> dict[str, str]:
    """{rule id: severity} of the guideline in force."""
    with store.read() as conn:
        found = guideline_store.current(conn)
    if found is None:
        return {}
    gs = guideline_set_from_snapshot(json.loads(found[1]))
    return {r.id: str(r.severity) for r in gs.rules}


def _groups(s: Strategies) -> list[tuple[Choice, list[str], bool]]:
    """(strategy, sources, exclude): each source with its own strategy, then everyone else."""
    return [(c, [name], False) for name, c in sorted(s.sources.items())] + [(s.everyone, sorted(s.sources), True)]


def _rank_groups(conn: Connection, s: Strategies, *, severity: dict[str, str],
                 strategies: Collection[Strategy] | None = None) -> tuple[int, int]:
    done = changed = 0
    for choice, sources, exclude in _groups(s):
        if strategies is not None and choice.strategy not in strategies:
            continue
        n, c = _rank_group(conn, choice, queue_ranks.group_cond(sources, exclude=exclude), severity)
        done, changed = done + n, changed + c
    return done, changed


def _rank_group(conn: Connection, choice: Choice, cond: Any, severity: dict[str, str]) -> tuple[int, int]:
    strategy = choice.strategy
    clusters = queue_ranks.cluster_rows(conn, cond) if strategy == Strategy.DIVERSE else {}
    items: list[Item] = []
    current: dict[int, int | None] = {}
    by_id: dict[str, int] = {}
    for row in queue_ranks.rows(conn, cond, metadata=strategy == Strategy.DIVERSE):
        cluster = clusters.get(row["id"])
        items.append(Item(int(row["seq"]), row["id"], row["source_name"], topic(row.get("metadata")),
                          cluster[0] if cluster else None, bool(cluster and cluster[1])))
        current[int(row["seq"])] = row["queue_rank"]
        by_id[row["id"]] = int(row["seq"])
    tier_of: dict[str, int] = {}
    if strategy == Strategy.FLAGGED_FIRST:
        tier_of = severity_tiers(queue_ranks.flagged_rules(conn, cond), severity)
    elif strategy == Strategy.DISAGREEMENT_FIRST:
        for eid in queue_ranks.open_with_decisions(conn, cond):
            tier_of[eid] = disagreement_tier(_live_verdicts(decisions_repo.for_example(conn, eid)))
    base = base_ranks(strategy, items, seed=choice.seed, tier_of=tier_of)
    sampled = {by_id[e] for e in queue_ranks.sampled_ids(conn, cond) if e in by_id}
    changes = [(seq, r) for seq, r in ((seq, lift_sampled(rank, seq in sampled)) for seq, rank in base.items()) if current.get(seq) != r]
    queue_ranks.write(conn, changes)
    return len(items), len(changes)


def _live_verdicts(history: list[Decision]) -> list[str]:
    live, _ = live_decisions(history)
    return [d.verdict.value for d in live if d.verdict is not None]


@dataclass(frozen=True)
class Serving:
    """What the review page says about the queue: the order in force and why this example."""

    revision: int
    text: str


def serving(store: Store, example_id: str | None) -> Serving:
    """Which strategy serves the example on the card (its source's), and whether it is sampled."""
    with store.read() as conn:
        s = _read(conn)
        if example_id is None:
            return Serving(s.revision, f"Queue order: {describe(s.everyone)}")
        row = examples_repo.get_row(conn, example_id)
        sampled = queue_ranks.is_sampled(conn, example_id)
    choice = s.for_source(str(row["source_name"]))
    text = f"Queue order: {describe(choice)}"
    if str(row["source_name"]) in s.sources:
        text += f" (for {row['source_name']})"
    if sampled:
        text += " · this example is in a quality sample, served first"
    return Serving(s.revision, text)


def lift_sampled_now(conn: Connection, example_ids: list[str]) -> int:
    """Serve a new sample batch before everything else (in the batch's own transaction)."""
    changes = [(seq, lift_sampled(rank, True)) for seq, rank in queue_ranks.ranks_of(conn, example_ids)]
    queue_ranks.write(conn, [(seq, r) for (seq, r), (_, old) in zip(changes, queue_ranks.ranks_of(conn, example_ids)) if r != old])
    _bump(conn)
    return len(changes)


def _bump(conn: Connection) -> None:
    s = _read(conn)
    _write(conn, Strategies(s.everyone, s.sources, s.revision + 1))


def rerank_example(conn: Connection, example_id: str, live: list[Decision], strategies: Strategies | None = None) -> None:
    """Keep one example's rank current after a decision, where its order depends on decisions.

    Called in the decision's own transaction, so the next deal already sees the new order.
    ``strategies``: the setting, when the caller read it already in this transaction.
    """
    s = strategies if strategies is not None else _read(conn)
    if Strategy.DISAGREEMENT_FIRST not in {s.everyone.strategy, *(c.strategy for c in s.sources.values())}:
        return
    row = examples_repo.get_row(conn, example_id)
    if s.for_source(str(row["source_name"])).strategy != Strategy.DISAGREEMENT_FIRST:
        return
    verdicts = [d.verdict.value for d in live if d.verdict is not None] if row["outcome"] in _OPEN else []
    rank = lift_sampled(int(row["seq"]) - TIER * disagreement_tier(verdicts), queue_ranks.is_sampled(conn, example_id))
    if rank != row["queue_rank"]:
        queue_ranks.set_one(conn, example_id, rank)
