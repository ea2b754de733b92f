"""The contamination check's two signals from SplitFeatures: no text normalised or hashed again.

Same rules and same results as curator.split.contamination (its tests run both ways): the
n-gram signal counts, for each n-gram held by a test example, the examples of either side that
hold it (the n-grams are already sorted by hash, so that is a run length), and pairs each test
example with every training example sharing an uncommon one; the MinHash signal probes the
training side's band keys against the test side's and confirms each candidate exactly.
"""

from __future__ import annotations

import numpy as np

from curator.dedup.exact import ExactShingles
from curator.split.contamination import Contamination
from curator.split.features import SplitFeatures

_NONE, _TRAIN, _TEST = 0, 1, 2


def _fan(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of arange(f, f + c) for each (f, c)."""
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(first, counts) + (np.arange(total, dtype=np.int64) - offsets)


def ngram_pairs(
    features: SplitFeatures,
    train_ids: list[str],
    test_ids: list[str],
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    limit: int,
    min_overlap: float,
) -> tuple[list[Contamination], int, int]:
    """(pairs, distinct test n-grams that are common, test examples with no counted n-gram)."""
    n_rows = len(features.ids)
    side = np.zeros(n_rows, dtype=np.int8)
    side[train_rows], side[test_rows] = _TRAIN, _TEST
    position = np.zeros(n_rows, dtype=np.int64)
    position[train_rows] = np.arange(len(train_rows))
    position[test_rows] = np.arange(len(test_rows))
    # N-grams one example holds alone count for it (one example is never more than the limit
    # of at least 2) and pair with nothing; only the shared ones need their runs.
    per_test = features.single_grams[test_rows].copy()
    hashes, docs = features.shared_hashes, features.shared_docs
    where = side[docs]
    if not np.all(where):  # features over more examples than the two sides: drop the others
        keep = where != _NONE
        hashes, docs, where = hashes[keep], docs[keep], where[keep]
    if len(hashes) == 0:
        return [], 0, int(np.sum(per_test == 0))
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    run_len = np.diff(np.r_[starts, len(hashes)])
    run_of = np.repeat(np.arange(len(starts)), run_len)
    is_test = where == _TEST
    tests_in_run = np.add.reduceat(is_test.astype(np.int64), starts)
    common = int(np.sum((tests_in_run > 0) & (run_len > limit)))
    rare = run_len[run_of] <= limit
    per_test += np.bincount(position[docs[is_test & rare]], minlength=len(test_ids))
    short = int(np.sum(per_test == 0))
    # Runs that can pair a test example with a training one: rare, shared, on both sides.
    crossing = (run_len <= limit) & (tests_in_run > 0) & (tests_in_run < run_len)
    chosen = np.flatnonzero(crossing[run_of])
    if len(chosen) == 0:
        return [], common, short
    run, member, member_test = run_of[chosen], docs[chosen], is_test[chosen]
    order = np.lexsort((member_test, run))  # in each run: training rows first, then test rows
    run, member, member_test = run[order], member[order], member_test[order]
    run_start = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    trains = run_len[run[run_start]] - tests_in_run[run[run_start]]
    local = np.searchsorted(run[run_start], run)  # each element's run among the chosen ones
    tests = np.flatnonzero(member_test)
    fan = trains[local[tests]]
    at = _fan(run_start[local[tests]], fan)
    pair_test = np.repeat(position[member[tests]], fan).astype(np.uint64)
    pair_train = position[member[at]].astype(np.uint64)
    width = np.uint64(len(train_ids))
    codes, shared = np.unique(pair_test * width + pair_train, return_counts=True)
    found = []
    for code, count in zip(codes.tolist(), shared.tolist()):
        ti, tr = divmod(code, len(train_ids))
        score = count / int(per_test[ti])
        if score >= min_overlap:
            found.append(Contamination(test_ids[ti], train_ids[tr], "ngram", score, count))
    return found, common, short


def minhash_pairs(
    features: SplitFeatures,
    train_ids: list[str],
    test_ids: list[str],
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    threshold: float,
) -> tuple[list[Contamination], int]:
    """(near-duplicate test/train pairs confirmed at >= threshold, candidate pairs)."""
    keys, valid = features.conversations.keys, features.conversations.has_shingles
    live = np.flatnonzero(valid[test_rows])  # test positions
    rows = np.flatnonzero(valid[train_rows])  # train positions
    codes: list[np.ndarray] = []
    width = np.uint64(len(train_ids))
    for band in range(keys.shape[1]):
        column = keys[test_rows[live], band]
        order = np.argsort(column, kind="stable")
        column, owners = column[order], live[order]
        probe = keys[train_rows[rows], band]
        first = np.searchsorted(column, probe, side="left")
        fan = np.searchsorted(column, probe, side="right") - first
        hit = fan > 0
        if not hit.any():
            continue
        first, fan = first[hit], fan[hit]
        pair_test = owners[_fan(first, fan)].astype(np.uint64)
        pair_train = np.repeat(rows[hit], fan).astype(np.uint64)
        codes.append(pair_test * width + pair_train)
    candidates = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.uint64)
    exact = ExactShingles(
        lambda key: features.conversation_text(int((test_rows if key[0] == "test" else train_rows)[key[1]]))
    )
    found = []
    for code in candidates.tolist():
        ti, tr = divmod(code, len(train_ids))
        similarity = exact.similarity(("test", ti), ("train", tr))
        if similarity >= threshold:
            found.append(Contamination(test_ids[ti], train_ids[tr], "minhash", similarity))
    return found, len(candidates)
