"""Groups that a split must keep on one side, and which rule pulled how many examples together.

Rules, by group_by:
- always: items sharing a cluster_id ("cluster");
- "conversation" and "prompt": near-duplicate conversations ("conversation"), examples sharing
  an uncommon n-gram ("shared-ngram"), and examples more than half of whose tokens are covered
  by n-grams of one other example ("coverage") — the contamination check's whole-conversation
  signals, applied before the split so that the check afterwards has nothing to find;
- "prompt" also: identical or near-identical prompt texts, i.e. the user-side turns and tool
  results whatever the assistant said in between ("prompt"), prompts more than half covered by
  another's n-grams ("prompt-coverage"), and conversations opening with the same user-side turn
  ("first-turn") unless it is very common (contamination.first_turn_limit): a greeting that
  opens hundreds of chats is no leak.
Compared case-folded, without system or developer turns: for leaks, more grouping is the safe side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from curator.dedup.clusters import UnionFind
from curator.errors import InvalidInputError
from curator.split.contamination import NGRAM, first_turn_limit, limits
from curator.split.features import SplitFeatures, features_for
from curator.split.ngrams import covered_pairs, shared_pairs

GROUP_BY = ("prompt", "conversation", "none")
RULES = ("cluster", "conversation", "shared-ngram", "coverage", "prompt", "prompt-coverage", "first-turn")


@dataclass(frozen=True)
class Grouping:
    groups: list[list[int]]  # a partition of range(len(ids)), each sorted, sorted by first id
    pulled: dict[str, int]  # rule -> examples it put together with another one
    first_turn_limit: int  # a first turn opening more conversations than this groups nothing
    common_first_turns: int  # distinct first turns over that limit
    common_first_turn_examples: int  # the conversations opening with one of them


def _first_turn_groups(features: SplitFeatures, limit: int) -> tuple[list[np.ndarray], int, int]:
    """Rows opening with the same user-side turn, in groups of 2..limit; (groups, common turns, their rows)."""
    digests = features.first_turns
    if len(digests) < 2:
        return [], 0, 0
    order = np.lexsort((digests[:, 1], digests[:, 0]))
    ordered = digests[order]
    boundary = np.flatnonzero(np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1), True])
    sizes = np.diff(boundary)
    rows = features.prompt_rows[order]
    groups = [rows[s:e] for s, e, k in zip(boundary[:-1], boundary[1:], sizes) if 2 <= k <= limit]
    common = sizes > limit
    return groups, int(common.sum()), int(sizes[common].sum())


def group_indices(
    ids: Sequence[str],
    messages: Sequence[Sequence[Any]],
    cluster_ids: Sequence[str | None],
    *,
    group_by: str = "prompt",
    threshold: float = 0.8,
    seed: int = 0,
    ngram: int = NGRAM,
    common_fraction: float = 0.01,
    features: SplitFeatures | None = None,
) -> Grouping:
    """Partition of range(len(ids)) into groups that never straddle train and test.

    Features made over exactly these ids with this seed, threshold and ngram spare the hashing.
    """
    if group_by not in GROUP_BY:
        raise InvalidInputError(f"group_by must be one of {', '.join(GROUP_BY)}, not {group_by!r}", field="group_by")
    n = len(ids)
    forest = UnionFind(n)
    touched: dict[str, set[int]] = {rule: set() for rule in RULES}

    def join(rule: str, a: int, b: int) -> None:
        if a != b:
            forest.union(a, b)
            touched[rule].update((a, b))

    first_of_cluster: dict[str, int] = {}
    for i, cluster_id in enumerate(cluster_ids):
        if cluster_id is not None:
            join("cluster", first_of_cluster.setdefault(cluster_id, i), i)
    limit, common_first, common_rows = first_turn_limit(n), 0, 0
    if group_by != "none" and n:
        f = features_for(list(zip(ids, messages)), features, seed=seed, threshold=threshold, ngram=ngram)
        rows = np.fromiter((f.index[i] for i in ids), dtype=np.int64, count=n)  # feature row -> our index
        ours = np.empty(n, dtype=np.int64)
        ours[rows] = np.arange(n)
        index = {ident: i for i, ident in enumerate(ids)}
        every = np.ones(n, dtype=bool)
        ngram_limit, coverage_limit = limits(n, common_fraction)
        clusters = [("conversation", f.conversation_clusters())]
        if group_by == "prompt":
            clusters.append(("prompt", f.prompt_clusters()))
        for rule, result in clusters:
            for cluster in result.clusters:
                head = index[cluster.members[0]]
                for member in cluster.members[1:]:
                    join(rule, head, index[member])
        a, b, _ = shared_pairs(f.grams, every, every, limit=ngram_limit)
        for x, y in zip(ours[a].tolist(), ours[b].tolist()):
            join("shared-ngram", x, y)
        covered = [("coverage", f.grams, f.ngram_text)]
        if group_by == "prompt":
            covered.append(("prompt-coverage", f.prompt_grams, f.prompt_text))
        for rule, grams, text_of in covered:
            for x, y, _, _ in covered_pairs(grams, every, every, text_of, limit=coverage_limit):
                join(rule, int(ours[x]), int(ours[y]))
        if group_by == "prompt":
            groups_of_turn, common_first, common_rows = _first_turn_groups(f, limit)
            for group in groups_of_turn:
                members = ours[group].tolist()
                for member in members[1:]:
                    join("first-turn", members[0], member)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(forest.find(i), []).append(i)
    return Grouping(
        groups=sorted(groups.values(), key=lambda g: ids[g[0]]),
        pulled={rule: len(touched[rule]) for rule in RULES},
        first_turn_limit=limit,
        common_first_turns=common_first,
        common_first_turn_examples=common_rows,
    )
