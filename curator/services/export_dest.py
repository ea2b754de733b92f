"""Where an export goes: only into a folder curator may write, and whole or not at all.

The rules (DESIGN.md, "Nothing destroyed"):

- a missing folder is created, an empty one is filled (the folder itself is kept);
- a folder holding a curator export, recognised by its manifest, is written over only with
  ``replace``, and then only the files that export's manifest lists, each still holding the
  bytes the manifest recorded; everything else in the folder is kept, and named;
- any other non-empty folder is refused, naming what is there;
- the database's own files are never among what an export replaces, whatever the manifest says.

The staging folder and the swap that moves it into place: services.staging.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from curator.digests import file_sha256
from curator.errors import ConflictError, CuratorError, InvalidInputError, PathError, path_error
from curator.export.manifest import EXPORT_MARKER, MANIFEST_NAME
from curator.services.staging import (
    NEW,
    alive,
    clean_stale,
    is_temp_name,
    locked,
    make_temp,
    owner_pid,
    parents,
    recover,
    rename_into_place,
    swap,
)

SHOWN = 4  # entries named in a message


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
                pid = owner_pid(Path(entry.path))
                if pid is not None and pid != os.getpid() and alive(pid):
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
                f"{self.given} holds a curator export ({MANIFEST_NAME}); choose another folder, or replace "
                "the files it wrote (anything else in the folder is kept)",
                setting="replace",
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
            if any(os.path.islink(self.out / p) for p in [*parents(rel), rel]) or not path.is_file():
                raise ConflictError(f"{self.given}/{rel} is not the file curator wrote; move it out of {self.given} and run again")
            if file_sha256(path) != digest:
                raise ConflictError(
                    f"{self.given}/{rel} was changed after curator wrote it; move it out of {self.given} "
                    "(or restore it) and run again; nothing was replaced"
                )
            owned.append(rel)
        return owned

    def _foreign(self, owned: list[str]) -> list[str]:
        """What the folder holds besides the export's own files (a folder as 'name/')."""
        mine = set(owned)
        folders = {p for rel in owned for p in parents(rel)}
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
            rename_into_place(tmp, self.out)
            return
        with locked(self.out):
            old = self._inspect()  # again: the folder may have changed while the export was computed
            swap(self.out, tmp, old)
            self.replaced = len(old)

    @staticmethod
    def _empty_dir(path: Path) -> bool:
        return path.is_dir() and not path.is_symlink() and not any(path.iterdir())
