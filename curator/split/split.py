"""Held-out split: seeded, stratified by verdict (and a metadata field), grouped."""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from curator.errors import InvalidInputError
from curator.split.features import SplitFeatures
from curator.split.grouping import group_indices

# Verdicts that must appear on both sides when there are at least two of them.
BOTH_SIDES = ("approve", "negative")


@dataclass(frozen=True)
class SplitItem:
    """One example offered to the split."""

    id: str
    messages: Sequence[Mapping[str, Any]]
    verdict: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    cluster_id: str | None = None


@dataclass(frozen=True)
class SplitStats:
    n: int
    train: int
    test: int
    target_test: int  # what test_size asked for; groups may make the test side differ a little
    groups: int  # all groups, singletons included
    grouped_items: int  # items in groups of two or more
    largest_group: int
    strata: dict[str, dict[str, int]]  # stratum -> {"train": n, "test": n}
    warnings: list[str]
    pulled: dict[str, int] = field(default_factory=dict)  # grouping rule -> examples it put together
    first_turn_limit: int = 0  # a first turn opening more conversations than this groups nothing
    common_first_turns: int = 0  # distinct first turns over that limit
    common_first_turn_examples: int = 0  # conversations opening with one of them

    @property
    def test_fraction(self) -> float:
        """The test side's achieved share of the examples."""
        return self.test / self.n if self.n else 0.0


@dataclass(frozen=True)
class SplitResult:
    train: list[str]  # sorted ids
    test: list[str]  # sorted ids
    groups: list[list[str]]  # groups of two or more, each sorted, sorted by first id
    stats: SplitStats


def resolve_test_size(test_size: float, n: int) -> int:
    """How many examples test_size asks for out of n: a fraction (0 < f < 1) or a count."""
    if n < 2:
        raise InvalidInputError(f"a split needs at least 2 examples, got {n}", field="test_size")
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)):
        raise InvalidInputError(
            f"test_size is a fraction or a count, not {test_size!r}", field="test_size"
        )
    if isinstance(test_size, int):
        if not 1 <= test_size <= n - 1:
            raise InvalidInputError(
                f"test_size {test_size} must be between 1 and {n - 1} for {n} examples",
                field="test_size",
            )
        return test_size
    if not 0.0 < test_size < 1.0:
        raise InvalidInputError(
            f"a fractional test_size must be between 0 and 1 (exclusive), got {test_size}; "
            "pass an integer for a count",
            field="test_size",
        )
    # The epsilon keeps 0.1 * 30 (3.0000000000000004 in floats) from rounding up to 4.
    return min(n - 1, max(1, math.ceil(test_size * n - 1e-9)))


def _shares(total: int, weights: dict[str, int]) -> dict[str, int]:
    """total split in proportion to weights, largest remainders first (ties by name)."""
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    shares = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[key] += 1
    return shares


class _Assignment:
    """Which groups are on the test side, with running counts to keep constraints cheap."""

    def __init__(self, sizes: list[int], verdicts: list[Counter[str]]) -> None:
        self.sizes = sizes
        self.verdicts = verdicts
        self.test: set[int] = set()
        self.count = 0
        self.total = Counter[str]()
        for v in verdicts:
            for verdict, k in v.items():
                self.total[verdict] += k
        self.on_test = Counter[str]()

    def move(self, group: int, to_test: bool) -> None:
        sign = 1 if to_test else -1
        (self.test.add if to_test else self.test.discard)(group)
        self.count += sign * self.sizes[group]
        for verdict, k in self.verdicts[group].items():
            self.on_test[verdict] += sign * k

    def keeps_both_sides(self, group: int, to_test: bool) -> bool:
        """Moving the group leaves every constrained verdict (that had both sides) on both sides."""
        for verdict in BOTH_SIDES:
            k = self.verdicts[group].get(verdict, 0)
            if not k or self.total[verdict] < 2:
                continue
            on_test = self.on_test[verdict]
            if to_test and on_test > 0 and self.total[verdict] - on_test - k < 1:
                return False
            if not to_test and on_test < self.total[verdict] and on_test - k < 1:
                return False
        return True


def _order_key(seed: int, group_id: str) -> bytes:
    return hashlib.blake2b(f"{seed}\x00{group_id}".encode(), digest_size=8).digest()


