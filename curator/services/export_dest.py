"""Where an export goes: only into a folder curator may write, and whole or not at all.

The rules (DESIGN.md, "Nothing destroyed"):

- a missing folder is created, an empty one is filled (the folder itself is kept);
- a folder holding a curator export, recognised by its manifest, is written over only with
  ``replace``, and then only the files that export's manifest lists, each still holding the
  bytes the manifest recorded; everything else in the folder is kept, and named;
- any other non-empty folder is refused, naming what is there;
- the database's own files are never among what an export replaces, whatever the manifest says.

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
from curator.errors import ConflictError, CuratorError, InvalidInputError, PathError, path_error
from curator.export.manifest import EXPORT_MARKER, MANIFEST_NAME, sha256_file

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: two exports into one folder are not serialised
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".curator-export."
TEMP_SUFFIX = ".tmp"
OWNER = "owner.json"
JOURNAL = "journal.json"
NEW, OLD = "new", "old"
SHOWN = 4  # entries named in a message


# --- curator's own temporary folders ---------------------------------------------------------

def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def make_temp(parent: Path) -> Path:
    """A hidden folder of curator's in ``parent``, marked with this process and host."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}.", suffix=TEMP_SUFFIX, dir=parent))
    _write_json(tmp / OWNER, {"curator_temp": 1, "pid": os.getpid(), "host": socket.gethostname()})
    return tmp


