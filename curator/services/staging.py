"""Curator's own temporary folders, and the journaled swap that puts a staged export in place.

Whole or nothing. The new export is written into a hidden staging folder of curator's
(``.curator-export.<pid>.<random>.tmp``, marked by an ``owner.json`` naming this process and
host), inside the destination when it exists, beside it when it does not. A missing
destination is then one rename. An existing one cannot be swapped whole, because files that
are not curator's may live in it (and the folder may be a mount point or a share), so its
files are swapped one rename at a time under a journal:

1. the staged files are fsynced, and ``journal.json`` (the old export's files, the new ones,
   the folders to create) is written atomically into the staging folder;
2. the old export's files move into the staging folder, its ``manifest.json`` first;
3. the new files move into place, the new ``manifest.json`` last.

The manifest is the commit point: whenever ``manifest.json`` is present, every file it lists
is there, either the previous export intact or the new one whole. A kill -9 during the
few renames leaves the folder without a manifest (so nothing mistakes it for an export) and the
journal; the next export into the folder, or its parent, rolls that swap back first (and a
swap that reached its new manifest forward), so a re-run gives exactly an uninterrupted run's
folder. A rename journal was chosen over swapping one subfolder (or a symlink to it) because
the export's layout, ``OUT_DIR/<format>/...`` beside ``OUT_DIR/manifest.json``, is a contract
and symlinked trees surprise copying and upload tools.

Stale staging folders (their process dead, on this host) are recovered and removed at the next
export into their folder or its parent; nothing else is ever removed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from curator import crashpoint
from curator.errors import ConflictError, path_error
from curator.export.manifest import MANIFEST_NAME

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: two exports into one folder are not serialised
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".curator-export."
TEMP_SUFFIX = ".tmp"
OWNER = "owner.json"
JOURNAL = "journal.json"
NEW, OLD = "new", "old"


# --- curator's own temporary folders ---------------------------------------------------------

def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def make_temp(parent: Path) -> Path:
    """A hidden folder of curator's in ``parent``, marked with this process and host."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}.", suffix=TEMP_SUFFIX, dir=parent))
    _write_json(tmp / OWNER, {"curator_temp": 1, "pid": os.getpid(), "host": socket.gethostname()})
    return tmp


