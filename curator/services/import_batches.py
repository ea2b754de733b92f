"""What one batch of an import becomes before it is written: parsed, counted, checked, made rows.

This is the import's work that does not touch the database, so worker processes do it (see
``workers.ordered_map``) while the importing process writes. Token counts are made once here
and are what the token-limit check reads.
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
from curator.store import examples as examples_repo
from curator.tokens import count_many, model_info


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


class BatchPreparer:
    """Prepares batches of one file's records (as ``RecordReader.records`` gives them)."""

    def __init__(self, reader: RecordReader, *, model: str, guidelines: GuidelineSet | None, threads: bool) -> None:
        self._reader = reader
        self._model = model
        info = model_info(model)
        self._limit, self._encoding = info.max_example_tokens, info.encoding
        self._guidelines = guidelines
        self._threads = threads

    def __call__(self, records: list[Any]) -> PreparedBatch:
        parsed = [self._reader.parse(r) for r in records]
        valid = [p.example for p in parsed if p.example is not None]
        counts = count_many([ex.plain_messages() for ex in valid], model=self._model,
                            tools=[ex.tools for ex in valid], threads=self._threads)
        warnings: Counter[str] = Counter()
        for ex, n in zip(valid, counts, strict=True):
            ex.tokens = n
            ex.tokens_encoding = self._encoding
            if n > self._limit and OVER_TOKEN_LIMIT not in ex.warnings:
                ex.warnings.append(OVER_TOKEN_LIMIT)
            warnings.update(ex.warnings)
        bad = [p for p in parsed if p.example is None]
        return PreparedBatch(
            records=len(parsed),
            examples=examples_repo.example_rows(valid),
            flag_rows=flag_rows(valid, self._guidelines) if self._guidelines is not None else [],
            problems=[prob for p in parsed for prob in p.problems],
            bad=len(bad),
            problem_codes=Counter(prob.code for p in bad for prob in p.problems),
            warnings=warnings,
        )
