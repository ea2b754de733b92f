"""Atomic file writes: a crash never leaves half a file, and a failure is one PathError naming it.

(A whole export is put in place by services.export_dest, which owns only what it wrote.)
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from curator.errors import PathError, path_error
from curator.services.staging import alive


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"


def _host_prefix(name: str) -> str:
    """The start of every temporary file name a write of ``name`` on this host uses."""
    return f".{name}.curator-{_host()}-"


def _temp_prefix(name: str, pid: int) -> str:
    return f"{_host_prefix(name)}{pid}-"


_TEMP_REST = re.compile(r"(\d+)-[A-Za-z0-9_]+\.tmp")  # after the host prefix: "<pid>-<mkstemp's random>.tmp"


def _clean_stale(folder: Path, name: str) -> None:
    """Remove the temporary files of earlier writes of ``name`` whose process (on this host) is gone."""
    prefix = _host_prefix(name)
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(prefix) and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        # The whole rest must be ours: a host named "vm-2" writes ".x.curator-vm-2-<pid>-..." beside "vm".
        found = _TEMP_REST.fullmatch(entry.name[len(prefix):])
        if found and not alive(int(found.group(1))):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


@contextmanager
def atomic_file(path: Path) -> Iterator[TextIO]:
    """Write text to a temporary file beside ``path``; rename it into place on success.

    The folder must exist already (a mistyped path never creates folders).
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        reason = "is a file where a folder is expected" if folder.exists() else "no such folder"
        raise PathError(folder, f"{reason}; create the folder first or choose another place for {path.name}")
    if path.is_dir():
        raise PathError(path, "is a folder; give a file name")
    _clean_stale(folder, path.name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path.name, os.getpid()), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise path_error(exc, path) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise path_error(exc, path) from exc
        raise
