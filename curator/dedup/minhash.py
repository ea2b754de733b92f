"""MinHash signatures, LSH banding and candidate pairs, vectorised with numpy.

Hash family: h(x) = ((a*x + b) mod 2**64) >> 32 with random 64-bit a, b over 32-bit keys x:
Dietzfelbinger's strongly universal multiply-shift (2-independent, exact in uint64 arithmetic,
no 128-bit products). Our keys are themselves well-mixed hashes of the shingles, which is the
setting where 2-independent families behave like truly random permutations (Mitzenmacher and
Vadhan, "Why simple hash functions work"). The shift is monotone, so the minimum is taken on
the 64-bit values and shifted once per signature entry.

Banding: a pair with Jaccard J shares one band (r rows) with probability J**r, and becomes a
candidate with probability P(J) = 1 - (1 - J**r)**b. lsh_params picks, among the (b, r) with
P(threshold) >= 0.99 and b*r <= num_perm, the one with the least expected false-candidate
area (the integral of P over [0, threshold), as datasketch weighs false positives); if none
fits, it raises num_perm until one does. Only b*r permutations are computed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from curator.dedup.hashing import fmix64
from curator.errors import InvalidInputError

_U64 = np.uint64
_BLOCK = 786432  # uint64 values per block (6 MiB): 8192 shingles x 96 permutations
_EMPTY = np.uint32(0xFFFFFFFF)
MIN_RECALL = 0.99


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair with this Jaccard similarity shares at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def _false_area(threshold: float, bands: int, rows: int) -> float:
    grid = np.linspace(0.0, threshold, 512)
    values = 1.0 - (1.0 - grid**rows) ** bands
    return float(np.sum((values[1:] + values[:-1]) * np.diff(grid)) / 2.0)


@dataclass(frozen=True)
class LshParams:
    """The banding: bands x rows, and num_perm = bands * rows permutations actually used."""

    bands: int
    rows: int
    threshold: float

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def probability(self, similarity: float) -> float:
        """Probability that a pair with this similarity becomes a candidate."""
        return candidate_probability(similarity, self.bands, self.rows)


def lsh_params(
    threshold: float, *, num_perm: int = 128, min_recall: float = MIN_RECALL, max_perm: int = 4096
) -> LshParams:
    """The banding with P(threshold) >= min_recall and the fewest expected false candidates."""
    if not 0.0 < threshold <= 1.0:
        raise InvalidInputError(f"threshold must be in (0, 1], got {threshold}", field="threshold")
    if num_perm < 1:
        raise InvalidInputError(f"num_perm must be at least 1, got {num_perm}", field="num_perm")
    budget = num_perm
    while budget <= max_perm:
        best: tuple[float, int, int] | None = None
        for rows in range(1, budget + 1):
            share = threshold**rows
            if share >= 1.0:
                bands = 1
            elif share <= 0.0:
                break
            else:
                # Smallest b with (1 - share)**b <= 1 - min_recall.
                needed = math.log1p(-min_recall) / math.log1p(-share) if share > 1e-300 else math.inf
                if needed * rows > budget:
                    continue
                bands = math.ceil(needed)
                while candidate_probability(threshold, bands, rows) < min_recall:
                    bands += 1  # float rounding of the closed form, at most a step or two
            if bands * rows > budget:
                continue
            area = _false_area(threshold, bands, rows)
            if best is None or area < best[0] - 1e-15:
                best = (area, bands, rows)
        if best is not None:
            return LshParams(bands=best[1], rows=best[2], threshold=threshold)
        budget += 32
    raise InvalidInputError(
        f"no banding within {max_perm} permutations finds pairs at Jaccard {threshold} "
        f"with probability {min_recall}; use a higher threshold",
        field="threshold",
    )


def _seeded_u64(seed: int, label: str, count: int) -> np.ndarray:
    """count 64-bit numbers derived from (seed, label): stable across numpy versions."""
    out = np.empty(count, dtype=_U64)
    for i in range(count):
        digest = hashlib.blake2b(f"{seed}:{label}:{i}".encode(), digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little")
    return out


class MinHasher:
    """MinHash signatures and LSH band keys for one seed and one banding."""

    def __init__(self, params: LshParams, *, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.a = _seeded_u64(seed, "a", params.num_perm)
        self.b = _seeded_u64(seed, "b", params.num_perm)
        self.band_mult = _seeded_u64(seed, "band", params.num_perm) | _U64(1)
        self._buffer = np.empty((params.num_perm, max(1024, _BLOCK // params.num_perm)), dtype=_U64)

    def signatures(self, hashes: np.ndarray, docs: np.ndarray, n_docs: int) -> np.ndarray:
        """(n_docs, num_perm) uint32 signatures; docs is non-decreasing. No shingles: all 0xFFFFFFFF."""
        out = np.full((n_docs, self.params.num_perm), np.iinfo(_U64).max, dtype=_U64)
        keys = (hashes >> _U64(32))[None, :]
        a, b = self.a[:, None], self.b[:, None]
        block = self._buffer.shape[1]
        # Permutations are rows and shingles columns: each document's minimum is then a
        # reduceat over a contiguous run, about three times faster than along axis 0.
        for lo in range(0, len(hashes), block):
            hi = min(lo + block, len(hashes))
            values = self._buffer[:, : hi - lo]
            np.multiply(a, keys[:, lo:hi], out=values)
            np.add(values, b, out=values)
            doc = docs[lo:hi]
            seg = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
            mins = np.minimum.reduceat(values, seg, axis=1).T
            rows = doc[seg]  # distinct within a block, so plain fancy assignment is safe
            out[rows] = np.minimum(out[rows], mins)
        return (out >> _U64(32)).astype(np.uint32)

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) uint64: one hash per band of each signature."""
        rows = self.params.rows
        n = len(signatures)
        keys = np.empty((n, self.params.bands), dtype=_U64)
        wide = signatures.astype(_U64)
        for band in range(self.params.bands):
            cols = slice(band * rows, (band + 1) * rows)
            keys[:, band] = (wide[:, cols] * self.band_mult[None, cols]).sum(axis=1, dtype=_U64)
        return fmix64(keys)


