"""Stable 64-bit hashes of the shingles of many texts at once, vectorised with numpy.

Python's hash() is salted per process, so shingles are hashed here: each text's code points
are hashed as a polynomial modulo 2**64 through prefix sums (any window's hash in O(1)), token
hashes are combined the same way into word n-gram hashes, and every hash goes through the
murmur3 finaliser so that its bits are well mixed. Collisions only ever add a candidate pair
(every pair is confirmed on the exact shingle sets), never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from curator.dedup.canonical import CHAR_SHINGLE, WORD_SHINGLE

_U64 = np.uint64
_M64 = 1 << 64
CHAR_BASE = 0x9E3779B97F4A7C15  # odd, so it has an inverse modulo 2**64
_TOKEN_BASE = 0xC2B2AE3D27D4EB4F
_CHAR_DOMAIN = _U64(0x5BD1E9955BD1E995)  # keeps character shingles apart from word shingles
_SPACE, _NEWLINE = 32, 10


def fmix64(x: np.ndarray) -> np.ndarray:
    """The murmur3 64-bit finaliser, in place; returns x."""
    x ^= x >> _U64(33)
    x *= _U64(0xFF51AFD7ED558CCD)
    x ^= x >> _U64(33)
    x *= _U64(0xC4CEB9FE1A85EC53)
    x ^= x >> _U64(33)
    return x


_POWERS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _powers(base: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """base**k and base**-k modulo 2**64 for k in 0..length (at least), cached per base."""
    cached = _POWERS.get(base)
    if cached is not None and len(cached[0]) > length:
        return cached
    size = max(length + 1, 2 * len(cached[0]) if cached else 1 << 16)
    forward = np.full(size, base, dtype=_U64)
    forward[0] = 1
    np.cumprod(forward, out=forward)  # wraps modulo 2**64, which is the point
    backward = np.full(size, pow(base, -1, _M64), dtype=_U64)
    backward[0] = 1
    np.cumprod(backward, out=backward)
    _POWERS[base] = (forward, backward)
    return forward, backward


class Windows:
    """Polynomial hashes of any window of a uint64 sequence, from its prefix sums."""

    def __init__(self, values: np.ndarray, base: int) -> None:
        self.forward, self.backward = _powers(base, len(values))
        self.prefix = np.empty(len(values) + 1, dtype=_U64)
        self.prefix[0] = 0
        np.multiply(values, self.forward[: len(values)], out=self.prefix[1:])
        np.cumsum(self.prefix[1:], out=self.prefix[1:])  # in place: one array, not two

    def hash(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        return cast(np.ndarray, (self.prefix[ends] - self.prefix[starts]) * self.backward[starts])


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, s + c) for each (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return cast(np.ndarray, np.repeat(starts, counts) + (np.arange(total, dtype=np.int64) - offsets))


def shingle_hashes(
    texts: Sequence[str],
    char_mode: Sequence[bool] | np.ndarray,
    *,
    word_n: int = WORD_SHINGLE,
    char_n: int = CHAR_SHINGLE,
    short: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every shingle of every text, and the index of the text each belongs to.

    Texts are normalised (single spaces, "\\n" between lines); text i gets character n-grams
    when char_mode[i], else word n-grams. With short=True a text shorter than one shingle is
    one shingle (as in canonical.shingle_set); with short=False it has none. Output is grouped
    by text, in text order; a text may repeat a hash (MinHash and set logic do not mind).
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)
    joined = "\n".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    values = points.astype(_U64)
    values += _U64(1)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    chars = Windows(values, CHAR_BASE)
    is_char = np.asarray(char_mode, dtype=bool)

    parts_hash: list[np.ndarray] = []
    parts_doc: list[np.ndarray] = []

    # Word n-grams: tokens are runs of characters other than space and newline.
    edges = np.zeros(len(points) + 2, dtype=np.int8)
    edges[1:-1] = (points != _SPACE) & (points != _NEWLINE)
    step = np.diff(edges)
    tok_start = np.flatnonzero(step == 1)
    tok_end = np.flatnonzero(step == -1)
    tok_doc = np.searchsorted(starts, tok_start, side="right") - 1
    keep = ~is_char[tok_doc]
    tok_start, tok_end, tok_doc = tok_start[keep], tok_end[keep], tok_doc[keep]
    if len(tok_start):
        tokens = fmix64(chars.hash(tok_start, tok_end))
        words = Windows(tokens, _TOKEN_BASE)
        count = np.bincount(tok_doc, minlength=n)
        if len(tokens) >= word_n:
            first = np.arange(len(tokens) - word_n + 1)
            whole = tok_doc[first] == tok_doc[first + word_n - 1]
            first = first[whole]
            parts_hash.append(words.hash(first, first + word_n))
            parts_doc.append(tok_doc[first])
        if short:
            few = np.flatnonzero((count > 0) & (count < word_n))
            if len(few):
                begin = (np.cumsum(count) - count)[few]
                parts_hash.append(words.hash(begin, begin + count[few]))
                parts_doc.append(few)

    # Character n-grams over the whole normalised text, spaces included.
    char_docs = np.flatnonzero(is_char & (lengths > 0))
    if len(char_docs):
        span = lengths[char_docs]
        windows = np.maximum(span - char_n + 1, 0)
        first = ranges(starts[char_docs], windows)
        parts_hash.append(chars.hash(first, first + char_n) ^ _CHAR_DOMAIN)
        parts_doc.append(np.repeat(char_docs, windows))
        if short:
            few = char_docs[span < char_n]
            if len(few):
                parts_hash.append(chars.hash(starts[few], starts[few] + lengths[few]) ^ _CHAR_DOMAIN)
                parts_doc.append(few)

    if not parts_hash:
        return np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)
    hashes = fmix64(np.concatenate(parts_hash))
    docs = np.concatenate(parts_doc).astype(np.int64, copy=False)
    if len(parts_doc) > 1:
        order = np.argsort(docs, kind="stable")
        hashes, docs = hashes[order], docs[order]
    return hashes, docs
