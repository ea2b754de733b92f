"""Scratch space on disk: a temporary folder curator makes for itself and always removes.

Big work (dedup and split at a million conversations) keeps what it does not need in memory in
files here: the conversations read from the database (SpilledItems) and sorted n-gram buckets
(curator.split.ngrams). The folder is made with mkdtemp (a fresh name, mode 0700) under the
system's temporary directory ($TMPDIR), holds only files curator wrote, and is removed on
close(), on leaving a with block (an error included) or, failing both, when the object is
garbage collected or the interpreter exits.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

_GROW = 1 << 16


class Scratch:
    """A temporary folder of curator's own; removed by close() (idempotent) or at the latest on exit."""

    def __init__(self, prefix: str = "curator-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
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
    an item at new messages. Indexing and slicing parse what they return; iteration streams the
    file in order. Memory: the ids and two offsets per item.
    """

    def __init__(self, scratch: Scratch, name: str = "items.jsonl") -> None:
        self.scratch = scratch
        self.ids: list[str] = []
        self._path = scratch.file(name)
        self._out = open(self._path, "wb")  # noqa: SIM115 - closed by freeze()/close()
        self._size = 0
        self._starts = np.zeros(_GROW, dtype=np.int64)
        self._ends = np.zeros(_GROW, dtype=np.int64)
        self._map: mmap.mmap | None = None
        self._file: Any = None

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
        self._unmap()
        self._starts[index], self._ends[index] = self._write(json.dumps(messages, ensure_ascii=False, separators=(",", ":")))

    def _unmap(self) -> None:
        if self._map is not None:
            self._map.close()
            self._file.close()
            self._map = self._file = None

    def _view(self) -> mmap.mmap | bytes:
        if self._map is None:
            self._out.flush()
            if self._size == 0:
                return b""
            self._file = open(self._path, "rb")  # noqa: SIM115 - closed by _unmap()
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        return self._map

    def __len__(self) -> int:
        return len(self.ids)

    def messages(self, index: int) -> Any:
        """The messages of item index, parsed."""
        return json.loads(self._view()[self._starts[index] : self._ends[index]])

    @overload
    def __getitem__(self, index: int) -> tuple[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, Any] | list[tuple[str, Any]]:
        if isinstance(index, slice):
            return [(self.ids[i], self.messages(i)) for i in range(*index.indices(len(self.ids)))]
        if index < 0:
            index += len(self.ids)
        if not 0 <= index < len(self.ids):
            raise IndexError(index)
        return self.ids[index], self.messages(index)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        view = self._view()
        loads = json.loads
        starts, ends = self._starts, self._ends
        for i, ident in enumerate(self.ids):
            yield ident, loads(view[starts[i] : ends[i]])

    def subset(self, rows: Sequence[int] | np.ndarray) -> ItemsView:
        """The items at these rows, in this order, read on demand."""
        return ItemsView(self, np.asarray(rows, dtype=np.int64))

    def close(self) -> None:
        self._unmap()
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
            return [self.items[int(r)] for r in self.rows[index].tolist()]
        return self.items[int(self.rows[index])]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for row in self.rows.tolist():
            yield self.items[row]


class StoredMessages(Sequence[Any]):
    """One item's messages, read from its SpilledItems when used (never kept): a placeholder the
    split carries for examples whose features are already made."""

    __slots__ = ("items", "row")

    def __init__(self, items: SpilledItems, row: int) -> None:
        self.items = items
        self.row = row

    def _load(self) -> list[Any]:
        return self.items.messages(self.row)

    def __len__(self) -> int:
        return len(self._load())

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())
