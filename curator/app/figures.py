"""Figures too slow for a keypress's rerun (a count over a million examples).

They are computed on a helper thread and served from the last result, so a decision never
waits for a count. The first count of a scope is waited for a moment (FIRST_WAIT): on most
databases it is in by then, so the page opens with the figure; on a very large one the page
shows "counting…" and the figure from its next run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

from curator.services import queue
from curator.services.database import Store
from curator.services.queue import QueueFilter

MAX_AGE = 5.0  # seconds a result is served before a refresh starts
FIRST_WAIT = 0.5  # seconds the first count of a scope is waited for
_lock = threading.Lock()
_results: dict[Hashable, tuple[Any, float]] = {}
_running: dict[Hashable, threading.Event] = {}  # set when that count is in


def queue_progress(store: Store, flt: QueueFilter) -> tuple[int, int] | None:
    """(total, decided) in the queue's scope as of the last count, or None before the first."""
    key = (store.url, flt)
    now = time.monotonic()
    with _lock:
        found = _results.get(key)
        counting = _running.get(key)
        if counting is None and (found is None or now - found[1] > MAX_AGE):
            counting = _running[key] = threading.Event()
            threading.Thread(target=_count, args=(store, flt, key, counting), daemon=True, name="curator-progress").start()
    if found is None and counting is not None and counting.wait(FIRST_WAIT):
        with _lock:
            found = _results.get(key)
    return found[0] if found else None


def _count(store: Store, flt: QueueFilter, key: Hashable, done: threading.Event) -> None:
    try:
        value = queue.scope_progress(store, flt)
        with _lock:
            _results[key] = (value, time.monotonic())
    finally:
        with _lock:
            _running.pop(key, None)
        done.set()
