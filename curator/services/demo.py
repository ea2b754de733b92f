"""`curator demo`: the sample data, the guidelines and three demo users in a local database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curator.errors import ConflictError, NotFoundError
from curator.models import UserRole
from curator.services.importing import import_file
from curator.services.users import add_user
from curator.store import Store

DEMO_PASSWORD = "curator-demo"
DEMO_USERS = (("admin", UserRole.ADMIN), ("lead", UserRole.LEAD), ("ana", UserRole.REVIEWER), ("ben", UserRole.REVIEWER))
SAMPLE_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".parquet")


@dataclass
class DemoSetup:
    imports: list[dict[str, Any]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    guideline_version: str | None = None
    flags: int = 0


def project_root() -> Path:
    """The source checkout this package was installed from (editable installs)."""
    return Path(__file__).resolve().parents[2]


def find_folder(name: str, explicit: str | Path | None = None) -> Path:
    """``explicit``, else ./<name>, else <checkout>/<name>; NotFoundError when none exists."""
    candidates = [Path(explicit)] if explicit else [Path.cwd() / name, project_root() / name]
    for c in candidates:
        if c.is_dir():
            return c
    raise NotFoundError(f"no {name}/ folder found (looked in {', '.join(str(c) for c in candidates)}); pass its path")


def sample_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(SAMPLE_SUFFIXES) and not p.name.startswith(("_", ".")) and p.name != "planted.json")


def set_up_demo(store: Store, *, data: str | Path | None = None, guidelines: str | Path | None = None) -> DemoSetup:
    """Load guidelines, import every sample file, create the demo users (idempotent)."""
    from curator.services.guideline_sync import flag_examples, load_into_store

    setup = DemoSetup()
    version = load_into_store(store, find_folder("guidelines", guidelines))
    setup.guideline_version = version
    for path in sample_files(find_folder("sample_data", data)):
        summary = import_file(store, path)
        setup.imports.append(summary.as_dict())
        setup.flags += flag_examples(store, summary.example_ids)
    for name, role in DEMO_USERS:
        try:
            add_user(store, name, role, password=DEMO_PASSWORD)
            setup.users.append(name)
        except ConflictError:
            pass
    return setup
