"""What one batch of an import becomes before it is written: parsed, counted, checked, made rows.

This is the import's work that does not write to the database, so worker processes do it (see
``workers.ordered_map``) while the importing process writes. Token counts are made once here
and are what the token-limit check reads.

A file imported again (a grown export, a re-run) is mostly examples already stored: their rows
only add places, and their flags would be thrown away. So each batch first asks the database
which of its examples are stored (``StoredExamples``, a read) and neither counts nor checks
those: their stored count, where it is in this model's encoding, stands in for a new one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from curator.formats import RecordReader
from curator.formats.codes import OVER_TOKEN_LIMIT
from curator.guidelines import GuidelineSet
from curator.models import Problem
from curator.services.guideline_sync import flag_rows
from curator.store import Store
from curator.store import examples as examples_repo
from curator.tokens import DEFAULT_MODEL, count_many, model_info


@dataclass
class PreparedBatch:
    """A batch of records ready to store: its examples' rows, their flags, its problems."""

    records: int
    examples: examples_repo.ExampleRows
    flag_rows: list[dict[str, Any]]  # every example's; the writer keeps those of the new ones
    problems: list[Problem]
    bad: int  # records that became problems
    problem_codes: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)


class StoredExamples:
    """Which examples a database already holds, and their token counts (read in the worker)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._store: Store | None = None  # opened in the process that asks (a forked worker has its own)

    def counts(self, ids: list[str]) -> dict[str, tuple[int | None, str | None]]:
        if self._store is None:
            self._store = Store(self._url, upgrade=False)
        with self._store.read() as conn:
            return examples_repo.stored_counts(conn, ids)

    def close(self) -> None:
        """Close this process's connections (a forked worker's close with it)."""
        if self._store is not None:
            self._store.close()
            self._store = None


class BatchPreparer:
    """Prepares batches of one file's records (as ``RecordReader.records`` gives them)."""

    def __init__(self, reader: RecordReader, *, model: str, guidelines: GuidelineSet | None, threads: bool,
                 stored: StoredExamples | None = None) -> None:
        self._reader = reader
        self._model = model
        info = model_info(model)
        self._limit, self._encoding = info.max_example_tokens, info.encoding
        self._default_encoding = model_info(DEFAULT_MODEL).encoding  # what a count stored before 0010 is in
        self._guidelines = guidelines
        self._threads = threads
        self._stored = stored

    def __call__(self, records: list[Any]) -> PreparedBatch:
        parsed = [self._reader.parse(r) for r in records]
        valid = [p.example for p in parsed if p.example is not None]
        stored = self._stored.counts([ex.id for ex in valid]) if self._stored is not None and valid else {}
        known = {eid: n for eid, (n, encoding) in stored.items() if n is not None and (encoding or self._default_encoding) == self._encoding}
        to_count = [ex for ex in valid if ex.id not in known]
        counted = count_many([ex.plain_messages() for ex in to_count], model=self._model,
                             tools=[ex.tools for ex in to_count], threads=self._threads)
        counts = dict(zip((ex.id for ex in to_count), counted, strict=True))
        warnings: Counter[str] = Counter()
        for ex in valid:
            n = known[ex.id] if ex.id in known else counts[ex.id]
            ex.tokens = n
            ex.tokens_encoding = self._encoding
            if n > self._limit and OVER_TOKEN_LIMIT not in ex.warnings:
                ex.warnings.append(OVER_TOKEN_LIMIT)
            warnings.update(ex.warnings)
        bad = [p for p in parsed if p.example is None]
        new = [ex for ex in valid if ex.id not in stored]  # only new examples' flags are stored
        return PreparedBatch(
            records=len(parsed),
            examples=examples_repo.example_rows(valid),
            flag_rows=flag_rows(new, self._guidelines) if self._guidelines is not None else [],
            problems=[prob for p in parsed for prob in p.problems],
            bad=len(bad),
            problem_codes=Counter(prob.code for p in bad for prob in p.problems),
            warnings=warnings,
        )