def _assign(
    groups: list[list[int]],
    strata: list[str],
    verdicts: list[str],
    target: int,
    seed: int,
    names: list[str],
) -> tuple[_Assignment, list[str]]:
    sizes = [len(g) for g in groups]
    # Most groups are one example: they share one read-only Counter per verdict.
    alone = {v: Counter({v: 1}) for v in set(verdicts)}
    state = _Assignment(sizes, [alone[verdicts[g[0]]] if len(g) == 1 else Counter(verdicts[i] for i in g) for g in groups])
    # A seeded shuffle keyed by group id: independent of input order.
    order = sorted(range(len(groups)), key=lambda g: _order_key(seed, names[groups[g][0]]))
    primary = [
        strata[g[0]] if len(g) == 1 else min(Counter(strata[i] for i in g).items(), key=lambda kv: (-kv[1], kv[0]))[0]
        for g in groups
    ]
    mass: Counter[str] = Counter()
    for g, stratum in enumerate(primary):
        mass[stratum] += sizes[g]
    quota = _shares(target, dict(mass))
    taken: Counter[str] = Counter()
    for g in order:
        s = primary[g]
        if abs(taken[s] + sizes[g] - quota[s]) < abs(quota[s] - taken[s]):
            taken[s] += sizes[g]
            state.move(g, True)
    # Groups may have left the total off target: fill or trim across strata.
    for g in order:
        if state.count == target:
            break
        inside = g in state.test
        if inside and state.count > target and abs(state.count - sizes[g] - target) < state.count - target:
            state.move(g, False)
        elif not inside and state.count < target and abs(state.count + sizes[g] - target) < target - state.count:
            state.move(g, True)
    return state, _both_sides(state, order, target)


def _both_sides(state: _Assignment, order: list[int], target: int) -> list[str]:
    """Move groups so approve and negative reach both sides; name what cannot be done."""
    warnings = []
    for verdict in BOTH_SIDES:
        total = state.total[verdict]
        if total < 2 or 0 < state.on_test[verdict] < total:
            continue
        to_test = state.on_test[verdict] == 0
        movable = [
            g for g in order
            if (g in state.test) != to_test
            and 0 < state.verdicts[g].get(verdict, 0) < total
            and state.keeps_both_sides(g, to_test)
        ]
        if not movable:
            warnings.append(
                f"all {total} {verdict} examples are in one group of near duplicates, "
                "so they are all on one side"
            )
            continue
        moved = min(movable, key=lambda g: state.sizes[g])  # stable: seeded order breaks ties
        state.move(moved, to_test)
        # Give back about as many examples from the other side, keeping every constraint.
        back = [
            g for g in order
            if (g in state.test) == to_test
            and state.verdicts[g].get(verdict, 0) == 0
            and state.keeps_both_sides(g, not to_test)
        ]
        step = -1 if to_test else 1  # giving a group back from test shrinks the test side
        best = min(back, key=lambda g: abs(state.count + step * state.sizes[g] - target), default=None)
        if best is not None and abs(state.count + step * state.sizes[best] - target) < abs(state.count - target):
            state.move(best, not to_test)
    return warnings


def split(
    items: Sequence[SplitItem],
    *,
    test_size: float,
    seed: int,
    group_by: str = "prompt",
    stratify_field: str | None = None,
    threshold: float = 0.8,
    features: SplitFeatures | None = None,
) -> SplitResult:
    """Split items into train and test ids: no group straddles, strata keep their shares.

    features (SplitFeatures over these items, made with this seed and threshold) spare
    grouping the hashing; same result without.
    """
    ordered = sorted(items, key=lambda it: it.id)
    names = [it.id for it in ordered]
    for a, b in itertools.pairwise(names):
        if a == b:
            raise InvalidInputError(f"example id {a!r} appears more than once", field="id")
    target = resolve_test_size(test_size, len(ordered))
    grouping = group_indices(
        names,
        [it.messages for it in ordered],
        [it.cluster_id for it in ordered],
        group_by=group_by,
        threshold=threshold,
        seed=seed,
        features=features,
    )
    groups = grouping.groups
    verdicts = [str(it.verdict) for it in ordered]
    strata = [
        v if stratify_field is None else f"{v}|{it.metadata.get(stratify_field)}"
        for v, it in zip(verdicts, ordered)
    ]
    state, warnings = _assign(groups, strata, verdicts, target, seed, names)
    test = sorted(names[i] for g in state.test for i in groups[g])
    test_set = set(test)
    train = [name for name in names if name not in test_set]
    per_side: dict[str, dict[str, int]] = {}
    for name, stratum in zip(names, strata):
        side = per_side.setdefault(stratum, {"train": 0, "test": 0})
        side["test" if name in test_set else "train"] += 1
    multi = [[names[i] for i in g] for g in groups if len(g) > 1]
    largest = max(len(g) for g in groups)
    if len(names) >= 10 and largest * 2 > len(names):
        # Leak-free, but the test side is drawn from what the largest group leaves: say so.
        warnings.append(
            f"one group holds {largest} of {len(names)} examples (they share prompts or text) and stays on one "
            f"side; the test split comes from the other {len(names) - largest}, which may not represent the whole set"
        )
    stats = SplitStats(
        n=len(names),
        train=len(train),
        test=len(test),
        target_test=target,
        groups=len(groups),
        grouped_items=sum(len(g) for g in multi),
        largest_group=largest,
        strata=dict(sorted(per_side.items())),
        warnings=warnings,
        pulled=grouping.pulled,
        first_turn_limit=grouping.first_turn_limit,
        common_first_turns=grouping.common_first_turns,
        common_first_turn_examples=grouping.common_first_turn_examples,
    )
    return SplitResult(train=train, test=test, groups=multi, stats=stats)
