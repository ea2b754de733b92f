"""Long writes in short transactions: a file of lines applied a batch at a time.

SQLite has one writer at a time. A file of decisions or suggestions applied in one transaction
held the write lock for its whole length, and every other writer (a sign-in writes a session
row, a reviewer's decision) waited past its busy timeout and failed. Here a batch ends at
``BATCH_ITEMS`` items or ``BATCH_SECONDS``, whichever comes first, and on SQLite the writer
pauses ``SQLITE_PAUSE`` between batches: a waiting writer retries at least that often, so it
gets in. On PostgreSQL rows lock one by one and nobody waits on the file; batches there keep a
kill from losing more than one batch of work, and nothing pauses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from curator.store import Connection, Store

BATCH_ITEMS = 200  # items worked on per transaction at most...
BATCH_SECONDS = 0.5  # ...and seconds: SQLite's write lock is never held longer than about this
SQLITE_PAUSE = 0.1  # between batches: a waiting writer retries at least every 100 ms, so it gets in

T = TypeVar("T")


def write_in_batches(store: Store, items: Iterable[T], apply: Callable[[Connection, T], bool],
                     end_batch: Callable[[Connection], None]) -> None:
    """``apply(conn, item)`` every item, committing in batches; ``end_batch(conn)`` closes each one.

    ``apply`` says whether the item was work (an item an earlier run already applied costs
    nothing and does not count towards the batch). ``end_batch`` runs in the batch's own
    transaction, after its last item: it stores what the batch gathered, so the batch commits
    whole or not at all.
    """
    pending = iter(items)
    more = True
    while more:
        more = False
        with store.write() as conn:
            started, n = time.monotonic(), 0
            for item in pending:
                n += apply(conn, item)
                if n >= BATCH_ITEMS or time.monotonic() - started >= BATCH_SECONDS:
                    more = True
                    break
            end_batch(conn)
        if more and store.dialect == "sqlite":
            time.sleep(SQLITE_PAUSE)


__all__ = ["BATCH_ITEMS", "BATCH_SECONDS", "SQLITE_PAUSE", "write_in_batches"]
