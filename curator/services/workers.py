"""Worker processes: map a function over batches in order, the calling process the one consumer.

Import and ``guidelines load`` spend their time in pure Python (parsing, validating, token
counting, checks), which one process can only do on one core. ``ordered_map`` hands batches to
worker processes round-robin and gives back their results in the order of the batches, so the
caller - the one process that writes to the database - stores exactly what a single process
would have stored, in the same order. At most ``DEPTH`` batches per worker are in flight, so
memory does not grow with the input.

Workers are forked: they start at once and inherit what the caller has loaded (tokenizer
vocabularies, compiled guideline patterns). Forking a process that runs other threads (the web
app) is not safe, so there the default is to work in the calling process, as ``workers=0``
does; either way the results are the same. A worker whose parent dies (kill -9) exits
within a second instead of lingering.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from curator.errors import CuratorError

T = TypeVar("T")
R = TypeVar("R")

DEPTH = 2  # batches in flight per worker: one being worked on, one waiting
_POLL_SECONDS = 0.5  # how often an idle worker looks whether its parent is still there
_END = object()


class WorkerError(CuratorError):
    """A worker process failed in a way that could not be passed back as its own error."""


def default_workers() -> int:
    """Worker processes to use by default: one per core this process may run on, if it may fork.

    Not in a process that runs other threads (the web app): a lock one of them holds at the
    fork would stay locked in the child. Asked for explicitly, workers are forked anyway.
    """
    if not _can_fork() or threading.active_count() > 1:
        return 0
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def ordered_map(make: Callable[[], Callable[[T], R]], items: Iterable[T], *, workers: int | None = None) -> Iterator[R]:
    """``make()(item)`` for every item, in order; the work spread over ``workers`` processes.

    ``make`` builds the function once per worker (it may load or compile what every batch
    needs). ``workers`` None means ``default_workers()``; with 0, a single item, or where
    processes cannot be forked the work is done here. Closing the iterator early stops the workers.
    """
    count = default_workers() if workers is None else workers
    it = iter(items)
    first = next(it, _END)
    if first is _END:
        return
    second = next(it, _END)
    if count <= 0 or second is _END or not _can_fork():
        work = make()
        yield work(first)  # type: ignore[arg-type]
        for item in it if second is _END else chain([second], it):
            yield work(item)  # type: ignore[arg-type]
        return
    pool = _Pool(make, count)
    try:
        waiting: deque[int] = deque()
        for n, item in enumerate(chain([first, second], it)):
            pool.send(n % count, item)
            waiting.append(n % count)
            if len(waiting) >= count * DEPTH:
                yield pool.receive(waiting.popleft())
        while waiting:
            yield pool.receive(waiting.popleft())
    finally:
        pool.close()


class _Pool:
    """Forked workers, each with a pipe for batches and one for results."""

    def __init__(self, make: Callable[[], Callable[[Any], Any]], count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._tasks: list[Connection] = []
        self._results: list[Connection] = []
        self._processes = []
        parent = os.getpid()
        try:
            for _ in range(count):
                task_reader, task_writer = context.Pipe(duplex=False)
                result_reader, result_writer = context.Pipe(duplex=False)
                # The child closes the parent's ends (its own and, inherited, the other workers').
                theirs = [*self._tasks, *self._results, task_writer, result_reader]
                process = context.Process(target=_serve, args=(task_reader, result_writer, make, parent, theirs),
                                          name="curator-worker", daemon=True)
                process.start()
                task_reader.close()
                result_writer.close()
                self._tasks.append(task_writer)
                self._results.append(result_reader)
                self._processes.append(process)
        except BaseException:
            self.close(wait=False)
            raise

    def send(self, worker: int, item: Any) -> None:
        try:
            self._tasks[worker].send(item)
        except (BrokenPipeError, EOFError, OSError) as exc:
            raise WorkerError(f"worker process {worker + 1} stopped: {self._exit_reason(worker)}") from exc

    def receive(self, worker: int) -> Any:
        try:
            status, value = self._results[worker].recv()
        except (EOFError, OSError) as exc:
            raise WorkerError(f"worker process {worker + 1} stopped: {self._exit_reason(worker)}") from exc
        if status == "error":
            raise value
        return value

    def _exit_reason(self, worker: int) -> str:
        process = self._processes[worker]
        process.join(1)
        code = process.exitcode
        if code is None:
            return "it stopped answering"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def close(self, *, wait: bool = True) -> None:
        for conn in self._tasks:
            try:
                conn.send(None)
            except OSError:
                pass
        for process in self._processes:
            process.join(5 if wait else 0)
            if process.is_alive():
                process.kill()
                process.join()
        for conn in (*self._tasks, *self._results):
            conn.close()


def _serve(tasks: Connection, results: Connection, make: Callable[[], Callable[[Any], Any]],
           parent: int, theirs: list[Connection]) -> None:
    """A worker's life: read batches on a thread (so the parent never waits to send), work, answer."""
    for conn in theirs:
        conn.close()
    gc.disable()  # the work makes millions of short-lived objects; young collections after each batch
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        while True:
            try:
                ready = tasks.poll(_POLL_SECONDS)
                item = tasks.recv() if ready else _END
            except (EOFError, OSError):
                os._exit(1)
            if item is _END:
                if os.getppid() != parent:
                    os._exit(1)  # the parent is gone (killed): nobody will read what we make
                continue
            inbox.put(item)
            if item is None:
                return

    threading.Thread(target=read, name="curator-worker-inbox", daemon=True).start()
    status = 0
    try:
        work = make()
        while (item := inbox.get()) is not None:
            try:
                answer: tuple[str, Any] = ("ok", work(item))
            except BaseException as exc:  # noqa: BLE001 - passed back to the parent, raised there
                answer = ("error", _portable(exc))
            results.send(answer)
            gc.collect(1)
    except BaseException as exc:  # noqa: BLE001 - make() failed, or the parent went away
        try:
            results.send(("error", _portable(exc)))
        except OSError:
            pass
        status = 1
    finally:
        results.close()
        os._exit(status)  # no atexit handlers or finalizers of what the fork inherited


def _portable(exc: BaseException) -> BaseException:
    """The error itself when it survives pickling unchanged, else a WorkerError with its traceback."""
    try:
        again = pickle.loads(pickle.dumps(exc))
        if type(again) is type(exc) and str(again) == str(exc):
            return exc
    except Exception:  # noqa: BLE001
        pass
    text = "".join(traceback.format_exception(exc)).strip()
    return WorkerError(f"{type(exc).__name__}: {exc}\n{text}")
