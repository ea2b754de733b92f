"""`curator demo` only ever sets up an empty database or one it made: never a team's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.models import UserRole
from curator.services.users import authenticate
from curator.store import Store
from curator.store import settings as settings_repo

ROOT = Path(__file__).resolve().parent.parent
CHAT = {"messages": [{"role": "user", "content": "How do I export an invoice?"}, {"role": "assistant", "content": "Open it and choose Export."}]}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A one-file sample folder (the real one takes seconds to import)."""
    folder = tmp_path / "sample"
    folder.mkdir()
    (folder / "chats.jsonl").write_text(json.dumps(CHAT) + "\n", encoding="utf-8")
    return folder


def demo(db: str, sample: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, "demo", "--no-app", "--data", str(sample), "--guidelines", str(ROOT / "guidelines"), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def state(url: str) -> tuple[dict[str, int], list[str], object]:
    """Rows per table, user names and the demo marker."""
    import sqlalchemy as sa

    from curator.store import schema

    store = Store(url)
    try:
        with store.read() as conn:
            counts = {t: int(conn.scalar(sa.select(sa.func.count()).select_from(schema.metadata.tables[t]))) for t in ("examples", "imports", "users", "decisions", "guideline_versions", "flags")}
            users = list(conn.scalars(sa.select(schema.users.c.name)))
            return counts, users, settings_repo.get(conn, "demo")
    finally:
        store.close()


@pytest.mark.parametrize("reset", [False, True])
def test_demo_refuses_a_team_database_and_changes_nothing(db_url: str, sample: Path, reset: bool) -> None:
    store = Store(db_url)
    make_user(store, "admin", UserRole.ADMIN, password="team-secret")
    store.close()
    before = state(db_url)
    code, stdout, stderr = demo(db_url, sample, *(["--reset"] if reset else []))
    assert code == 1 and stdout == ""
    assert stderr.count("\n") == 1 and "not made by curator demo" in stderr and "curator-demo" not in stderr
    assert state(db_url) == before
    store = Store(db_url)
    try:
        assert authenticate(store, "admin", "team-secret") is not None
        assert authenticate(store, "admin", "curator-demo") is None
    finally:
        store.close()


def test_demo_on_an_empty_database_marks_it_and_runs_again(sqlite_url: str, sample: Path) -> None:
    code, stdout, _ = demo(sqlite_url, sample)
    assert code == 0 and "users: admin (admin), lead (lead), ana (reviewer), ben (reviewer); password: curator-demo" in stdout
    counts, users, marker = state(sqlite_url)
    assert marker and counts["examples"] == 1 and sorted(users) == ["admin", "ana", "ben", "lead"]
    code, stdout, _ = demo(sqlite_url, sample)  # the demo's own database: again, idempotent
    assert code == 0 and "curator-demo" not in stdout and "already there: admin, lead, ana, ben" in stdout
    again = state(sqlite_url)[0]
    assert again == {**counts, "imports": 2}  # one more import run, nothing else
    code, _, stderr = demo(sqlite_url, sample, "--reset")  # and its own database may be reset
    assert code == 0, stderr
    assert state(sqlite_url)[0] == counts


def test_reset_never_deletes_a_database_demo_did_not_make(tmp_path: Path, sample: Path) -> None:
    import sqlite3

    other = tmp_path / "app.db"  # another program's SQLite file
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    before = other.read_bytes()
    code, _, stderr = demo(f"sqlite:///{other}", sample, "--reset")
    assert code == 1 and "not made by curator demo" in stderr and stderr.count("\n") == 1
    assert other.read_bytes() == before
