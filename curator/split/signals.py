"""The contamination signals, each a function of SplitFeatures and the rows of both sides.

Each returns (test position, train position, score, shared) tuples, positions being indices
into the test and train row arrays it was given. Whole conversations (n-gram text and
conversation text) and prompts (the user-side text) each have their signals:
- ngram: the two share an n-gram that at most `limit` examples hold (GPT-3's test, with an
  uncommon n-gram); score: the share of the test example's counted n-grams found in training;
- coverage / prompt-coverage: more than half of the test text's tokens are covered by n-grams
  it shares with one training text (Tülu 3's test);
- minhash / prompt-minhash: Jaccard similarity of the two texts' shingle sets >= threshold,
  found by MinHash LSH and confirmed exactly;
- prompt-exact: the same normalised prompt text (short prompts, with fewer tokens than an
  n-gram, are caught here);
- first-turn: the same normalised first user-side turn, unless more than `limit` examples of
  both sides open with it (a greeting is no leak).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from curator.dedup.confirm import pair_similarities
from curator.dedup.hashing import ranges
from curator.split.features import SplitFeatures
from curator.split.ngrams import Grams, covered_pairs

Found = list[tuple[int, int, float, int]]


def _positions(n_rows: int, rows: np.ndarray) -> np.ndarray:
    position = np.full(n_rows, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    return position


def _mask(n_rows: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n_rows, dtype=bool)
    mask[rows] = True
    return mask


def ngram_pairs(grams: Grams, train_rows: np.ndarray, test_rows: np.ndarray, *, limit: int, min_overlap: float) -> tuple[Found, int, int]:
    """(pairs, distinct test n-grams that are common, test examples with no counted n-gram)."""
    n_rows = len(grams.single)
    is_test = _mask(n_rows, test_rows)
    train_pos, test_pos = _positions(n_rows, train_rows), _positions(n_rows, test_rows)
    # N-grams one example holds alone count for it and pair with nothing.
    per_test = grams.single[test_rows].copy()
    hashes, docs, start, length = grams.runs(np.concatenate([train_rows, test_rows]))
    if len(hashes) == 0:
        return [], 0, int(np.sum(per_test == 0))
    element_test = is_test[docs]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    tests_in_run = np.add.reduceat(element_test.astype(np.int64), starts)
    run_len = length[starts]
    common = int(np.sum((tests_in_run > 0) & (run_len > limit)))
    rare = length <= limit
    per_test += np.bincount(test_pos[docs[element_test & rare]], minlength=len(test_rows))
    short = int(np.sum(per_test == 0))
    # Each test element of a rare run fans over its run; the training members are its pairs.
    chosen = np.flatnonzero(element_test & rare)
    if len(chosen) == 0:
        return [], common, short
    at = ranges(start[chosen], length[chosen])
    partner = docs[at]
    test_of = np.repeat(docs[chosen], length[chosen])
    keep = ~is_test[partner]
    width = np.int64(len(train_rows))
    codes, shared = np.unique(test_pos[test_of[keep]] * width + train_pos[partner[keep]], return_counts=True)
    found = []
    for code, count in zip(codes.tolist(), shared.tolist()):
        ti, tr = divmod(code, len(train_rows))
        score = count / int(per_test[ti])
        if score >= min_overlap:
            found.append((ti, tr, score, count))
    return found, common, short


def coverage_pairs(grams: Grams, text_of: Callable[[int], str], train_rows: np.ndarray, test_rows: np.ndarray, *, limit: int) -> Found:
    """Test texts more than half covered by n-grams shared with one training text."""
    n_rows = len(grams.single)
    train_pos, test_pos = _positions(n_rows, train_rows), _positions(n_rows, test_rows)
    found = covered_pairs(grams, _mask(n_rows, test_rows), _mask(n_rows, train_rows), text_of, limit=limit)
    return sorted((int(test_pos[a]), int(train_pos[b]), share, covered) for a, b, share, covered in found)


def minhash_pairs(
    keys: np.ndarray,
    has_shingles: np.ndarray,
    text_of: Callable[[int], str],
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    threshold: float,
) -> tuple[Found, int]:
    """(pairs confirmed at >= threshold, candidate pairs). keys/has_shingles: indexed by the rows given."""
    live = np.flatnonzero(has_shingles[test_rows])  # test positions
    rows = np.flatnonzero(has_shingles[train_rows])  # train positions
    codes: list[np.ndarray] = []
    width = np.uint64(max(1, len(train_rows)))
    for band in range(keys.shape[1]):
        column = keys[test_rows[live], band]
        order = np.argsort(column, kind="stable")
        column, owners = column[order], live[order]
        probe = keys[train_rows[rows], band]
        first = np.searchsorted(column, probe, side="left")
        count = np.searchsorted(column, probe, side="right") - first
        hit = count > 0
        if not hit.any():
            continue
        first, count = first[hit], count[hit]
        pair_test = owners[ranges(first, count)].astype(np.uint64)
        pair_train = np.repeat(rows[hit], count).astype(np.uint64)
        codes.append(pair_test * width + pair_train)
    candidates = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.uint64)
    tests, trains = np.divmod(candidates, width)
    both = np.stack([test_rows[tests.astype(np.int64)], train_rows[trains.astype(np.int64)]], axis=1)
    similarities = pair_similarities(both, lambda row: text_of(int(row)))
    found = [
        (ti, tr, similarity, 0)
        for ti, tr, similarity in zip(tests.tolist(), trains.tolist(), similarities.tolist())
        if similarity >= threshold
    ]
    return found, len(candidates)


def prompt_rows_of(features: SplitFeatures, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions among rows that have a prompt text, their indices into features.prompts)."""
    index = np.full(len(features.ids), -1, dtype=np.int64)
    index[features.prompt_rows] = np.arange(len(features.prompt_rows))
    of = index[rows]
    have = np.flatnonzero(of >= 0)
    return have, of[have]


