"""Guidelines in the database: the version in force, rule ids, and per-example check flags."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from curator.guidelines import GuidelineSet, diff, guideline_set_from_snapshot, load_guidelines, run_checks, snapshot_json
from curator.guidelines.versions import GuidelineDiff
from curator.models import Example
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store import guideline_store
from curator.store import settings as settings_repo

FLAG_BATCH = 1000


@lru_cache(maxsize=8)
def _from_snapshot(version: str, snapshot: str) -> GuidelineSet:
    return guideline_set_from_snapshot(json.loads(snapshot))


def current(store: Store) -> GuidelineSet | None:
    """The guideline set in force (the latest loaded), or None before any was loaded."""
    with store.read() as conn:
        found = guideline_store.current(conn)
    return _from_snapshot(*found) if found else None


def current_version(store: Store) -> str | None:
    with store.read() as conn:
        found = guideline_store.current(conn)
    return found[0] if found else None


def version_set(store: Store, version: str) -> GuidelineSet | None:
    """The guideline set recorded under ``version`` (None if this database never saw it)."""
    with store.read() as conn:
        snap = guideline_store.snapshot_of(conn, version)
    return _from_snapshot(version, snap) if snap else None


def known_rule_ids(store: Store) -> set[str] | None:
    """Rule ids of the guideline in force; None while no guideline has been loaded."""
    gs = current(store)
    return set(gs.ids) if gs else None


FLAGS_VERSION_KEY = "flags_version"  # settings: the version whose flags every example carries


def load_into_store(store: Store, folder: str | Path, *, progress: Callable[[int], None] | None = None) -> str:
    """Load a guidelines folder and make it the version in force.

    When the version differs from the one in force, every example's flags are recomputed; so
    they are when a recomputation for this version never finished (a kill halfway), which the
    settings record: the version whose recomputation completed.
    """
    gs = load_guidelines(folder)
    with store.read() as conn:
        before = guideline_store.current(conn)
        flagged = settings_repo.get(conn, FLAGS_VERSION_KEY)
    with store.write() as conn:
        guideline_store.save_version(conn, gs.version, snapshot_json(gs))
    if before is None or before[0] != gs.version or flagged != gs.version:
        refresh_flags(store, gs, progress=progress)
        with store.write() as conn:
            settings_repo.put(conn, FLAGS_VERSION_KEY, gs.version)
    return gs.version


def changes_since(store: Store, old_version: str) -> GuidelineDiff | None:
    """What changed from ``old_version`` to the version in force."""
    old, new = version_set(store, old_version), current(store)
    return diff(old, new) if old and new else None


def _flag_rows(examples: Sequence[Example], gs: GuidelineSet) -> list[dict[str, Any]]:
    rows = []
    for ex in examples:
        for f in run_checks(ex, gs):
            rows.append({"example_id": ex.id, "rule_id": f.rule_id, "check_name": f.check, "message": f.message, "guideline_version": gs.version})
    return rows


def flag_examples(store: Store, example_ids: Sequence[str]) -> int:
    """Run the checks of the guideline in force on these examples; store and count the flags."""
    gs = current(store)
    if gs is None or not example_ids:
        return 0
    total = 0
    ids = list(example_ids)
    for start in range(0, len(ids), FLAG_BATCH):
        chunk = ids[start : start + FLAG_BATCH]
        with store.read() as conn:
            exs = list(examples_repo.iter_examples(conn, flt=examples_repo.ExampleFilter(ids=chunk)))
        rows = _flag_rows(exs, gs)
        with store.write() as conn:
            guideline_store.replace_flags(conn, chunk, rows)
        total += len(rows)
    return total


def refresh_flags(store: Store, gs: GuidelineSet | None = None, *, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every example's flags under ``gs`` (default: the version in force)."""
    gs = gs or current(store)
    if gs is None:
        return 0
    total = done = 0

    def flush(batch: list[Example]) -> None:
        nonlocal total, done
        rows = _flag_rows(batch, gs)
        with store.write() as wconn:
            guideline_store.replace_flags(wconn, [e.id for e in batch], rows)
        total += len(rows)
        done += len(batch)
        if progress:
            progress(done)

    # Reads stream from one snapshot while each batch's flags commit on their own (WAL / MVCC).
    with store.read() as conn:
        batch: list[Example] = []
        for ex in examples_repo.iter_examples(conn, batch=FLAG_BATCH):
            batch.append(ex)
            if len(batch) == FLAG_BATCH:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
    return total


def flags_for(store: Store, example_id: str) -> list[dict[str, Any]]:
    """The automated flags on one example (rule id, check, message, version)."""
    with store.read() as conn:
        return guideline_store.flags_for(conn, example_id)
