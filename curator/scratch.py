"""Scratch space on disk: a temporary folder curator makes for itself and always removes.

Big work (dedup and split at a million conversations) keeps what it does not need in memory in
files here: the conversations read from the database (SpilledItems) and sorted n-gram buckets
(curator.split.ngrams). The folder is made with mkdtemp (a fresh name, mode 0700) under the
system's temporary directory ($TMPDIR), holds only files curator wrote, and is removed on
close(), on leaving a with block (an error included) or, failing both, when the object is
garbage collected or the interpreter exits. A process killed outright (kill -9, out of memory)
removes nothing: its folder's name says which process made it (pid and start time), and the
next Scratch removes such folders of processes that are gone. Only folders that look exactly
like ours are touched: our name pattern, owned by this user, mode 0700.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast, overload

import numpy as np

_GROW = 1 << 16
_ITER = 1024  # items read at once when iterating
_SPAN = 1 << 20  # bytes of other items one read may skip over


_OURS = re.compile(r"curator-(?:[a-z]+-)*(\d+)\.(\d+)-[A-Za-z0-9_]{8}")


def _started(pid: int) -> int:
    """A process's start time in clock ticks since boot (0 where /proc does not say)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            return int(stat_file.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def _alive(pid: int, started: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return started == 0 or _started(pid) in (0, started)  # a reused pid is another process


def sweep_abandoned(root: str | None = None) -> list[Path]:
    """Remove the scratch folders that killed curator processes left in root (default: $TMPDIR)."""
    root = root or tempfile.gettempdir()
    removed: list[Path] = []
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        names = os.listdir(root)
    except OSError:
        return removed
    for name in names:
        match = _OURS.fullmatch(name)
        if not match:
            continue
        path = Path(root) / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o700 or (uid is not None and info.st_uid != uid):
            continue
        if _alive(int(match[1]), int(match[2])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


class Scratch:
    """A temporary folder of curator's own; removed by close() (idempotent) or at the latest on exit."""

    def __init__(self, prefix: str = "curator-") -> None:
        sweep_abandoned()
        self.path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}.{_started(os.getpid())}-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def file(self, name: str) -> Path:
        return self.path / name

    def close(self) -> None:
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SpilledItems(Sequence[tuple[str, Any]]):
    """(id, messages) pairs kept as JSON lines in a scratch file, read back on demand.

    append() takes the messages' JSON text (as stored: no parse on the way in); replace() points
    an item at new messages. Indexing and slicing parse what they return; iteration reads the
    file in blocks, in order. Reads are plain preads, not a memory map: the file's pages are
    the kernel's page cache, never this process's memory. Memory: the ids and two offsets per item.
    """

    def __init__(self, scratch: Scratch, name: str = "items.jsonl") -> None:
        self.scratch = scratch
        self.ids: list[str] = []
        self._path = scratch.file(name)
        self._out = open(self._path, "wb")  # noqa: SIM115 - closed by freeze()/close()
        self._size = 0
        self._starts = np.zeros(_GROW, dtype=np.int64)
        self._ends = np.zeros(_GROW, dtype=np.int64)
        self._fd: int | None = None

    def _write(self, text: str) -> tuple[int, int]:
        data = text.encode("utf-8", "surrogatepass") + b"\n"
        start = self._size
        self._out.write(data)
        self._size += len(data)
        return start, self._size - 1

    def append(self, ident: str, messages_json: str) -> int:
        """Add an item; returns its index."""
        index = len(self.ids)
        if index == len(self._starts):
            self._starts = np.resize(self._starts, 2 * index)
            self._ends = np.resize(self._ends, 2 * index)
        self._starts[index], self._ends[index] = self._write(messages_json)
        self.ids.append(ident)
        return index

    def replace(self, index: int, messages: Any) -> None:
        """Point item index at these messages (written at the end of the file)."""
        self._starts[index], self._ends[index] = self._write(json.dumps(messages, ensure_ascii=False, separators=(",", ":")))

    def _reader(self) -> int:
        """A read descriptor (pread: the file's pages stay in the page cache, not in our memory)."""
        if self._fd is None:
            self._out.flush()
            self._fd = os.open(self._path, os.O_RDONLY)
        return self._fd

    def __len__(self) -> int:
        return len(self.ids)

    def messages(self, index: int) -> Any:
        """The messages of item index, parsed."""
        start, end = int(self._starts[index]), int(self._ends[index])
        return json.loads(os.pread(self._reader(), end - start, start))

    def _many(self, rows: list[int]) -> list[Any]:
        """The messages of these items, parsed; one read when they lie close together in the file."""
        if not rows:
            return []
        starts, ends = self._starts[rows], self._ends[rows]
        low, high = int(starts.min()), int(ends.max())
        if high - low > 2 * int((ends - starts).sum()) + _SPAN:
            return [self.messages(r) for r in rows]
        block = os.pread(self._reader(), high - low, low)
        loads = json.loads
        return [loads(block[a - low : b - low]) for a, b in zip(starts.tolist(), ends.tolist())]

    @overload
    def __getitem__(self, index: int) -> tuple[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, Any] | list[tuple[str, Any]]:
        if isinstance(index, slice):
            rows = list(range(*index.indices(len(self.ids))))
            return list(zip([self.ids[i] for i in rows], self._many(rows)))
        if index < 0:
            index += len(self.ids)
        if not 0 <= index < len(self.ids):
            raise IndexError(index)
        return self.ids[index], self.messages(index)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for lo in range(0, len(self.ids), _ITER):
            yield from self[lo : lo + _ITER]

    def subset(self, rows: Sequence[int] | np.ndarray) -> ItemsView:
        """The items at these rows, in this order, read on demand."""
        return ItemsView(self, np.asarray(rows, dtype=np.int64))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._out.close()
        if self._path.exists():
            os.unlink(self._path)


class ItemsView(Sequence[tuple[str, Any]]):
    """Some rows of a SpilledItems, read on demand (what SplitFeatures and find_clusters take)."""

    def __init__(self, items: SpilledItems, rows: np.ndarray) -> None:
        self.items = items
        self.rows = rows

    @property
    def ids(self) -> list[str]:
        every = self.items.ids
        return [every[r] for r in self.rows.tolist()]

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> tuple[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, Any] | list[tuple[str, Any]]:
        if isinstance(index, slice):
            rows = self.rows[index].tolist()
            every = self.items.ids
            return list(zip([every[r] for r in rows], self.items._many(rows)))
        return self.items[int(self.rows[index])]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for lo in range(0, len(self.rows), _ITER):
            yield from self[lo : lo + _ITER]


class StoredMessages(Sequence[Any]):
    """One item's messages, read from its SpilledItems when used (never kept): a placeholder the
    split carries for examples whose features are already made."""

    __slots__ = ("items", "row")

    def __init__(self, items: SpilledItems, row: int) -> None:
        self.items = items
        self.row = row

    def _load(self) -> list[Any]:
        return cast(list[Any], self.items.messages(self.row))

    def __len__(self) -> int:
        return len(self._load())

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())
