"""Contamination check: does any test example leak from the training side?

Two signals, as in the GPT-3 paper's study (Brown et al. 2020, appendix C) plus near dedup:
- "ngram": 13-gram word overlap on normalised text (case-folded, punctuation removed). An
  n-gram that occurs in more than common_fraction of all examples is common by design (a shared
  instruction, a boilerplate refusal) and does not count. System and developer messages are
  left out by default for the same reason. The score is the share of the test example's
  counted n-grams found in that training example; like GPT-3, any shared n-gram flags a pair
  unless min_overlap asks for more. Text in scripts without spaces uses character n-grams.
- "minhash": Jaccard similarity of the whole conversations' shingle sets, found by MinHash LSH
  and confirmed exactly; reported at >= threshold.

Train n-grams are hashed to uint64 and only those that also occur in the test side are kept,
so memory follows the test side, not the training side.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from curator.dedup.canonical import (
    canonical_text,
    message_text,
    normalize_text,
    uses_char_shingles,
)
from curator.dedup.exact import ExactShingles
from curator.dedup.hashing import shingle_hashes
from curator.dedup.minhash import MinHasher, lsh_params
from curator.errors import InvalidInputError

if TYPE_CHECKING:
    from curator.split.features import SplitFeatures

_CHUNK = 1024
_SHARED_ROLES = frozenset({"system", "developer"})
_PUNCTUATION = re.compile(r"[^\w\s]+")
Pairs = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class Contamination:
    """A test example that overlaps a training example."""

    test_id: str
    train_id: str
    kind: Literal["ngram", "minhash"]
    score: float  # ngram: share of the test example's counted n-grams; minhash: Jaccard
    shared: int = 0  # ngram: how many counted n-grams the two share


@dataclass(frozen=True)
class ContaminationStats:
    train: int
    test: int
    ngram: int
    common_limit: int  # an n-gram in more examples than this is common and ignored
    common_ngrams: int  # distinct test n-grams ignored as common
    short_test: int  # test examples with no counted n-gram (shorter than ngram words)
    minhash_candidates: int
    seconds: float


@dataclass(frozen=True)
class ContaminationReport:
    pairs: list[Contamination]  # sorted by test id, train id, kind
    stats: ContaminationStats

    @property
    def contaminated(self) -> list[str]:
        """Sorted ids of the test examples with at least one reported pair."""
        return sorted({p.test_id for p in self.pairs})

    @property
    def clean(self) -> bool:
        return not self.pairs


def _kept(messages: Sequence[Any], include_system: bool) -> list[Mapping[str, Any]]:
    kept = []
    for m in messages:
        message = m if isinstance(m, Mapping) else m.model_dump(mode="json", exclude_none=True)
        if include_system or message.get("role") not in _SHARED_ROLES:
            kept.append(message)
    return kept


def ngram_text(messages: Sequence[Any], *, include_system: bool = False) -> str:
    """Case-folded content text without punctuation, messages joined by spaces."""
    parts = []
    for index, message in enumerate(_kept(messages, include_system)):
        text = normalize_text(message_text(message, index=index), casefold=True)
        parts.append(_PUNCTUATION.sub(" ", text))
    return " ".join(" ".join(parts).split())


def _unique_per_doc(hashes: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(hashes) == 0:
        return hashes, docs
    order = np.lexsort((hashes, docs))
    hashes, docs = hashes[order], docs[order]
    keep = np.r_[True, (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])]
    return hashes[keep], docs[keep]


def _ngrams(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    modes = [uses_char_shingles(t) for t in texts]
    hashes, docs = shingle_hashes(texts, modes, word_n=n, char_n=n, short=False)
    return _unique_per_doc(hashes, docs)


def _ids(pairs: Pairs, side: str) -> list[str]:
    ids = []
    for index, item in enumerate(pairs):
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[0], str):
            raise InvalidInputError(f"{side} item {index} is not an (id, messages) pair", field=side)
        ids.append(item[0])
    return ids


def _ngram_pairs(
    train: Pairs, test: Pairs, *, n: int, limit: int, min_overlap: float, include_system: bool
) -> tuple[list[Contamination], int, int]:
    t_hash, t_doc = _ngrams([ngram_text(m, include_system=include_system) for _, m in test], n)
    universe, t_pos = np.unique(t_hash, return_inverse=True)
    df = np.bincount(t_pos, minlength=len(universe)).astype(np.int64)
    found_pos: list[np.ndarray] = []
    found_doc: list[np.ndarray] = []
    for lo in range(0, len(train), _CHUNK):
        texts = [ngram_text(m, include_system=include_system) for _, m in train[lo : lo + _CHUNK]]
        hashes, docs = _ngrams(texts, n)
        pos = np.searchsorted(universe, hashes)
        hit = pos < len(universe)
        hit[hit] = universe[pos[hit]] == hashes[hit]
        pos, docs = pos[hit], docs[hit] + lo
        df += np.bincount(pos, minlength=len(universe))
        # df only grows, so matches of an already-common n-gram can go now: memory stays bounded.
        rare = df[pos] <= limit
        found_pos.append(pos[rare])
        found_doc.append(docs[rare])
    common = df > limit
    counted = ~common[t_pos]
    per_test = np.bincount(t_doc[counted], minlength=len(test))
    short = int(np.sum(per_test == 0))
    if not found_pos:
        return [], int(common.sum()), short
    m_pos = np.concatenate(found_pos)
    m_doc = np.concatenate(found_doc)
    rare = ~common[m_pos]
    m_pos, m_doc = m_pos[rare], m_doc[rare]
    # Join matches to the test examples holding the same n-gram.
    by_pos = np.argsort(t_pos, kind="stable")
    first = np.searchsorted(t_pos[by_pos], m_pos, side="left")
    last = np.searchsorted(t_pos[by_pos], m_pos, side="right")
    fan = last - first
    offsets = np.repeat(np.cumsum(fan) - fan, fan)
    at = np.repeat(first, fan) + (np.arange(int(fan.sum())) - offsets)
    test_doc = t_doc[by_pos][at]
    train_doc = np.repeat(m_doc, fan)
    codes, shared = np.unique(test_doc.astype(np.uint64) * np.uint64(len(train)) + train_doc.astype(np.uint64), return_counts=True)
    found = []
    for code, count in zip(codes.tolist(), shared.tolist()):
        ti, tr = divmod(code, len(train))
        score = count / int(per_test[ti])
        if score >= min_overlap:
            found.append(Contamination(test[ti][0], train[tr][0], "ngram", score, count))
    return found, int(common.sum()), short


def _minhash_pairs(
    train: Pairs, test: Pairs, *, threshold: float, include_system: bool, seed: int, num_perm: int
) -> tuple[list[Contamination], int]:
    hasher = MinHasher(lsh_params(threshold, num_perm=num_perm), seed=seed)

    def text(messages: Sequence[Any]) -> str:
        return canonical_text(_kept(messages, include_system), casefold=True)

    def band_keys(side: Pairs, lo: int) -> tuple[np.ndarray, np.ndarray]:
        texts = [text(m) for _, m in side[lo : lo + _CHUNK]]
        hashes, docs = shingle_hashes(texts, [uses_char_shingles(t) for t in texts])
        keys = hasher.band_keys(hasher.signatures(hashes, docs, len(texts)))
        return keys, np.bincount(docs, minlength=len(texts)) > 0

    test_keys = [band_keys(test, lo) for lo in range(0, len(test), _CHUNK)]
    keys = np.concatenate([k for k, _ in test_keys]) if test_keys else np.zeros((0, hasher.params.bands), np.uint64)
    live = np.flatnonzero(np.concatenate([v for _, v in test_keys])) if test_keys else np.zeros(0, np.int64)
    sorted_keys = []
    for band in range(hasher.params.bands):
        order = np.argsort(keys[live, band], kind="stable")
        sorted_keys.append((keys[live, band][order], live[order]))
    codes: list[np.ndarray] = []
    for lo in range(0, len(train), _CHUNK):
        tr_keys, tr_valid = band_keys(train, lo)
        rows = np.flatnonzero(tr_valid)
        for band, (column, owners) in enumerate(sorted_keys):
            probe = tr_keys[rows, band]
            first = np.searchsorted(column, probe, side="left")
            fan = np.searchsorted(column, probe, side="right") - first
            offsets = np.repeat(np.cumsum(fan) - fan, fan)
            at = np.repeat(first, fan) + (np.arange(int(fan.sum())) - offsets)
            pair_test = owners[at].astype(np.uint64)
            pair_train = (np.repeat(rows, fan) + lo).astype(np.uint64)
            codes.append(pair_test * np.uint64(len(train)) + pair_train)
    candidates = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.uint64)
    exact = ExactShingles(lambda key: text((test if key[0] == "test" else train)[key[1]][1]))

    found = []
    for code in candidates.tolist():
        ti, tr = divmod(code, len(train))
        similarity = exact.similarity(("test", ti), ("train", tr))
        if similarity >= threshold:
            found.append(Contamination(test[ti][0], train[tr][0], "minhash", similarity))
    return found, len(candidates)


def _feature_rows(
    features: SplitFeatures | None,
    train_ids: list[str],
    test_ids: list[str],
    *,
    ngram: int,
    seed: int,
    threshold: float,
    num_perm: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The features' rows of both sides, when the features fit (else None: compute as usual)."""
    if features is None or features.ngram != ngram or not features.matches(seed=seed, threshold=threshold, num_perm=num_perm):
        return None
    if len(set(train_ids) | set(test_ids)) != len(train_ids) + len(test_ids):
        return None  # an id on both sides or twice: the general path counts each occurrence
    train_rows, test_rows = features.rows(train_ids), features.rows(test_ids)
    if train_rows is None or test_rows is None:
        return None
    return train_rows, test_rows


