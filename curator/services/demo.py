"""`curator demo`: the sample data, the guidelines and three demo users in a local database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curator.errors import ConflictError, InvalidInputError, NotFoundError
from curator.models import UserRole
from curator.services.importing import import_file
from curator.services.users import add_user
from curator.store import Store, contents
from curator.store import settings as settings_repo
from curator.store.engine import peek_engine, redact, sqlite_file, translate_errors

DEMO_PASSWORD = "curator-demo"
DEMO_USERS = (("admin", UserRole.ADMIN), ("lead", UserRole.LEAD), ("ana", UserRole.REVIEWER), ("ben", UserRole.REVIEWER))
SAMPLE_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".parquet")
DEMO_MARKER = "demo"  # settings key: this database was made by `curator demo`


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


def _held(held: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in held.items() if n) or "nothing"


def _refusal(url: str) -> str | None:
    """Why the demo must not touch this database (None when it is empty or the demo's own).

    Looked at read-only: a refused database is left byte for byte as it was.
    """
    db = sqlite_file(url)
    if db is not None and not db.exists():
        return None
    engine = peek_engine(url)
    try:
        with translate_errors(url), engine.connect() as conn:
            foreign = contents.foreign_tables(conn)
            if contents.has_schema(conn) and settings_repo.get(conn, DEMO_MARKER):
                return None
            held = contents.counts(conn) if contents.has_schema(conn) else {}
    finally:
        engine.dispose()
    if foreign:
        return f"it holds tables of another program ({', '.join(foreign[:5])})"
    if any(held.values()):
        return f"it is in use ({_held(held)})"
    return None


def _refuse(url: str, why: str) -> ConflictError:
    return ConflictError(
        f"database {redact(url)} was not made by curator demo: {why}; the demo adds users with a public "
        "password and replaces the guidelines, so it runs only on a database of its own",
        setting="db",
    )


def claim_for_demo(store: Store) -> None:
    """Mark an empty database as the demo's; refuse (changing nothing) any other but the demo's own."""
    why = _refusal(store.url)
    if why:
        raise _refuse(store.url, why)
    with store.write() as conn:
        if settings_repo.get(conn, DEMO_MARKER):
            return
        held = contents.counts(conn)
        if any(held.values()):  # filled since the look above
            raise _refuse(store.url, f"it is in use ({_held(held)})")
        settings_repo.put(conn, DEMO_MARKER, {"made_by": "curator demo"})


def start_demo(url: str, *, reset: bool = False, data: str | Path | None = None, guidelines: str | Path | None = None) -> DemoSetup:
    """``curator demo``: check the database is empty or the demo's own (before opening it, which
    would add curator's tables), optionally delete it first (SQLite), then set the demo up."""
    why = _refusal(url)
    if why:
        raise _refuse(url, why)
    if reset:
        db = sqlite_file(url)
        if db is None:
            raise InvalidInputError("a reset deletes a SQLite demo database; on PostgreSQL drop and create the database instead", setting="reset")
        for f in [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]:
            f.unlink(missing_ok=True)
    store = Store(url)
    try:
        return set_up_demo(store, data=data, guidelines=guidelines)
    finally:
        store.close()


def set_up_demo(store: Store, *, data: str | Path | None = None, guidelines: str | Path | None = None) -> DemoSetup:
    """Load guidelines, import every sample file, create the demo users (idempotent).

    Only into an empty database or one the demo made (ConflictError otherwise, nothing changed).
    ``users`` lists the users created now, with the demo password; existing ones keep theirs.
    """
    from curator.services.guideline_sync import flag_examples, load_into_store

    guidelines_folder, data_folder = find_folder("guidelines", guidelines), find_folder("sample_data", data)
    claim_for_demo(store)
    setup = DemoSetup()
    version = load_into_store(store, guidelines_folder)
    setup.guideline_version = version
    for path in sample_files(data_folder):
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
