"""One helper thread: numpy hashes one chunk of texts while Python builds the next."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def overlapped(chunks: Iterable[T], work: Callable[[T], R]) -> Iterator[R]:
    """work(chunk) for each chunk, in order; each runs on a helper thread while the next is produced.

    numpy releases the GIL inside its array loops, so hashing a chunk overlaps the Python that
    builds the next one. One helper only: work never runs twice at once (a MinHasher's buffer
    is not shared), results come back in order, and at most two chunks are held at a time.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="curator-hash") as pool:
        pending: Future[R] | None = None
        for chunk in chunks:
            future = pool.submit(work, chunk)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            yield pending.result()
