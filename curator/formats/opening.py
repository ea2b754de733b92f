"""Open an input file for reading: regular files only, and a gzip file within its decompression limit."""

from __future__ import annotations

import gzip
import io
import os
import stat

from curator.errors import InvalidInputError
from curator.formats import codes
from curator.formats.limits import gzip_limit

GZIP_MAGIC = b"\x1f\x8b"


class InputTooLarge(InvalidInputError):
    """A gzip file decompressed past its limit (see limits.gzip_limit)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the gzip file decompresses to more than {limit:,} bytes (the limit for its size): a "
            "gzip bomb, or data to import uncompressed; the rest of it was not read",
            code=codes.INPUT_TOO_LARGE)


def require_regular(path: str | os.PathLike[str]) -> None:
    """Refuse what is not a regular file or folder: reading a FIFO waits forever, /dev/zero never ends."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InvalidInputError(f"cannot be read: {exc.strerror or exc}", file=str(path)) from exc
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise InvalidInputError("is not a regular file (a FIFO, a device or a socket); "
                                "import files or dataset folders only", file=str(path))


def open_binary(path: str | os.PathLike[str]) -> io.BufferedIOBase:
    """Open a regular file for reading bytes, gunzipping it (within its limit) if it is gzip."""
    require_regular(path)
    with open(path, "rb") as probe:
        magic = probe.read(2)
        size = os.fstat(probe.fileno()).st_size
    if magic == GZIP_MAGIC:
        return _Capped(gzip.GzipFile(path, "rb"), gzip_limit(size))
    return open(path, "rb")


class _Capped(io.BufferedIOBase):
    """A decompressing reader that raises InputTooLarge once it has given out ``limit`` bytes."""

    def __init__(self, inner: io.BufferedIOBase, limit: int) -> None:
        super().__init__()
        self._inner = inner
        self._limit = limit
        self._given = 0

    def readable(self) -> bool:
        return True

    def _count(self, data: bytes) -> bytes:
        self._given += len(data)
        if self._given > self._limit:
            raise InputTooLarge(self._limit)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit - self._given + 1  # never an unbounded read
        return self._count(self._inner.read(size))

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit - self._given + 1
        return self._count(self._inner.readline(size))

    def close(self) -> None:
        self._inner.close()
        super().close()