def check_contamination(
    train: Pairs,
    test: Pairs,
    *,
    ngram: int = 13,
    threshold: float = 0.8,
    common_fraction: float = 0.01,
    min_overlap: float = 0.0,
    include_system: bool = False,
    seed: int = 0,
    num_perm: int = 128,
    features: SplitFeatures | None = None,
) -> ContaminationReport:
    """Every (test, train) pair sharing an uncommon n-gram, or near-duplicate conversations.

    features (SplitFeatures over the same items: both sides, or more) spare the hashing when
    they were made with this seed, threshold, num_perm and ngram; the result is the same.
    """
    started = time.perf_counter()
    train_ids, test_ids = _ids(train, "train"), _ids(test, "test")
    if ngram < 1:
        raise InvalidInputError(f"ngram must be at least 1, got {ngram}", field="ngram")
    if not 0.0 < common_fraction <= 1.0:
        raise InvalidInputError(
            f"common_fraction must be in (0, 1], got {common_fraction}", field="common_fraction"
        )
    # A leaked n-gram is in at least two examples (the test one and its source): never common.
    limit = max(2, int(common_fraction * (len(train_ids) + len(test_ids))))
    pairs: list[Contamination] = []
    common = short = candidates = 0
    rows = _feature_rows(features, train_ids, test_ids, ngram=ngram, seed=seed, threshold=threshold, num_perm=num_perm)
    if train_ids and test_ids and rows is not None and not include_system:
        # Imported here: shared_check builds on this module's Contamination.
        from curator.split import shared_check

        assert features is not None
        found, common, short = shared_check.ngram_pairs(
            features, train_ids, test_ids, *rows, limit=limit, min_overlap=min_overlap
        )
        pairs.extend(found)
        near, candidates = shared_check.minhash_pairs(features, train_ids, test_ids, *rows, threshold=threshold)
        pairs.extend(near)
    elif train_ids and test_ids:
        found, common, short = _ngram_pairs(
            train, test, n=ngram, limit=limit, min_overlap=min_overlap, include_system=include_system
        )
        pairs.extend(found)
        near, candidates = _minhash_pairs(
            train, test, threshold=threshold, include_system=include_system, seed=seed, num_perm=num_perm
        )
        pairs.extend(near)
    pairs.sort(key=lambda p: (p.test_id, p.train_id, p.kind))
    stats = ContaminationStats(
        train=len(train_ids),
        test=len(test_ids),
        ngram=ngram,
        common_limit=limit,
        common_ngrams=common,
        short_test=short,
        minhash_candidates=candidates,
        seconds=time.perf_counter() - started,
    )
    return ContaminationReport(pairs=pairs, stats=stats)
