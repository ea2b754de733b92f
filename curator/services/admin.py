"""Admin use cases for the web app: users, file upload into import, export to a zip."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from curator.errors import InvalidInputError, PathError, PermissionDeniedError, path_error
from curator.export.registry import EXPORT_FORMATS
from curator.models import Problem, User, UserRole
from curator.services import importing
from curator.services import users as users_service
from curator.services.export import export
from curator.services.staging import scratch_folder
from curator.services.users import require
from curator.store import Store
from curator.store import imports as imports_repo

PROBLEMS_SHOWN = 500  # the page lists this many; `curator problems` lists them all


def add_user(store: Store, actor: User, name: str, role: UserRole | str, password: str) -> User:
    """Create a user with a password (admins only)."""
    require(actor, UserRole.ADMIN)
    return users_service.add_user(store, name, role, password=password)


def change_user(
    store: Store,
    actor: User,
    name: str,
    *,
    role: UserRole | str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, deactivate/reactivate them, or reset their password (admins only)."""
    require(actor, UserRole.ADMIN)
    new_role = UserRole(role) if role is not None else None
    if name == actor.name and (active is False or (new_role is not None and new_role != UserRole.ADMIN)):
        # The last admin locking themselves out would need the CLI to undo.
        raise PermissionDeniedError("you cannot demote or deactivate yourself; ask another admin")
    return users_service.update_user(store, actor, name, role=new_role, active=active, password=password or None)


def safe_file_name(name: str) -> str:
    """The base name of an uploaded file, refusing names that could escape a folder."""
    unified = name.replace("\\", "/")
    base = PurePath(unified).name.strip()
    if base in ("", ".", "..") or base.startswith(".") or unified.endswith("/"):
        raise InvalidInputError(f"cannot use the file name {name!r}; rename the file", field="file")
    return base


@dataclass(frozen=True)
class UploadResult:
    summary: importing.ImportSummary
    problems: list[Problem]


def import_upload(store: Store, actor: User, file_name: str, data: bytes, *, format: str = "auto", source: str | None = None) -> UploadResult:
    """Import an uploaded file through the same importer as `curator import` (admins only).

    The bytes are written under their original name, which becomes the source name and the
    file named on examples, problems and errors, so they read the same as for a command-line
    import of that file; guideline flags are computed as for any import.
    """
    require(actor, UserRole.ADMIN)
    base = safe_file_name(file_name)
    with tempfile.TemporaryDirectory(prefix="curator-upload-") as tmp:
        path = Path(tmp) / base
        path.write_bytes(data)
        try:
            summary = importing.import_file(store, path, format=format, source=(source or "").strip() or base, label=base)
        except InvalidInputError as exc:
            if tmp not in str(exc):
                raise
            # The server's temporary folder means nothing to the person who uploaded.
            raise InvalidInputError(str(exc).replace(str(path), base).replace(tmp, "(upload)")) from exc
    with store.read() as conn:
        problems = imports_repo.list_problems(conn, source=summary.source, limit=PROBLEMS_SHOWN)
    return UploadResult(summary=summary, problems=problems)


def export_formats() -> tuple[str, ...]:
    """The formats the export can write."""
    return tuple(EXPORT_FORMATS)


@dataclass(frozen=True)
class ExportBundle:
    manifest: dict[str, Any]
    zip_bytes: bytes
    files: list[str]


def export_zip(store: Store, actor: User, *, formats: list[str] | None = None, test_size: float | None = None, seed: int | None = None) -> ExportBundle:
    """Run the export into a temporary folder and return its files as one zip (admins only)."""
    require(actor, UserRole.ADMIN)
    kwargs: dict[str, Any] = {}
    if formats:
        kwargs["formats"] = formats
    if test_size is not None:
        kwargs["test_size"] = test_size
    if seed is not None:
        kwargs["seed"] = seed
    # The same destination rules as `curator export`, into a folder of curator's own (recognised
    # and removed by the next web export when a killed server process leaves it behind).
    try:
        with scratch_folder() as tmp:
            out = tmp / "export"
            manifest = export(store, out, **kwargs)
            buffer = io.BytesIO()
            names: list[str] = []
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(p for p in out.rglob("*") if p.is_file()):
                    name = path.relative_to(out).as_posix()
                    # A fixed timestamp keeps the zip byte-identical for an identical export.
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, path.read_bytes())
                    names.append(name)
    except PathError as exc:
        # The server's folders mean nothing to the person in the browser: say what, not where.
        raise PathError("the server", f"could not write the export: {exc.reason}", errno=exc.errno) from exc
    except OSError as exc:
        raise PathError("the server", f"could not write the export: {path_error(exc).reason}", errno=exc.errno) from exc
    return ExportBundle(manifest=dict(manifest or {}), zip_bytes=buffer.getvalue(), files=names)
