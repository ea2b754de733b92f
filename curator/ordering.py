"""Queue strategies as pure orderings: which example a reviewer should see first (no storage).

A strategy gives every example of its group a *base rank*. Import order gives ``seq``; the
reordering strategies (random, diverse) hand the group's own seqs out again in their order, so
each group keeps its slots and groups under different strategies interleave as in import
order; the prioritising ones (flagged-first, disagreement-first) lift an example by whole
tiers of ``TIER`` below every seq. A sampled example is lifted by ``SAMPLE_TIERS`` more, so a
sample batch is served before anything else. Ranks stay unique: seqs are unique and below TIER.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Strategy(StrEnum):
    FIXED = "fixed"
    FLAGGED_FIRST = "flagged-first"
    DIVERSE = "diverse"
    DISAGREEMENT_FIRST = "disagreement-first"
    RANDOM = "random"

    def __str__(self) -> str:
        return self.value


DESCRIPTIONS = {
    Strategy.FIXED: "import order",
    Strategy.FLAGGED_FIRST: "examples flagged by a check first, blockers first",
    Strategy.DIVERSE: "one example per near-duplicate cluster first, largest clusters first, spread over sources and topics",
    Strategy.DISAGREEMENT_FIRST: "for overlap: examples others began deciding first (disagreements surface soonest); conflicts first where a queue includes them",
    Strategy.RANDOM: "a seeded random order",
}

TIER = 2**40  # above any seq
SAMPLE_TIERS = 4  # above every tier a strategy uses
SEVERITY_TIERS = {"blocker": 3, "major": 2, "minor": 1}


@dataclass(frozen=True)
class Item:
    """What an ordering may look at for one example."""

    seq: int
    id: str
    source: str = ""
    topic: str = ""
    cluster: str | None = None  # near-duplicate cluster id, None for an example without duplicates
    representative: bool = False


def fixed(items: Iterable[Item]) -> dict[int, int]:
    return {it.seq: it.seq for it in items}


def _deal_slots(ordered: Sequence[Item]) -> dict[int, int]:
    """Hand the group's own seqs, ascending, to the items in the order given."""
    slots = sorted(it.seq for it in ordered)
    return {it.seq: slot for it, slot in zip(ordered, slots, strict=True)}


def random_order(items: Iterable[Item], seed: int) -> dict[int, int]:
    """Ordered by a seeded hash of each id: the same seed gives the same order, and an import
    places new examples among the old ones without moving the old ones relative to each other."""
    def key(it: Item) -> bytes:
        return hashlib.blake2b(f"{seed}:{it.id}".encode(), digest_size=8).digest()

    return _deal_slots(sorted(items, key=key))


def tiered(items: Iterable[Item], tier_of: Mapping[str, int]) -> dict[int, int]:
    """seq lifted by whole tiers: a higher tier comes first, import order within a tier."""
    return {it.seq: it.seq - TIER * tier_of.get(it.id, 0) for it in items}


def severity_tiers(flagged: Mapping[str, set[str]], severity: Mapping[str, str]) -> dict[str, int]:
    """{example id: tier of its most severe flag}; a flag of an unknown rule counts as minor."""
    return {eid: max(SEVERITY_TIERS.get(severity.get(r, "minor"), 1) for r in rules) for eid, rules in flagged.items() if rules}


def disagreement_tier(verdicts: Sequence[str]) -> int:
    """2 when the live decisions disagree (a conflict), 1 when some are in but more are needed, else 0."""
    if len(set(verdicts)) > 1:
        return 2
    return 1 if verdicts else 0


def diverse(items: Iterable[Item]) -> dict[int, int]:
    """One example per cluster first (its representative), then the other members.

    Clusters come largest first (deciding one covers the most examples); within the first pass
    the examples are dealt round-robin over (source, topic) so consecutive ones differ. The
    second pass takes the remaining members cluster by cluster, largest first.
    """
    items = list(items)
    members: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        members[it.cluster or f"\0{it.id}"].append(it)
    firsts: list[tuple[int, Item]] = []
    rest: list[tuple[int, str, Item]] = []
    for cid, group in members.items():
        group.sort(key=lambda it: (not it.representative, it.seq))
        firsts.append((len(group), group[0]))
        rest.extend((len(group), cid, it) for it in group[1:])
    buckets: dict[tuple[str, str], list[tuple[int, Item]]] = defaultdict(list)
    for size, it in firsts:
        buckets[(it.source, it.topic)].append((size, it))
    dealt: list[tuple[int, int, int, Item]] = []
    for bucket in buckets.values():
        bucket.sort(key=lambda pair: (-pair[0], pair[1].seq))
        dealt.extend((turn, -size, it.seq, it) for turn, (size, it) in enumerate(bucket))
    dealt.sort(key=lambda row: row[:3])
    rest.sort(key=lambda row: (-row[0], row[1], row[2].seq))
    return _deal_slots([row[3] for row in dealt] + [row[2] for row in rest])


def base_ranks(strategy: Strategy, items: Sequence[Item], *, seed: int = 0,
               tier_of: Mapping[str, int] | None = None) -> dict[int, int]:
    """{seq: base rank} of a group's items under ``strategy``."""
    if strategy == Strategy.RANDOM:
        return random_order(items, seed)
    if strategy == Strategy.DIVERSE:
        return diverse(items)
    if strategy in (Strategy.FLAGGED_FIRST, Strategy.DISAGREEMENT_FIRST):
        return tiered(items, tier_of or {})
    return fixed(items)


def lift_sampled(rank: int, sampled: bool) -> int:
    return rank - SAMPLE_TIERS * TIER if sampled and not is_lifted(rank) else rank


def is_lifted(rank: int) -> bool:
    """Whether a rank is already a sampled one (strategies lift by fewer than SAMPLE_TIERS tiers)."""
    return rank < -(SAMPLE_TIERS - 1) * TIER