def owner_pid(tmp: Path) -> int | None:
    """The process that made ``tmp`` when it is curator's, on this host; else None."""
    try:
        owner = json.loads((tmp / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(owner, dict) or owner.get("curator_temp") != 1 or not isinstance(owner.get("pid"), int):
        return None
    return owner["pid"] if owner.get("host") == socket.gethostname() else None


def alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _temp_folders(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries if is_temp_name(e.name) and e.is_dir(follow_symlinks=False))


def _stale(tmp: Path) -> bool:
    """Made by curator on this host by a process that is gone (or made and killed before marking)."""
    pid = owner_pid(tmp)
    if pid is not None:
        return not alive(pid)
    try:
        # Killed between creating the folder and marking it: empty, its pid in its name.
        pid = int(tmp.name[len(TEMP_PREFIX):].split(".")[0])
        return not any(tmp.iterdir()) and not alive(pid)
    except (ValueError, OSError):
        return False


def clean_stale(folder: Path) -> list[str]:
    """Recover and remove curator's stale staging folders in ``folder``; returns their names."""
    cleaned: list[str] = []
    stale = [t for t in _temp_folders(folder) if _stale(t)]
    if not stale:
        return cleaned
    with locked(folder):
        for tmp in stale:
            if tmp.exists() and _stale(tmp):
                recover(folder, tmp)
                cleaned.append(tmp.name)
    return cleaned


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (flock on its descriptor: no file added to a user's folder)."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# --- files and the journal --------------------------------------------------------------------

def _write_json(path: Path, value: Any) -> None:
    """Write JSON atomically and durably (a reader sees the old file or the whole new one)."""
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="utf-8") as fh:
        json.dump(value, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the renames are still atomic
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def _files_under(root: Path) -> list[str]:
    """Every file under ``root`` as a relative POSIX path; manifest.json last."""
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return [f for f in found if f != MANIFEST_NAME] + ([MANIFEST_NAME] if MANIFEST_NAME in found else [])


def parents(rel: str) -> list[str]:
    """The folders of a relative path, outermost first ("a/b/c" -> ["a", "a/b"])."""
    parts = PurePosixPath(rel).parts[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _move(src: Path, dst: Path) -> None:
    if os.path.lexists(dst):
        raise ConflictError(f"{dst} appeared while curator was moving an export; move it away and run again")
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


def _remove_empty(folder: Path, rels: list[str]) -> None:
    """Remove these folders (deepest first) where they are empty; a user's file keeps its folder."""
    for rel in sorted(set(rels), key=lambda r: r.count("/"), reverse=True):
        try:
            (folder / rel).rmdir()
        except OSError:
            pass


def recover(folder: Path, tmp: Path) -> None:
    """Finish with a staging folder left in ``folder``: roll an interrupted swap back (or forward
    when its new manifest was already in place), then remove the staging folder."""
    try:
        journal = json.loads((tmp / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        journal = None  # nothing was moved before the journal was written
    if journal is not None:
        old, new, made = journal["old"], journal["new"], journal["made"]
        committed = (folder / MANIFEST_NAME).exists() and not (tmp / NEW / MANIFEST_NAME).exists()
        if committed:
            _remove_empty(folder, [d for rel in old for d in parents(rel)])
        else:
            for rel in reversed(new):
                if not os.path.lexists(tmp / NEW / rel) and os.path.lexists(folder / rel):
                    _move(folder / rel, tmp / NEW / rel)
            for rel in old:
                if os.path.lexists(tmp / OLD / rel):
                    _move(tmp / OLD / rel, folder / rel)
            _remove_empty(folder, made)
        fsync_dir(folder)
    shutil.rmtree(tmp, ignore_errors=True)


def swap(folder: Path, tmp: Path, old: list[str]) -> None:
    """Replace the files ``old`` (manifest.json first) in ``folder`` by the files staged in
    ``tmp/new`` (manifest.json last), under a journal; see the module's docstring."""
    staged = tmp / NEW
    new = _files_under(staged)
    olds = set(old)
    new_dirs = list(dict.fromkeys(p for rel in new for p in parents(rel)))
    for rel in new_dirs + new:
        path = folder / rel
        if rel in olds or not os.path.lexists(path):
            continue
        if os.path.islink(path) or rel in new or not path.is_dir():
            raise ConflictError(f"{path} is in the way of the new export and curator did not write it; move it and run again")
    made = [d for d in new_dirs if not (folder / d).is_dir()]
    fsync_tree(staged)
    _write_json(tmp / JOURNAL, {"old": old, "new": new, "made": made})
    crashpoint.reached("export-swap")
    for rel in old:
        _move(folder / rel, tmp / OLD / rel)
        crashpoint.reached("export-swap")
    for rel in made:
        (folder / rel).mkdir(exist_ok=True)
    for rel in new:
        _move(staged / rel, folder / rel)
        crashpoint.reached("export-swap")
    fsync_dir(folder)
    _remove_empty(folder, [d for rel in old for d in parents(rel) if d not in new_dirs])
    shutil.rmtree(tmp, ignore_errors=True)


def rename_into_place(tmp: Path, out: Path) -> None:
    """Put the export staged in ``tmp`` where no folder was: one rename, then ``tmp`` goes."""
    fsync_tree(tmp / NEW)
    crashpoint.reached("export-swap")
    os.rename(tmp / NEW, out)
    fsync_dir(out.parent)
    shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def scratch_folder(parent: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """A temporary folder of curator's (marked like a staging folder, so a killed process's is
    recovered later); removed on exit. The web admin's export writes into one."""
    base = Path(parent or tempfile.gettempdir())
    try:
        clean_stale(base)
        tmp = make_temp(base)
    except OSError as exc:
        raise path_error(exc) from exc
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

