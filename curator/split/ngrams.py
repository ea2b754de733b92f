"""Word n-grams shared between examples: collected once, paired by run, and Tülu-style coverage.

Pure numpy over hashes (curator.dedup.hashing), no text: a leaf of the split package. An
n-gram is identified by its 64-bit hash; a set of examples' n-grams is kept as the (hash, row)
pairs of the n-grams two rows or more hold, sorted by hash, plus how many distinct n-grams
each row holds alone (those pair with nothing, but count in a row's share).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from curator.dedup.canonical import uses_char_shingles
from curator.dedup.hashing import ranges, shingle_hashes
from curator.scratch import Scratch

_BUCKET_BITS = 4  # hashes are sorted in 16 buckets by their top bits: 1/16 of the memory at once
BUCKETS = 1 << _BUCKET_BITS
COVERED = 0.5  # Tülu 3: contaminated when more than half of the tokens are covered


def window_hashes(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram window hash of every text (no window for a text shorter than n), with its text index."""
    return shingle_hashes(texts, [uses_char_shingles(t) for t in texts], word_n=n, char_n=n, short=False)


class GramCollector:
    """(hash, row) pairs appended chunk by chunk into 16 buckets, then reduced to the shared ones.

    With a scratch folder the buckets wait on disk (one pair of files each, appended to), so
    memory holds one bucket at a time; without, they wait in memory. Same Grams either way.
    """

    def __init__(self, scratch: Scratch | None = None, name: str = "grams") -> None:
        self.buckets: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(BUCKETS)]
        self.files = None if scratch is None else [
            (scratch.file(f"{name}-{b}.hash"), scratch.file(f"{name}-{b}.row")) for b in range(BUCKETS)
        ]

    def add(self, hashes: np.ndarray, docs: np.ndarray) -> None:
        """Append pairs to the bucket of their hash's top bits, keeping row order."""
        which = (hashes >> np.uint64(64 - _BUCKET_BITS)).astype(np.int64)
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(BUCKETS + 1))
        hashes, docs = hashes[order], docs[order]
        for b in range(BUCKETS):
            if bounds[b + 1] > bounds[b]:
                part = (hashes[bounds[b] : bounds[b + 1]], docs[bounds[b] : bounds[b + 1]].astype(np.int32, copy=False))
                if self.files is None:
                    self.buckets[b].append(part)
                    continue
                for path, values in zip(self.files[b], part):
                    with open(path, "ab") as out:
                        values.tofile(out)

    def _take(self, b: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Bucket b's pairs in the order added (and the bucket emptied)."""
        if self.files is None:
            parts, self.buckets[b] = self.buckets[b], []
            if not parts:
                return None
            return np.concatenate([h for h, _ in parts]), np.concatenate([d for _, d in parts])
        hash_path, row_path = self.files[b]
        if not hash_path.exists():
            return None
        hashes, docs = np.fromfile(hash_path, dtype=np.uint64), np.fromfile(row_path, dtype=np.int32)
        hash_path.unlink()
        row_path.unlink()
        return hashes, docs

    def shared(self, n_rows: int, n: int) -> Grams:
        """The Grams of everything added; empties the buckets one at a time (memory: one bucket's sort)."""
        shared_hashes: list[np.ndarray] = []
        shared_docs: list[np.ndarray] = []
        single = np.zeros(n_rows, dtype=np.int64)
        for b in range(BUCKETS):
            taken = self._take(b)
            if taken is None:
                continue
            hashes, docs = taken
            del taken
            # Stable: rows were appended in order, so equal hashes keep their rows ascending.
            order = np.argsort(hashes, kind="stable")
            hashes, docs = hashes[order], docs[order]
            del order
            fresh = np.ones(len(hashes), dtype=bool)  # each (n-gram, row) once
            np.logical_or(hashes[1:] != hashes[:-1], docs[1:] != docs[:-1], out=fresh[1:])
            hashes, docs = hashes[fresh], docs[fresh]
            same = hashes[1:] == hashes[:-1]
            repeated = np.zeros(len(hashes), dtype=bool)
            repeated[1:] |= same
            repeated[:-1] |= same
            single += np.bincount(docs[~repeated], minlength=n_rows)
            shared_hashes.append(hashes[repeated])
            shared_docs.append(docs[repeated])
        if not shared_hashes:
            return Grams(np.zeros(0, np.uint64), np.zeros(0, np.int32), single, n)
        return Grams(np.concatenate(shared_hashes), np.concatenate(shared_docs), single, n)


@dataclass(frozen=True)
class Grams:
    """The n-grams of a set of rows that two rows or more hold, and each row's count of the rest."""

    hashes: np.ndarray  # uint64, sorted; each (hash, row) once
    docs: np.ndarray  # int32 row of each hash
    single: np.ndarray  # int64 per row: distinct n-grams no other row holds
    n: int  # words (or characters, for unspaced scripts) per n-gram

    def runs(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(hashes, docs, run start of each element, run length of each element), optionally only rows."""
        hashes, docs = self.hashes, self.docs
        if rows is not None:
            keep = np.zeros(len(self.single), dtype=bool)
            keep[rows] = True
            inside = keep[docs]
            if not inside.all():
                hashes, docs = hashes[inside], docs[inside]
        if len(hashes) == 0:
            empty = np.zeros(0, np.int64)
            return hashes, docs, empty, empty
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        lengths = np.diff(np.r_[starts, len(hashes)])
        return hashes, docs, np.repeat(starts, lengths), np.repeat(lengths, lengths)

    def distinct(self) -> np.ndarray:
        """Distinct n-grams per row."""
        return self.single + np.bincount(self.docs, minlength=len(self.single))


def shared_pairs(
    grams: Grams, left: np.ndarray, right: np.ndarray, *, limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left row, right row, distinct n-grams shared) of every pair sharing an n-gram held by at
    most `limit` rows of left and right together. left and right are boolean masks over rows; a
    row may be in both (then it is never paired with itself)."""
    rows = np.flatnonzero(left | right)
    _, docs, start, length = grams.runs(rows)
    chosen = np.flatnonzero(left[docs] & (length <= limit) & (length >= 2))
    if len(chosen) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    at = ranges(start[chosen], length[chosen])
    a = np.repeat(docs[chosen], length[chosen]).astype(np.int64)
    b = docs[at].astype(np.int64)
    keep = right[b] & (a != b)
    width = np.int64(len(left))
    codes, shared = np.unique(a[keep] * width + b[keep], return_counts=True)
    return codes // width, codes % width, shared


def coverage(window: np.ndarray, partner: np.ndarray, n: int) -> tuple[int, int]:
    """(tokens of a text covered by its n-gram windows found in partner's, tokens of the text).

    window: the text's window hashes in order (position p covers tokens p..p+n-1); partner:
    the other text's window hashes.
    """
    tokens = len(window) + n - 1
    hit = np.flatnonzero(np.isin(window, partner))
    if len(hit) == 0:
        return 0, tokens
    # Each hit covers n tokens from its start, less the overlap with the next hit.
    gaps = np.minimum(np.diff(hit), n)
    return int(gaps.sum()) + n, tokens


def covered_pairs(
    grams: Grams,
    left: np.ndarray,
    right: np.ndarray,
    text_of: Callable[[int], str],
    *,
    limit: int,
) -> list[tuple[int, int, float, int]]:
    """(left row, right row, share covered, tokens covered) of every pair where more than half of
    the left row's tokens are covered by n-grams (held by at most `limit` rows) of the right row.

    Pairs come from shared_pairs; a pair whose shared n-grams could not cover half of the left
    row's tokens even spread apart is never looked at; the others are measured exactly on
    their texts' windows (text_of gives a row's text, the text its n-grams were made from).
    """
    a, b, shared = shared_pairs(grams, left, right, limit=limit)
    n = grams.n
    least_tokens = grams.distinct()[a] + n - 1  # a text has at least this many tokens
    maybe = np.flatnonzero(shared * n > COVERED * least_tokens)
    windows: dict[int, np.ndarray] = {}

    def window_of(row: int) -> np.ndarray:
        found = windows.get(row)
        if found is None:
            found = window_hashes([text_of(row)], n)[0]
            if len(windows) > 4096:
                windows.clear()
            windows[row] = found
        return found

    out = []
    for k in maybe.tolist():
        ra, rb = int(a[k]), int(b[k])
        covered, tokens = coverage(window_of(ra), window_of(rb), n)
        if covered > COVERED * tokens:
            out.append((ra, rb, covered / tokens, covered))
    return out
