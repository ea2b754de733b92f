"""Examples that share an uncommon n-gram, linked before the split so they land on one side.

Near-duplicate grouping compares whole conversations (or prompts) and cannot see a reply copied
into a longer, different conversation. The contamination check after the split can, with the
rules of curator.split.contamination: word 13-grams of the case-folded text without punctuation
or system messages, where an n-gram found in more than 1% of the examples is common by design
and does not count. Here the same n-grams link every pair of examples sharing an uncommon one,
over the whole candidate set at once, so the check afterwards finds nothing the split could
have avoided. Pure logic, vectorised: memory is one uint64 hash and one int32 index per n-gram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from curator.dedup import UnionFind
from curator.dedup.canonical import uses_char_shingles
from curator.dedup.hashing import shingle_hashes
from curator.split.contamination import ngram_text

if TYPE_CHECKING:
    from curator.split.features import SplitFeatures

_CHUNK = 2048


def _hashes(items: Sequence[tuple[str, Sequence[Mapping[str, Any]]]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct n-gram hash of every item, with the item's index."""
    all_hashes: list[np.ndarray] = []
    all_docs: list[np.ndarray] = []
    for lo in range(0, len(items), _CHUNK):
        texts = [ngram_text(messages) for _, messages in items[lo : lo + _CHUNK]]
        hashes, docs = shingle_hashes(texts, [uses_char_shingles(t) for t in texts], word_n=n, char_n=n, short=False)
        order = np.lexsort((hashes, docs))
        hashes, docs = hashes[order], docs[order]
        keep = np.r_[True, (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])]
        all_hashes.append(hashes[keep])
        all_docs.append((docs[keep] + lo).astype(np.int32))
    if not all_hashes:
        return np.zeros(0, np.uint64), np.zeros(0, np.int32)
    return np.concatenate(all_hashes), np.concatenate(all_docs)


def shared_ngram_links(
    items: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
    *,
    ngram: int = 13,
    common_fraction: float = 0.01,
    features: SplitFeatures | None = None,
) -> dict[str, str]:
    """Each example that shares an uncommon n-gram with another, mapped to its group's smallest id.

    features (SplitFeatures made over exactly these items with this ngram) spare the hashing.
    """
    ids = [ident for ident, _ in items]
    if features is not None and features.ngram == ngram and features.covers(ids):
        # Rows are the features' own: the groups, and so the mapping, are the same.
        hashes, docs, names = features.shared_hashes, features.shared_docs, features.ids
    else:
        hashes, docs = _hashes(items, ngram)
        order = np.argsort(hashes, kind="stable")
        hashes, docs = hashes[order], docs[order]
        del order
        names = ids
        same = hashes[1:] == hashes[:-1]
        repeated = np.zeros(len(hashes), dtype=bool)
        repeated[1:] |= same
        repeated[:-1] |= same
        hashes, docs = hashes[repeated], docs[repeated]
    # An n-gram held by one example links nothing: only the repeated ones are looked at.
    if not len(hashes):
        return {}
    limit = max(2, int(common_fraction * len(items)))
    boundary = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1], True])
    run_len = np.diff(boundary)
    # Chaining each member of a run to the next links the whole run: n-1 edges, not n^2.
    rare_runs = (run_len >= 2) & (run_len <= limit)
    in_rare = np.repeat(rare_runs, run_len)
    same_run = np.r_[hashes[1:] == hashes[:-1], False]
    edge_from = np.flatnonzero(in_rare & same_run)
    left, right = docs[edge_from], docs[edge_from + 1]
    pairs = np.unique(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1), axis=0) if len(left) else np.zeros((0, 2), np.int32)
    forest = UnionFind(len(names))
    for a, b in pairs.tolist():
        forest.union(a, b)
    members: dict[int, list[str]] = {}
    for index in np.unique(pairs).tolist():
        members.setdefault(forest.find(index), []).append(names[index])
    return {eid: min(group) for group in members.values() for eid in group}
