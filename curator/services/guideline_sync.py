"""Guidelines in the database: the version in force, rule ids, and per-example check flags."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from curator.guidelines import GuidelineSet, diff, guideline_set_from_snapshot, load_guidelines, run_checks, snapshot_json
from curator.guidelines.changes import GuidelineDiff
from curator.models import Example
from curator.ordering import Strategy
from curator.services import queue_order
from curator.services.workers import ordered_map
from curator.store import Store, guideline_store
from curator.store import examples as examples_repo

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


def load_into_store(store: Store, folder: str | Path, *, progress: Callable[[int], None] | None = None,
                    workers: int | None = None) -> str:
    """Load a guidelines folder and make it the version in force.

    Then every example whose flags were not computed under this version gets them: all of them
    after a change of version, and after an interrupted load or import, those it did not reach.
    """
    gs = load_guidelines(folder)
    with store.write() as conn:
        guideline_store.save_version(conn, gs.version, snapshot_json(gs))
    refresh_flags(store, gs, progress=progress, workers=workers)
    queue_order.refresh(store, because=[Strategy.FLAGGED_FIRST])  # new flags, new severities
    return gs.version


def changes_since(store: Store, old_version: str) -> GuidelineDiff | None:
    """What changed from ``old_version`` to the version in force."""
    old, new = version_set(store, old_version), current(store)
    return diff(old, new) if old and new else None


def flag_rows(examples: Sequence[Example], gs: GuidelineSet) -> list[dict[str, Any]]:
    """The flag rows to store for these examples under ``gs`` (rule, check, message, version)."""
    rows = []
    for ex in examples:
        for f in run_checks(ex, gs):
            rows.append({"example_id": ex.id, "rule_id": f.rule_id, "check_name": f.check, "message": f.message, "guideline_version": gs.version})
    return rows


def _store_flags(store: Store, examples: Sequence[Example], gs: GuidelineSet, *, force: bool) -> int:
    """Store the flags of these examples under ``gs``; only those still stale unless ``force``."""
    rows = flag_rows(examples, gs)
    with store.write() as conn:
        claimed = set(guideline_store.claim_flags(conn, [e.id for e in examples], gs.version, force=force))
        guideline_store.replace_flags(conn, sorted(claimed), [r for r in rows if r["example_id"] in claimed])
    return sum(1 for r in rows if r["example_id"] in claimed)


def flag_examples(store: Store, example_ids: Sequence[str]) -> int:
    """Run the checks of the guideline in force on these examples; store and count the flags."""
    gs = current(store)
    if gs is None or not example_ids:
        return 0
    total = 0
    ids = list(example_ids)
    for start in range(0, len(ids), FLAG_BATCH):
        with store.read() as conn:
            exs = list(examples_repo.iter_examples(conn, flt=examples_repo.ExampleFilter(ids=ids[start : start + FLAG_BATCH])))
        total += _store_flags(store, exs, gs, force=True)
    return total


def refresh_flags(store: Store, gs: GuidelineSet | None = None, *, progress: Callable[[int], None] | None = None,
                  workers: int | None = None) -> int:
    """Flag every example whose flags are missing or stale under ``gs`` (default: the version in force).

    Idempotent and safe to interrupt: each batch's flags commit with the mark that they are
    done, so a re-run (or the next import) picks up exactly where this one stopped. Stops early
    if another version is loaded meanwhile: that load flags everything under its own version.
    The checks run in ``workers`` processes (default: one per core; 0: in this process) while
    this process reads the stale examples and stores their flags, batch after batch in order.
    """
    gs = gs or current(store)
    if gs is None:
        return 0
    sent: dict[str, None] = {}  # ids handed to the workers whose flags are not stored yet

    def stale_batches() -> Iterator[list[dict[str, Any]]]:
        while True:
            with store.read() as conn:
                found = guideline_store.current(conn)
                if found is None or found[0] != gs.version:
                    return
                # Still stale, but on their way: skip them (they are marked when stored).
                ids = [i for i in guideline_store.stale_ids(conn, gs.version, limit=FLAG_BATCH + len(sent))
                       if i not in sent][:FLAG_BATCH]
                if not ids:
                    return
                rows = examples_repo.rows_of(conn, ids)
            sent.update(dict.fromkeys(ids))
            yield rows

    total = done = 0
    for ids, rows in ordered_map(partial(FlagChecker, gs), stale_batches(), workers=workers):
        with store.write() as conn:
            claimed = set(guideline_store.claim_flags(conn, ids, gs.version, force=False))
            kept = [r for r in rows if r["example_id"] in claimed]
            guideline_store.replace_flags(conn, sorted(claimed), kept)
        total += len(kept)
        for i in ids:
            sent.pop(i, None)
        done += len(ids)
        if progress:
            progress(done)
    return total


class FlagChecker:
    """Runs a guideline set's checks on stored example rows: (their ids, the flag rows)."""

    def __init__(self, gs: GuidelineSet) -> None:
        self._gs = gs

    def __call__(self, rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
        exs = [examples_repo.row_to_example(row) for row in rows]
        return [e.id for e in exs], flag_rows(exs, self._gs)


def flags_for(store: Store, example_id: str) -> list[dict[str, Any]]:
    """The automated flags on one example (rule id, check, message, version)."""
    with store.read() as conn:
        return guideline_store.flags_for(conn, example_id)