def band_pairs(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(k, 2) int64 pairs of rows whose keys in one band column are equal (column[k] is row rows[k]'s).

    Every pair within a bucket is produced (no sampling), so the recall guarantee holds; a
    bucket of m rows costs m*(m-1)/2 pairs.
    """
    order = np.argsort(column, kind="stable")
    ordered = column[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return np.zeros((0, 2), dtype=np.int64)
    # Runs of equal keys: [start, end) in sorted order.
    boundary = np.flatnonzero(np.r_[True, ~same, True])
    run_start, run_len = boundary[:-1], np.diff(boundary)
    members = rows[order]
    found: list[np.ndarray] = []
    pairs_of_two = run_start[run_len == 2]
    if len(pairs_of_two):
        found.append(np.stack([members[pairs_of_two], members[pairs_of_two + 1]], axis=1))
    for start, length in zip(run_start[run_len > 2], run_len[run_len > 2]):
        bucket = members[start : start + length]
        i, j = np.triu_indices(length, k=1)
        found.append(np.stack([bucket[i], bucket[j]], axis=1))
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


def merge_pairs(parts: list[np.ndarray], n: int) -> np.ndarray:
    """The band_pairs of every band as one sorted, unique (k, 2) array with i < j."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(parts), axis=1)
    codes = np.unique(pairs[:, 0].astype(_U64) * _U64(n) + pairs[:, 1].astype(_U64))
    return np.stack([(codes // _U64(n)).astype(np.int64), (codes % _U64(n)).astype(np.int64)], axis=1)


def candidate_pairs(keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """(k, 2) int64 pairs (i < j) of rows sharing a key in some band column; sorted, unique."""
    rows = np.arange(len(keys), dtype=np.int64) if valid is None else np.flatnonzero(valid)
    return merge_pairs([band_pairs(keys[rows, band], rows) for band in range(keys.shape[1])], len(keys))
