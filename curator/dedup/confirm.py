"""Confirm candidate pairs: the exact Jaccard similarity of each, the one check every engine runs.

Every LSH candidate is confirmed on the exact shingle sets before it counts (precision 1.0), by
curator.dedup.exact.ExactShingles: words are numbered exactly through a dictionary, so no hash
collision, accidental or crafted, can make two different shingles equal. Candidates are
confirmed a batch at a time; each batch is a pure function of the pairs and their texts, so the
in-process engine and the Ray engine (curator.dedup.ray_engine) confirm with the same code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from curator.dedup.exact import ExactShingles

TEXT_BATCH = 4096  # distinct texts a batch of pairs involves at most


def pair_similarities(pairs: np.ndarray, text_of: Callable[[int], str]) -> np.ndarray:
    """Exact Jaccard similarity (float64) of each (i, j) row of pairs, text_of(i) giving text i.

    Equal to canonical.jaccard(shingle_set(a), shingle_set(b)). Pairs sorted by their first
    member share the most recomputed texts (a bounded cache holds them).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    exact = ExactShingles(text_of)
    return np.fromiter((exact.similarity(i, j) for i, j in pairs.tolist()), dtype=np.float64, count=len(pairs))


def pair_batches(pairs: np.ndarray, limit: int = TEXT_BATCH) -> list[tuple[int, int]]:
    """[lo, hi) runs of pairs, each involving at most limit distinct texts (at least one pair)."""
    bounds = []
    seen: set[int] = set()
    lo = 0
    for k, (i, j) in enumerate(np.asarray(pairs).reshape(-1, 2).tolist()):
        new = (i not in seen) + (j not in seen and j != i)
        if len(seen) + new > limit and k > lo:
            bounds.append((lo, k))
            seen.clear()
            lo = k
        seen.add(i)
        seen.add(j)
    if lo < len(pairs):
        bounds.append((lo, len(pairs)))
    return bounds