def prompt_exact_pairs(features: SplitFeatures, train_rows: np.ndarray, test_rows: np.ndarray) -> Found:
    """Test and training examples with the same normalised prompt text (its 128-bit digest)."""
    digests = features.prompts.digests
    test_at, test_of = prompt_rows_of(features, test_rows)
    train_at, train_of = prompt_rows_of(features, train_rows)
    if not len(test_at) or not len(train_at):
        return []
    keys = digests[train_of]
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    sorted_hi, sorted_lo = keys[order, 0], keys[order, 1]
    probe = digests[test_of]
    first = np.searchsorted(sorted_hi, probe[:, 0], side="left")
    count = np.searchsorted(sorted_hi, probe[:, 0], side="right") - first
    hit = np.flatnonzero(count > 0)
    if not len(hit):
        return []
    at = ranges(first[hit], count[hit])
    tests = np.repeat(hit, count[hit])
    same = sorted_lo[at] == probe[tests, 1]  # the other 64 bits agree too
    pairs = sorted(zip(test_at[tests[same]].tolist(), train_at[order[at[same]]].tolist()))
    return [(ti, tr, 1.0, 0) for ti, tr in pairs]


def first_turn_pairs(features: SplitFeatures, train_rows: np.ndarray, test_rows: np.ndarray, *, limit: int) -> Found:
    """Test and training examples opening with the same user-side turn, when at most limit examples do."""
    test_at, test_of = prompt_rows_of(features, test_rows)
    train_at, train_of = prompt_rows_of(features, train_rows)
    if not len(test_at) or not len(train_at):
        return []
    of = np.concatenate([test_of, train_of])
    at = np.concatenate([test_at, train_at])
    is_test = np.r_[np.ones(len(test_of), bool), np.zeros(len(train_of), bool)]
    digests = features.first_turns[of]
    order = np.lexsort((digests[:, 1], digests[:, 0]))
    ordered = digests[order]
    bounds = np.flatnonzero(np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1), True])
    found = []
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if end - start < 2 or end - start > limit:
            continue
        members = order[start:end]
        tests, trains = members[is_test[members]], members[~is_test[members]]
        found += [(int(at[t]), int(at[r]), 1.0, 0) for t in tests.tolist() for r in trains.tolist()]
    return sorted(found)


def prompt_minhash_pairs(features: SplitFeatures, train_rows: np.ndarray, test_rows: np.ndarray, *, threshold: float) -> tuple[Found, int]:
    test_at, test_of = prompt_rows_of(features, test_rows)
    train_at, train_of = prompt_rows_of(features, train_rows)
    rows = features.prompt_rows
    found, candidates = minhash_pairs(
        features.prompts.keys, features.prompts.has_shingles, lambda i: features.prompt_text(int(rows[i])),
        train_of, test_of, threshold=threshold,
    )
    return [(int(test_at[ti]), int(train_at[tr]), s, k) for ti, tr, s, k in found], candidates
