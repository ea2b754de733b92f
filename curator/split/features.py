"""What grouping and the contamination check compare of each example: normalised and hashed once.

An export groups examples, splits, checks the split, and may group and split again. Each step
used to normalise and hash every conversation itself, every round. SplitFeatures does it once,
and every grouping rule and every contamination signal reads it (there is no other path):
- the MinHash band keys of each conversation (case-folded, without system and developer turns);
- the band keys and digest of each prompt text (the user-side turns: what the model is asked),
  for the examples that have one, and the digest of its first turn;
- the word n-grams of each example's n-gram text and of its prompt text that another example
  also holds (curator.split.ngrams.Grams).
Pure logic, vectorised; a helper thread hashes one chunk while Python builds the next's texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from curator.dedup.canonical import text_digest
from curator.dedup.clusters import (
    DedupResult,
    SignatureBuffer,
    cluster_signatures,
    hash_texts,
    hasher_for,
)
from curator.dedup.engine import IN_PROCESS, Engine
from curator.dedup.minhash import LshParams, MinHasher, lsh_params
from curator.errors import InvalidInputError
from curator.scratch import Scratch
from curator.split.ngrams import GramCollector, window_hashes
from curator.split.text import conversation_text, example_texts, ngram_text, prompt_text

_CHUNK = 1024
SPILL_ROWS = 100_000  # n-gram buckets of more examples than this wait on disk
Items = Sequence[tuple[str, Sequence[Any]]]


def feature_texts(chunk: tuple[int, Sequence[tuple[str, Any]]]) -> tuple[int, list[tuple[str, str, str]]]:
    """(first row, each item's conversation, prompt and n-gram texts): an engine's prepare step."""
    lo, items = chunk
    return lo, [example_texts(m) for _, m in items]


def feature_hashes(chunk: tuple[int, list[tuple[str, str, str]]], *, params: LshParams, seed: int, ngram: int) -> tuple[Any, ...]:
    """Band keys, digests and n-gram hashes of a chunk's texts: an engine's work step."""
    lo, of = chunk
    hasher = hasher_for(params, seed)
    conv = hash_texts([c for c, _, _ in of], hasher)
    rows = [k for k, (_, p, _) in enumerate(of) if p]
    prompts = [of[k][1] for k in rows]
    prompt = hash_texts(prompts, hasher)
    firsts = [text_digest(p.split("\n", 1)[0]) for p in prompts]
    g_hash, g_doc = window_hashes([g for _, _, g in of], ngram)
    p_hash, p_doc = window_hashes(prompts, ngram)
    p_doc = np.asarray(rows, dtype=np.int64)[p_doc] if len(p_doc) else p_doc
    return conv, prompt, [lo + k for k in rows], firsts, (g_hash, (g_doc + lo).astype(np.int32)), (p_hash, (p_doc + lo).astype(np.int32))


class SplitFeatures:
    """Band keys, digests and shared n-grams of (id, messages) items, made once."""

    def __init__(
        self,
        items: Items,
        *,
        seed: int = 0,
        threshold: float = 0.8,
        num_perm: int = 128,
        ngram: int = 8,
        engine: Engine = IN_PROCESS,
    ) -> None:
        self.items = items
        given = getattr(items, "ids", None)  # a corpus view knows its ids without reading the messages
        self.ids = list(given) if isinstance(given, list) else [ident for ident, _ in items]
        self.engine = engine
        self.index = {ident: i for i, ident in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            raise InvalidInputError("an example id appears more than once", field="id")
        if ngram < 1:
            raise InvalidInputError(f"ngram must be at least 1, got {ngram}", field="ngram")
        self.seed, self.threshold, self.num_perm, self.ngram = seed, threshold, num_perm, ngram
        self.hasher = MinHasher(lsh_params(threshold, num_perm=num_perm), seed=seed)
        bands = self.hasher.params.bands
        conversations, prompts = SignatureBuffer(len(items), bands), SignatureBuffer(len(items), bands)
        prompt_rows = np.zeros(len(items), dtype=np.int64)
        first_turns = np.zeros((len(items), 2), dtype=np.uint64)
        # Past SPILL_ROWS examples the n-gram buckets wait on disk (a scratch folder, removed below).
        scratch = Scratch(prefix="curator-ngrams-") if len(items) > SPILL_ROWS else None
        try:
            grams, prompt_grams = GramCollector(scratch, "conversation"), GramCollector(scratch, "prompt")
            chunks = ((lo, items[lo : lo + _CHUNK]) for lo in range(0, len(items), _CHUNK))
            work = partial(feature_hashes, params=self.hasher.params, seed=seed, ngram=ngram)
            for conv, prompt, rows, firsts, whole, user in engine.map(feature_texts, work, chunks):
                at = prompts.size
                conversations.add(conv)
                prompts.add(prompt)
                prompt_rows[at : prompts.size] = rows
                first_turns[at : prompts.size] = np.frombuffer(b"".join(firsts), dtype=np.uint64).reshape(-1, 2)
                grams.add(*whole)
                prompt_grams.add(*user)
            self.grams = grams.shared(len(items), ngram)
            self.prompt_grams = prompt_grams.shared(len(items), ngram)
        finally:
            if scratch is not None:
                scratch.close()
        self.conversations = conversations.signatures()
        self.prompts = prompts.signatures()  # one per prompt row
        self.prompt_rows = prompt_rows[: prompts.size]  # rows with prompt text
        self.first_turns = first_turns[: prompts.size]
        self._clusters: dict[str, DedupResult] = {}

    def matches(self, *, seed: int, threshold: float, num_perm: int = 128, ngram: int | None = None) -> bool:
        """Whether the features were made with these parameters."""
        return (seed, threshold, num_perm) == (self.seed, self.threshold, self.num_perm) and ngram in (None, self.ngram)

    def covers(self, ids: Sequence[str]) -> bool:
        """Whether ids are exactly the features' items, in any order, each once."""
        return len(ids) == len(self.ids) and len(set(ids)) == len(ids) and all(i in self.index for i in ids)

    def rows(self, ids: Sequence[str]) -> np.ndarray | None:
        """The rows of ids, or None when one is missing."""
        index = self.index
        if not all(i in index for i in ids):
            return None
        return np.fromiter((index[i] for i in ids), dtype=np.int64, count=len(ids))

    def conversation_text(self, row: int) -> str:
        return conversation_text(self.items[row][1])

    def prompt_text(self, row: int) -> str:
        return prompt_text(self.items[row][1])

    def ngram_text(self, row: int) -> str:
        return ngram_text(self.items[row][1])

    def conversation_clusters(self) -> DedupResult:
        """Near-duplicate conversations (find_clusters on the features; computed once)."""
        if "conversation" not in self._clusters:
            self._clusters["conversation"] = cluster_signatures(
                self.ids, self.conversations, self.conversation_text, hasher=self.hasher, engine=self.engine
            )
        return self._clusters["conversation"]

    def prompt_clusters(self) -> DedupResult:
        """Identical or near-identical prompt texts (find_clusters on the features; computed once)."""
        if "prompt" not in self._clusters:
            rows = self.prompt_rows.tolist()
            self._clusters["prompt"] = cluster_signatures(
                [self.ids[r] for r in rows], self.prompts, lambda i: self.prompt_text(rows[i]), hasher=self.hasher, engine=self.engine
            )
        return self._clusters["prompt"]


def features_for(items: Items, features: SplitFeatures | None, *, seed: int, threshold: float, ngram: int | None = None) -> SplitFeatures:
    """features when they were made over exactly these items with these parameters, else new ones."""
    ids = [ident for ident, _ in items]
    if features is not None and features.matches(seed=seed, threshold=threshold, ngram=ngram) and features.covers(ids):
        return features
    if ngram is None:
        return SplitFeatures(items, seed=seed, threshold=threshold)
    return SplitFeatures(items, seed=seed, threshold=threshold, ngram=ngram)
