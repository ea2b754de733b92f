"""Figures too slow for a keypress's rerun (a count over a million examples).

They are computed on a helper thread and served from the last result, so a decision never
waits for a count; a page shows "counting…" until the first result is in.
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
_lock = threading.Lock()
_results: dict[Hashable, tuple[Any, float]] = {}
_running: set[Hashable] = set()


def queue_progress(store: Store, flt: QueueFilter) -> tuple[int, int] | None:
    """(total, decided) in the queue's scope as of the last count, or None before the first."""
    key = (store.url, flt)
    now = time.monotonic()
    with _lock:
        found = _results.get(key)
        start = (found is None or now - found[1] > MAX_AGE) and key not in _running
        if start:
            _running.add(key)
    if start:
        threading.Thread(target=_count, args=(store, flt, key), daemon=True, name="curator-progress").start()
    return found[0] if found else None


def _count(store: Store, flt: QueueFilter, key: Hashable) -> None:
    try:
        value = queue.scope_progress(store, flt)
        with _lock:
            _results[key] = (value, time.monotonic())
    finally:
        with _lock:
            _running.discard(key)