def _owner_pid(tmp: Path) -> int | None:
    """The process that made ``tmp`` when it is curator's, on this host; else None."""
    try:
        owner = json.loads((tmp / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(owner, dict) or owner.get("curator_temp") != 1 or not isinstance(owner.get("pid"), int):
        return None
    return owner["pid"] if owner.get("host") == socket.gethostname() else None


def _alive(pid: int) -> bool:
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
    pid = _owner_pid(tmp)
    if pid is not None:
        return not _alive(pid)
    try:
        # Killed between creating the folder and marking it: empty, its pid in its name.
        pid = int(tmp.name[len(TEMP_PREFIX):].split(".")[0])
        return not any(tmp.iterdir()) and not _alive(pid)
    except (ValueError, OSError):
        return False


def clean_stale(folder: Path) -> list[str]:
    """Recover and remove curator's stale staging folders in ``folder``; returns their names."""
    cleaned = []
    stale = [t for t in _temp_folders(folder) if _stale(t)]
    if not stale:
        return cleaned
    with _locked(folder):
        for tmp in stale:
            if tmp.exists() and _stale(tmp):
                recover(folder, tmp)
                cleaned.append(tmp.name)
    return cleaned


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
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
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
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


def _fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _files_under(root: Path) -> list[str]:
    """Every file under ``root`` as a relative POSIX path; manifest.json last."""
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return [f for f in found if f != MANIFEST_NAME] + ([MANIFEST_NAME] if MANIFEST_NAME in found else [])


def _parents(rel: str) -> list[str]:
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
            _remove_empty(folder, [d for rel in old for d in _parents(rel)])
        else:
            for rel in reversed(new):
                if not os.path.lexists(tmp / NEW / rel) and os.path.lexists(folder / rel):
                    _move(folder / rel, tmp / NEW / rel)
            for rel in old:
                if os.path.lexists(tmp / OLD / rel):
                    _move(tmp / OLD / rel, folder / rel)
            _remove_empty(folder, made)
        _fsync_dir(folder)
    shutil.rmtree(tmp, ignore_errors=True)


def swap(folder: Path, tmp: Path, old: list[str]) -> None:
    """Replace the files ``old`` (manifest.json first) in ``folder`` by the files staged in
    ``tmp/new`` (manifest.json last), under a journal; see the module's docstring."""
    staged = tmp / NEW
    new = _files_under(staged)
    olds = set(old)
    new_dirs = list(dict.fromkeys(p for rel in new for p in _parents(rel)))
    for rel in new_dirs + new:
        path = folder / rel
        if rel in olds or not os.path.lexists(path):
            continue
        if os.path.islink(path) or rel in new or not path.is_dir():
            raise ConflictError(f"{path} is in the way of the new export and curator did not write it; move it and run again")
    made = [d for d in new_dirs if not (folder / d).is_dir()]
    _fsync_tree(staged)
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
    _fsync_dir(folder)
    _remove_empty(folder, [d for rel in old for d in _parents(rel) if d not in new_dirs])
    shutil.rmtree(tmp, ignore_errors=True)


# --- recognising a previous export --------------------------------------------------------------

def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of the curator export in ``folder``, or None when it holds none."""
    path = folder / MANIFEST_NAME
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return None
    if data.get(EXPORT_MARKER) == 1:
        return data
    # Written before the marker existed: the manifest curator wrote then, and nothing else, has these.
    legacy = data.get("manifest_version") == 1 and isinstance(data.get("arguments"), dict) and isinstance(data.get("counts"), dict)
    return data if legacy else None


def _safe(rel: Any) -> bool:
    """A relative path of the kind curator writes: inside the folder, no '..', nothing hidden of ours."""
    if not isinstance(rel, str) or not rel or "\0" in rel or "\\" in rel:
        return False
    p = PurePosixPath(rel)
    return (
        not p.is_absolute()
        and p.as_posix() == rel
        and all(part not in ("", ".", "..") for part in p.parts)
        and not is_temp_name(p.parts[0])
        and rel != MANIFEST_NAME
    )


def _names(entries: list[str]) -> str:
    shown = ", ".join(entries[:SHOWN])
    return shown + (f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else "")


class ExportDestination:
    """An export's destination folder: checked before the work, then written whole or not at all."""

    def __init__(self, out_dir: str | os.PathLike[str], *, replace: bool = False, protect: list[Path] | None = None) -> None:
        self.given = os.fspath(out_dir) or "."
        self.out = Path(self.given).expanduser().resolve()
        self.replace = replace
        self.protect = {p.resolve() for p in (protect or [])}
        self.kept: list[str] = []  # entries of the folder curator did not write, kept (after a write)
        self.replaced = 0  # files of the previous export replaced
        self.cleaned: list[str] = []  # stale staging folders recovered and removed

    def _error(self, exc: OSError) -> PathError:
        named = exc.filename
        ours = named is not None and any(is_temp_name(part) for part in Path(os.fsdecode(named)).parts)
        return path_error(exc, self.given if named is None or ours else None)

    def check(self) -> None:
        """Refuse now, before the export's work, what the write would refuse."""
        try:
            self._prepare()
            self._inspect()
        except OSError as exc:
            raise self._error(exc) from exc

    def _prepare(self) -> None:
        """Recover stale staging folders here and beside; refuse a destination that is not a folder."""
        if os.path.lexists(self.out) and not self.out.is_dir():
            raise PathError(self.given, "is a file, not a folder; give a folder to export into")
        if self.out.parent.is_dir():
            self.cleaned += clean_stale(self.out.parent)
        if self.out.is_dir():
            self.cleaned += clean_stale(self.out)
        existing = self.out if self.out.is_dir() else next((p for p in self.out.parents if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise PathError(existing, "is a file where a folder is expected; choose another path")
        if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
            raise PathError(existing, "permission denied; change its permissions or choose another place")

    def _inspect(self) -> list[str]:
        """The previous export's files to replace (manifest.json first); [] for a new or empty folder."""
        if not self.out.is_dir():
            return []
        entries, busy = [], []
        for entry in sorted(os.scandir(self.out), key=lambda e: e.name):
            if is_temp_name(entry.name) and entry.is_dir(follow_symlinks=False):
                pid = _owner_pid(Path(entry.path))
                if pid is not None and pid != os.getpid() and _alive(pid):
                    busy.append(pid)
                continue
            entries.append(entry.name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
        if busy:
            raise ConflictError(f"another curator export (process {busy[0]}) is writing into {self.given}; wait for it to finish")
        if not entries:
            return []
        manifest = read_manifest(self.out)
        if manifest is None:
            raise ConflictError(
                f"{self.given} is not empty and holds no curator export ({_names(entries)}); "
                "export into a new or empty folder, e.g. exports/v1"
            )
        if not self.replace:
            raise ConflictError(
                f"{self.given} holds a curator export ({MANIFEST_NAME}); pass --replace to replace "
                "the files it wrote (anything else in the folder is kept), or choose another folder"
            )
        old = self._owned(manifest)
        self.kept = self._foreign(old)
        return old

    def _owned(self, manifest: dict[str, Any]) -> list[str]:
        """The files the previous export wrote and still holds unchanged; refuses anything else."""
        where = f"{self.given}/{MANIFEST_NAME}"
        owned = [MANIFEST_NAME]
        for rel, digest in sorted(manifest["files"].items()):
            if not _safe(rel) or not isinstance(digest, str):
                raise InvalidInputError(
                    f"{where} lists {rel!r}, a path curator never writes; nothing was replaced "
                    f"(if that manifest is not curator's, move it out of {self.given})"
                )
            path = self.out / rel
            if path.resolve() in self.protect:
                raise ConflictError(f"{where} lists {rel}, a file of curator's database; an export never replaces the database")
            if not os.path.lexists(path):
                continue  # gone already: nothing to replace
            if any(os.path.islink(self.out / p) for p in [*_parents(rel), rel]) or not path.is_file():
                raise ConflictError(f"{self.given}/{rel} is not the file curator wrote; move it out of {self.given} and run again")
            if sha256_file(path) != digest:
                raise ConflictError(
                    f"{self.given}/{rel} was changed after curator wrote it; move it out of {self.given} "
                    "(or restore it) and run again; nothing was replaced"
                )
            owned.append(rel)
        return owned

    def _foreign(self, owned: list[str]) -> list[str]:
        """What the folder holds besides the export's own files (a folder as 'name/')."""
        mine = set(owned)
        folders = {p for rel in owned for p in _parents(rel)}
        kept: list[str] = []

        def walk(rel_dir: str) -> None:
            for entry in sorted(os.scandir(self.out / rel_dir if rel_dir else self.out), key=lambda e: e.name):
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                is_dir = entry.is_dir(follow_symlinks=False)
                if (not rel_dir and is_temp_name(entry.name)) or rel in mine:
                    continue
                if is_dir and rel in folders:
                    walk(rel)
                else:
                    kept.append(rel + ("/" if is_dir else ""))

        walk("")
        return kept

    @contextmanager
    def writing(self) -> Iterator[Path]:
        """A staging folder to write the export into; on success it takes its place, whole."""
        tmp: Path | None = None
        try:
            self._prepare()
            self.out.parent.mkdir(parents=True, exist_ok=True)
            tmp = make_temp(self.out if self.out.is_dir() else self.out.parent)
            (tmp / NEW).mkdir()
            yield tmp / NEW
            self._commit(tmp)
        except BaseException as exc:
            if tmp is not None and tmp.exists():
                try:
                    recover(tmp.parent, tmp)
                except (OSError, CuratorError):
                    pass  # left for the next export into this folder to recover
            if isinstance(exc, OSError):
                raise self._error(exc) from exc
            raise

    def _commit(self, tmp: Path) -> None:
        if tmp.parent != self.out:
            # The destination did not exist: one rename puts the whole export in place.
            if os.path.lexists(self.out) and not self._empty_dir(self.out):
                raise ConflictError(f"{self.given} appeared while curator was exporting; run again to check it")
            _fsync_tree(tmp / NEW)
            crashpoint.reached("export-swap")
            os.rename(tmp / NEW, self.out)
            _fsync_dir(self.out.parent)
            shutil.rmtree(tmp, ignore_errors=True)
            return
        with _locked(self.out):
            old = self._inspect()  # again: the folder may have changed while the export was computed
            swap(self.out, tmp, old)
            self.replaced = len(old)

    @staticmethod
    def _empty_dir(path: Path) -> bool:
        return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


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
