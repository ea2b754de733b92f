"""Hashes of each example that grouping, linking and the contamination check share: made once.

An export groups near-duplicate conversations and prompts, links examples sharing an uncommon
n-gram, splits, checks the split for contamination, and may link and split again. Each step
used to normalise and hash every conversation itself, every round. SplitFeatures does it once:
- the MinHash band keys of each conversation, case-folded, without system and developer
  messages: the text grouping compares and the text of the check's MinHash signal;
- those of each prompt (the turns before the final reply) that has text;
- the word n-gram hashes of each example's n-gram text that another example also holds,
  sorted by hash, and how many distinct n-grams each example holds alone (nothing else about
  those is ever needed: they link nothing and pair with nothing).
Functions that accept ``features=`` use them only when they were made with the same
parameters over exactly the items given, and compute everything themselves otherwise, so the
result never depends on whether features were passed. Pure logic, vectorised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from curator.dedup.canonical import canonical_text, uses_char_shingles
from curator.dedup.clusters import (
    DedupResult,
    Signatures,
    cluster_signatures,
    hash_texts,
    join_signatures,
)
from curator.dedup.hashing import shingle_hashes
from curator.dedup.minhash import MinHasher, lsh_params
from curator.dedup.overlap import overlapped
from curator.errors import InvalidInputError
from curator.split.contamination import ngram_text
from curator.split.grouping import has_prompt_text, prompt_messages

_CHUNK = 1024
_BUCKET_BITS = 4  # n-gram hashes are sorted in 16 buckets by their top bits: 1/16 of the memory
_BUCKETS = 1 << _BUCKET_BITS
_SHARED_ROLES = frozenset({"system", "developer"})
Items = Sequence[tuple[str, Sequence[Any]]]


def _role(message: Any) -> Any:
    return message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)


def conversation_text(messages: Sequence[Any]) -> str:
    """The conversation as grouping and the MinHash check compare it: case-folded, no system turns."""
    return canonical_text([m for m in messages if _role(m) not in _SHARED_ROLES], casefold=True)


_LINE_ROLES = frozenset({"user", "assistant", "tool", "function"})  # canonical_lines keeps these as they are
_ASCII_PUNCTUATION = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_" or c.isspace())}
)  # the ASCII characters contamination.ngram_text's [^\w\s]+ replaces by a space


def example_texts(messages: Sequence[Any], *, prompts: bool = True) -> tuple[str, str | None, str]:
    """conversation_text, the prompt's text (None where grouping leaves the prompt out) and ngram_text.

    One pass over the messages, each normalised once, when they are plain: dicts with a user,
    assistant, tool or function role, ASCII string content and no tool calls (system and
    developer turns are left out of all three). Anything else takes the general functions.
    """
    plain = type(messages) is list
    kept: list[tuple[str, str]] = []  # (role, case-folded normalised content)
    last_assistant = -1
    if plain:
        for index, m in enumerate(messages):
            role = m.get("role") if type(m) is dict else None
            if type(role) is not str:
                plain = False
                break
            if role in _SHARED_ROLES:
                continue
            content = m.get("content")
            if role not in _LINE_ROLES or type(content) is not str or not content.isascii() or m.get("tool_calls") or m.get("function_call"):
                plain = False
                break
            if role == "assistant":
                last_assistant, before_last = index, len(kept)
            kept.append((role, " ".join(content.lower().split())))
    if not plain:
        prompt = prompt_messages(messages) if prompts else None
        prompt_text = canonical_text(prompt, casefold=True) if prompt and has_prompt_text(prompt) else None
        return conversation_text(messages), prompt_text, ngram_text(messages)
    lines = [f"{role}: {text}" if text else f"{role}:" for role, text in kept]
    prompt_text = None
    if prompts:
        # The prompt: the kept turns before the last assistant reply (all of them without one).
        end = before_last if last_assistant >= 0 else len(kept)
        if any(text for _, text in kept[:end]):
            prompt_text = "\n".join(lines[:end])
    # In ASCII text, [^\w\s] is exactly the characters _ASCII_PUNCTUATION blanks, and the
    # split() after it collapses the spaces that sub(" ") would have merged: same text, faster.
    grams = " ".join(" ".join(text for _, text in kept).translate(_ASCII_PUNCTUATION).split())
    return "\n".join(lines), prompt_text, grams


def _to_buckets(buckets: list[list[tuple[np.ndarray, np.ndarray]]], hashes: np.ndarray, docs: np.ndarray) -> None:
    """Append (hash, row) pairs to the bucket of their hash's top bits, keeping row order."""
    which = (hashes >> np.uint64(64 - _BUCKET_BITS)).astype(np.int64)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(_BUCKETS + 1))
    hashes, docs = hashes[order], docs[order]
    for b in range(_BUCKETS):
        if bounds[b + 1] > bounds[b]:
            buckets[b].append((hashes[bounds[b] : bounds[b + 1]], docs[bounds[b] : bounds[b + 1]]))


