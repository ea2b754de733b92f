"""Exact Jaccard similarity of two texts' shingle sets, fast enough to confirm many pairs.

A text's shingles are canonical.shingle_set's: Python sets of word tuples (or of character
n-grams), compared by value, so no hash collision can make two different shingles equal. Sets
of tuples beat numbering the words through a vocabulary and intersecting numpy arrays (about a
quarter less CPU per confirmed pair, measured with bench/bench_dedup.py); a bounded cache keeps
the sets of the texts seen last.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from curator.dedup.canonical import jaccard, shingle_set

Shingles = set[Any]
CACHE = 2048  # texts whose shingle sets are kept (a 300-word text's set is ~30 KB)


class ExactShingles:
    """Shingle sets of texts by key, recomputed on demand, with a bounded cache."""

    def __init__(self, text_of: Callable[[Any], str], *, cache: int = CACHE) -> None:
        self.text_of = text_of
        self.size = cache
        self.cache: OrderedDict[Any, Shingles] = OrderedDict()

    def get(self, key: Any) -> Shingles:
        """The shingle set of the text for key."""
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        found = shingle_set(self.text_of(key))
        self.cache[key] = found
        if len(self.cache) > self.size:
            self.cache.popitem(last=False)
        return found

    def similarity(self, a: Any, b: Any) -> float:
        """Exact Jaccard similarity of the shingle sets of the texts for keys a and b."""
        return jaccard(self.get(a), self.get(b))
