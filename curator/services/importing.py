"""Import: read a file through its format, validate, count tokens, store; nothing lost."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from curator.formats import open_records
from curator.guidelines import GuidelineSet
from curator.models import Problem
from curator.services import guideline_sync, queue_order
from curator.services.import_batches import BatchPreparer, PreparedBatch, StoredExamples
from curator.services.workers import default_workers, ordered_map
from curator.store import Store, guideline_store
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.tokens import DEFAULT_MODEL, model_info


class _Read(Protocol):
    """A record as read: its raw text counts towards a batch's bytes."""

    @property
    def raw(self) -> str: ...


T = TypeVar("T", bound=_Read)

BATCH = 2000
# A batch also ends at this many bytes of raw records: a few batches are in memory at once (one
# here, workers.DEPTH in each worker), and records may be up to formats.limits.MAX_RECORD_BYTES each.
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


def _batches(items: Iterable[T], size: int, max_bytes: int = BATCH_BYTES) -> Iterator[list[T]]:
    """Lists of ``size`` records, or fewer when their raw text reaches ``max_bytes`` characters."""
    chunk: list[T] = []
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
    workers: int | None = None,
) -> ImportSummary:
    """Import one file (or Hugging Face dataset folder) into the store.

    Each batch is its own transaction, which stores its new examples together with their
    guideline flags, so an interrupted import keeps what it stored, flagged, and a second run of
    the same file adds only what is missing. At the end, any example whose flags are missing
    or stale (an older database, a load interrupted) is flagged too. ``label`` names the file
    in messages and on what is stored (default: its path).

    Parsing, token counting and the checks run in ``workers`` processes (default: one per
    core; 0: in this process), this process writing every batch in the file's order: what is
    stored is the same whatever the number of workers.
    """
    started = time.perf_counter()
    reader = open_records(path, format=format, source=source, label=label)
    model_info(model)  # an unknown model fails here, before anything is stored
    first = _peek_source(reader)
    summary = ImportSummary(path=reader.path, source=first, format=reader.format, reason=reader.reason, model=model)
    guidelines = guideline_sync.current(store)
    with store.write() as conn:
        import_id = imports_repo.start(conn, source=summary.source, path=str(path), format=reader.format, reason=reader.reason)
    problem_codes: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    count = default_workers() if workers is None else workers
    # With workers, each counts its own batches on one thread; alone, tiktoken's threads help.
    stored = None if store.in_memory else StoredExamples(store.url)  # a second engine would see another database
    make = partial(BatchPreparer, reader, model=model, guidelines=guidelines, threads=count <= 0, stored=stored)
    try:
        with _young_gc_only():
            for prepared in ordered_map(make, _batches(reader.records(), batch_size), workers=count):
                _store_batch(store, prepared, import_id, guidelines, summary)
                problem_codes.update(prepared.problem_codes)
                warnings.update(prepared.warnings)
                gc.collect(1)
                if progress:
                    progress(summary.records)
    finally:
        if stored is not None:
            stored.close()  # what the batches prepared here opened (workers close theirs as they exit)
    summary.problem_codes = dict(sorted(problem_codes.items()))
    summary.warnings = dict(sorted(warnings.items()))
    with store.write() as conn:
        imports_repo.finish(conn, import_id, records=summary.records, examples=summary.examples, duplicates=summary.duplicates, problems=summary.problems)
    summary.flags += guideline_sync.refresh_flags(store)
    if summary.examples:
        queue_order.refresh(store)  # new examples take their place under the strategy in force
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


def _store_batch(store: Store, prepared: PreparedBatch, import_id: int, guidelines: GuidelineSet | None,
                 summary: ImportSummary) -> None:
    """Write one prepared batch in one transaction: new examples with their flags, and problems."""
    rows = prepared.examples
    with store.write() as conn:
        fresh = examples_repo.insert_rows(conn, rows, import_id=import_id,
                                          flags_version=guidelines.version if guidelines else None)
        new_ids = {ex_id for ex_id, f in zip(rows.ids, fresh) if f}
        flag_rows = [row for row in prepared.flag_rows if row["example_id"] in new_ids]
        if flag_rows:
            guideline_store.replace_flags(conn, sorted(new_ids), flag_rows)
        imports_repo.add_problems(conn, prepared.problems, import_id=import_id)
    summary.flags += len(flag_rows)
    summary.records += prepared.records
    new = sum(fresh)
    summary.examples += new
    summary.duplicates += len(rows.ids) - new
    summary.example_ids.extend(ex_id for ex_id, f in zip(rows.ids, fresh) if f)
    summary.problems += prepared.bad
