"""Exact Jaccard similarity of two texts' shingle sets, fast enough to confirm many pairs.

Word shingles are coded exactly (no hashing): each word gets a number from a vocabulary, and
a 3-word shingle is the three numbers packed into one int64, so set logic runs in numpy. The
result equals canonical.jaccard(shingle_set(a), shingle_set(b)); the tests check that.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from curator.dedup.canonical import (
    WORD_SHINGLE,
    jaccard,
    shingle_set,
    uses_char_shingles,
)

_BITS = 21  # bits per word number: three fit in an int64
assert WORD_SHINGLE == 3, "the packing below is for 3-word shingles"
_LIMIT = (1 << _BITS) - 1  # word numbers start at 1 (0 pads a text shorter than a shingle)
Shingles = np.ndarray | set[Any]


class ExactShingles:
    """Shingle sets of texts by key, recomputed on demand, with a bounded cache."""

    def __init__(self, text_of: Callable[[Any], str], *, cache: int = 8192) -> None:
        self.text_of = text_of
        self.size = cache
        self.cache: OrderedDict[Any, Shingles] = OrderedDict()
        self.vocab: dict[str, int] = {}

    def get(self, key: Any) -> Shingles:
        """The shingles of the text for key: sorted unique int64 codes, or a set (characters)."""
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        found = self._shingles(self.text_of(key))
        self.cache[key] = found
        if len(self.cache) > self.size:
            self.cache.popitem(last=False)
        return found

    def similarity(self, a: Any, b: Any) -> float:
        """Exact Jaccard similarity of the shingle sets of the texts for keys a and b."""
        return similarity(self.get(a), self.get(b))

    def _shingles(self, text: str) -> Shingles:
        if uses_char_shingles(text):
            return shingle_set(text, char_mode=True)
        words = text.split()
        if len(self.vocab) + len(words) > _LIMIT:
            # Numbers must stay below 2**21; starting over re-codes the cached texts too.
            self.vocab.clear()
            self.cache.clear()
        vocab = self.vocab
        ids = np.array([vocab.setdefault(w, len(vocab) + 1) for w in words], dtype=np.int64)
        if len(ids) == 0:
            return ids
        if len(ids) < WORD_SHINGLE:  # one shingle of all its words, padded with 0
            ids = np.concatenate([ids, np.zeros(WORD_SHINGLE - len(ids), dtype=np.int64)])
        codes = (ids[:-2] << (2 * _BITS)) | (ids[1:-1] << _BITS) | ids[2:]
        return np.unique(codes)


def similarity(a: Shingles, b: Shingles) -> float:
    """Jaccard of two shingle collections as ExactShingles returns them."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if len(a) == 0 and len(b) == 0:
            return 1.0
        inter = len(np.intersect1d(a, b, assume_unique=True))
        return inter / (len(a) + len(b) - inter)
    if isinstance(a, set) and isinstance(b, set):
        return jaccard(a, b)
    # One text has word shingles and the other character shingles: nothing in common,
    # unless both are empty.
    return 1.0 if len(a) == 0 and len(b) == 0 else 0.0
