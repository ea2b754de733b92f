"""Import: read a file through its format, validate, count tokens, store; nothing lost."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from curator.formats import Parsed, open_records
from curator.formats.codes import OVER_TOKEN_LIMIT
from curator.guidelines import GuidelineSet
from curator.models import Problem
from curator.services import guideline_sync
from curator.store import Store, guideline_store
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.tokens import DEFAULT_MODEL, count_many, model_info

BATCH = 2000
# A batch also ends at this many bytes of raw records: two batches are in memory at once, and
# records may be up to formats.limits.MAX_RECORD_BYTES each.
BATCH_BYTES = 16 * 1024 * 1024


@dataclass
class ImportSummary:
    """What an import did. ``records`` always equals examples + duplicates + problems."""

    path: str
    source: str
    format: str
    reason: str
    records: int = 0
    examples: int = 0
    duplicates: int = 0
    problems: int = 0
    flags: int = 0  # guideline flags stored: on the new examples, and on any caught up
    problem_codes: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    model: str = DEFAULT_MODEL
    seconds: float = 0.0
    example_ids: list[str] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("example_ids")
        return out


def _batches(items: Iterable[Parsed], size: int, max_bytes: int = BATCH_BYTES) -> Iterator[list[Parsed]]:
    """Lists of ``size`` records, or fewer when their raw text reaches ``max_bytes`` characters."""
    chunk: list[Parsed] = []
    held = 0
    for item in items:
        chunk.append(item)
        held += len(item.raw)
        if len(chunk) >= size or held >= max_bytes:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def import_file(
    store: Store,
    path: str | Path,
    *,
    format: str = "auto",
    source: str | None = None,
    model: str = DEFAULT_MODEL,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
    label: str | None = None,
) -> ImportSummary:
    """Import one file (or Hugging Face dataset folder) into the store.

    Each batch is its own transaction, which stores its new examples together with their
    guideline flags, so an interrupted import keeps what it stored, flagged, and a second run of
    the same file adds only what is missing. At the end, any example whose flags are missing
    or stale (an older database, a load interrupted) is flagged too. ``label`` names the file
    in messages and on what is stored (default: its path).
    """
    started = time.perf_counter()
    reader = open_records(path, format=format, source=source, label=label)
    info = model_info(model)
    limit = info.max_example_tokens
    first = _peek_source(reader)
    summary = ImportSummary(path=reader.path, source=first, format=reader.format, reason=reader.reason, model=model)
    guidelines = guideline_sync.current(store)
    with store.write() as conn:
        import_id = imports_repo.start(conn, source=summary.source, path=str(path), format=reader.format, reason=reader.reason)
    problem_codes: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    # tiktoken releases the GIL: count one batch's tokens on a worker thread while this thread
    # parses and validates the next one, then store the counted batch.
    with _young_gc_only(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="curator-tokens") as counter:
        pending: tuple[list[Parsed], Future[list[int]]] | None = None
        for batch in _batches(reader, batch_size):
            valid = [p.example for p in batch if p.example is not None]
            future = counter.submit(count_many, [ex.plain_messages() for ex in valid], model=model, tools=[ex.tools for ex in valid])
            if pending is not None:
                _store_batch(store, *pending, import_id, (limit, info.encoding), guidelines, summary, problem_codes, warnings)
                gc.collect(1)
                if progress:
                    progress(summary.records)
            pending = (batch, future)
        if pending is not None:
            _store_batch(store, *pending, import_id, (limit, info.encoding), guidelines, summary, problem_codes, warnings)
            if progress:
                progress(summary.records)
    summary.problem_codes = dict(sorted(problem_codes.items()))
    summary.warnings = dict(sorted(warnings.items()))
    with store.write() as conn:
        imports_repo.finish(conn, import_id, records=summary.records, examples=summary.examples, duplicates=summary.duplicates, problems=summary.problems)
    summary.flags += guideline_sync.refresh_flags(store)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def problems(store: Store, *, source: str | None = None) -> list[Problem]:
    """The quarantined records (of one source, if named), in the order they were found."""
    with store.read() as conn:
        return imports_repo.list_problems(conn, source=source)


@contextmanager
def _young_gc_only() -> Iterator[None]:
    """Collect only young objects (after each batch) while importing.

    The import allocates millions of short-lived dicts; the automatic collector keeps walking
    every long-lived object of the process (SQLAlchemy, pydantic, tiktoken) on their account,
    which cost about a fifth of the import's time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _peek_source(reader: Any) -> str:
    return getattr(reader, "source", None) or Path(reader.path).name


def _store_batch(
    store: Store,
    batch: list[Parsed],
    counted: Future[list[int]],
    import_id: int,
    counting: tuple[int, str],
    guidelines: GuidelineSet | None,
    summary: ImportSummary,
    problem_codes: Counter[str],
    warnings: Counter[str],
) -> None:
    valid = [p.example for p in batch if p.example is not None]
    problems = [prob for p in batch for prob in p.problems]
    counts = counted.result()
    limit, encoding = counting  # the model's per-example limit, and the encoding the counts are in
    for ex, n in zip(valid, counts, strict=True):
        ex.tokens = n
        ex.tokens_encoding = encoding
        if n > limit and OVER_TOKEN_LIMIT not in ex.warnings:
            ex.warnings.append(OVER_TOKEN_LIMIT)
        warnings.update(ex.warnings)
    flag_rows: list[dict[str, Any]] = []
    if guidelines is not None and valid:
        # The checks run before the write transaction (they take time; the lock should not),
        # on the examples not stored yet: the ones the transaction can find new.
        with store.read() as conn:
            stored = examples_repo.existing_ids(conn, (ex.id for ex in valid))
        flag_rows = guideline_sync.flag_rows([ex for ex in valid if ex.id not in stored], guidelines)
    with store.write() as conn:
        fresh = examples_repo.insert_many(conn, valid, import_id=import_id,
                                          flags_version=guidelines.version if guidelines else None)
        if flag_rows:
            new_ids = {ex.id for ex, f in zip(valid, fresh) if f}
            flag_rows = [row for row in flag_rows if row["example_id"] in new_ids]
            guideline_store.replace_flags(conn, sorted(new_ids), flag_rows)
        imports_repo.add_problems(conn, problems, import_id=import_id)
    summary.flags += len(flag_rows)
    summary.records += len(batch)
    new = sum(fresh)
    summary.examples += new
    summary.duplicates += len(valid) - new
    summary.example_ids.extend(ex.id for ex, f in zip(valid, fresh) if f)
    bad = [p for p in batch if p.example is None]
    summary.problems += len(bad)
    problem_codes.update(prob.code for p in bad for prob in p.problems)
