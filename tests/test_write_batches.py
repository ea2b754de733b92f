"""Long file imports in short transactions, so other writers (a sign-in) are not locked out."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.models import UserRole
from curator.services import write_batches
from curator.services.decision_files import import_decisions
from curator.services.suggestions import import_suggestions
from curator.services.write_batches import write_in_batches
from curator.store import Store
from curator.store import settings as settings_repo
from helpers import add_examples


def test_a_writer_waiting_on_sqlite_gets_in_between_batches(sqlite_url: str) -> None:
    """A 2-second run of writes: another writer starting 0.3 s in commits before it ends."""
    store = Store(sqlite_url)
    order: list[str] = []

    def apply(conn, i: int) -> bool:  # type: ignore[no-untyped-def]
        settings_repo.put(conn, f"item-{i}", i)
        time.sleep(0.02)
        return True

    def other() -> None:
        time.sleep(0.3)
        with store.write() as conn:
            settings_repo.put(conn, "other", 1)
        order.append("other")

    t = threading.Thread(target=other)
    t.start()
    write_in_batches(store, range(100), apply, lambda conn: order.append("batch"))
    t.join()
    assert "other" in order[:-1], order  # in between two batches, not after the last
    assert order.count("batch") >= 4  # ~0.5 s each
    with store.read() as conn:
        assert settings_repo.get(conn, "item-99") == 99 and settings_repo.get(conn, "other") == 1
    store.close()


def test_items_an_earlier_run_applied_do_not_fill_a_batch(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write_batches, "BATCH_ITEMS", 3)
    monkeypatch.setattr(write_batches, "SQLITE_PAUSE", 0.0)
    store = Store(sqlite_url)
    ends: list[int] = []
    seen: list[int] = []

    def apply(conn, i: int) -> bool:  # type: ignore[no-untyped-def]
        seen.append(i)
        return i % 2 == 0  # odd ones: already applied, cost nothing

    write_in_batches(store, range(12), apply, lambda conn: ends.append(len(seen)))
    store.close()
    assert ends == [5, 11, 12]  # 3 even items per batch; the rest in a last one


@pytest.mark.parametrize("what", ["suggestions", "decisions"])
def test_both_file_imports_commit_in_batches(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    monkeypatch.setattr(write_batches, "BATCH_ITEMS", 4)
    store = Store(sqlite_url)
    exs = add_examples(store, 10)
    lead = make_user(store, "lee", UserRole.LEAD)
    make_user(store, "ana")
    f = tmp_path / f"{what}.jsonl"
    if what == "suggestions":
        f.write_text("".join(json.dumps({"example_id": e.id, "model": "judge", "verdict": "approve"}) + "\n" for e in exs), encoding="utf-8")
    else:
        f.write_text("".join(json.dumps({"example_id": e.id, "reviewer": "ana", "verdict": "approve"}) + "\n" for e in exs), encoding="utf-8")
    writes: list[int] = []  # write transactions committed (reads commit too, without BEGIN IMMEDIATE)
    sa.event.listen(store.engine, "commit", lambda conn: writes.append(1) if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE" else None)
    report = import_suggestions(store, lead, f) if what == "suggestions" else import_decisions(store, lead, f)
    store.close()
    assert report.lines == 10 and not report.errors
    assert len(writes) == 3  # 10 lines, 4 per batch