def _shared_grams(buckets: list[list[tuple[np.ndarray, np.ndarray]]], n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n-grams held by two rows or more as (hashes, rows) sorted by hash (ties by row), and
    how many distinct n-grams each row holds alone.

    Bucket by bucket, each emptied as it goes: memory is one bucket's sort, not the corpus's.
    """
    shared_hashes: list[np.ndarray] = []
    shared_docs: list[np.ndarray] = []
    single = np.zeros(n_rows, dtype=np.int64)
    for b in range(_BUCKETS):
        parts, buckets[b] = buckets[b], []
        if not parts:
            continue
        hashes = np.concatenate([h for h, _ in parts])
        docs = np.concatenate([d for _, d in parts])
        del parts
        # Stable: the rows were appended in order, so equal hashes keep their rows ascending.
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
        return np.zeros(0, np.uint64), np.zeros(0, np.int32), single
    return np.concatenate(shared_hashes), np.concatenate(shared_docs), single


class SplitFeatures:
    """Conversation and prompt band keys and n-gram hashes of (id, messages) items, made once."""

    def __init__(
        self,
        items: Items,
        *,
        seed: int = 0,
        threshold: float = 0.8,
        num_perm: int = 128,
        ngram: int = 13,
        prompts: bool = True,
    ) -> None:
        self.items = items
        self.ids = [ident for ident, _ in items]
        self.index = {ident: i for i, ident in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            raise InvalidInputError("an example id appears more than once", field="id")
        self.seed, self.threshold, self.num_perm, self.ngram = seed, threshold, num_perm, ngram
        self.hasher = MinHasher(lsh_params(threshold, num_perm=num_perm), seed=seed)
        conv_parts: list[Signatures] = []
        prompt_parts: list[Signatures] = []
        prompt_rows: list[int] = []
        buckets: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(_BUCKETS)]
        def texts(lo: int) -> tuple[int, list[tuple[str, str | None, str]]]:
            return lo, [example_texts(m, prompts=prompts) for _, m in items[lo : lo + _CHUNK]]

        def hashed(chunk: tuple[int, list[tuple[str, str | None, str]]]) -> tuple[Any, ...]:
            lo, texts_of = chunk
            conv = hash_texts([c for c, _, _ in texts_of], self.hasher)
            rows = [lo + k for k, (_, p, _) in enumerate(texts_of) if p is not None]
            prompt = hash_texts([p for _, p, _ in texts_of if p is not None], self.hasher) if prompts else None
            grams = [g for _, _, g in texts_of]
            hashes, docs = shingle_hashes(grams, [uses_char_shingles(g) for g in grams], word_n=ngram, char_n=ngram, short=False)
            return conv, prompt, rows, hashes, (docs + lo).astype(np.int32)

        # Python builds a chunk's texts while the helper thread hashes the previous chunk.
        for conv, prompt, rows, hashes, docs in overlapped(map(texts, range(0, len(items), _CHUNK)), hashed):
            conv_parts.append(conv)
            if prompt is not None:
                prompt_parts.append(prompt)
                prompt_rows.extend(rows)
            _to_buckets(buckets, hashes, docs)
        bands = self.hasher.params.bands
        self.conversations = join_signatures(conv_parts, bands)
        self.prompts = join_signatures(prompt_parts, bands) if prompts else None
        self.prompt_rows = np.asarray(prompt_rows, dtype=np.int64)
        self.shared_hashes, self.shared_docs, self.single_grams = _shared_grams(buckets, len(items))
        self._clusters: dict[str, DedupResult] = {}

    def matches(self, *, seed: int, threshold: float, num_perm: int = 128) -> bool:
        """Whether the band keys were made with these MinHash parameters."""
        return (seed, threshold, num_perm) == (self.seed, self.threshold, self.num_perm)

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

    def conversation_clusters(self) -> DedupResult:
        """find_clusters over the conversations, as grouping runs it (computed once)."""
        if "conversation" not in self._clusters:
            self._clusters["conversation"] = cluster_signatures(
                self.ids, self.conversations, self.conversation_text, hasher=self.hasher
            )
        return self._clusters["conversation"]

    def prompt_clusters(self) -> DedupResult:
        """find_clusters over the prompts that have text, as grouping runs it (computed once)."""
        if self.prompts is None:
            raise InvalidInputError("these features were made without prompts", field="features")
        if "prompt" not in self._clusters:
            rows = self.prompt_rows.tolist()

            def text_of(i: int) -> str:
                return canonical_text(prompt_messages(self.items[rows[i]][1]), casefold=True)

            self._clusters["prompt"] = cluster_signatures(
                [self.ids[r] for r in rows], self.prompts, text_of, hasher=self.hasher
            )
        return self._clusters["prompt"]
