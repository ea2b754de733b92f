"""Every example carries the flags of the guidelines in force, whatever happened (issue 9):
an import killed half-way, a load interrupted, a database from before flags were versioned."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from curator.models import Example
from curator.services import guideline_sync
from curator.services.importing import import_file
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store.schema import examples, flags
from tests.helpers import conversation

GUIDELINE = """---
name: pii-only
version: "1"
language: en
target_model: gpt-4o-mini-2024-07-18
rules:
  - id: no-pii
    title: No personal data
    severity: blocker
    text: No message may contain an e-mail address or a phone number.
    check: {name: pii}
---
# PII only
"""


def guidelines(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pii.md").write_text(GUIDELINE, encoding="utf-8")
    return folder


def email_records(path: Path, n: int, *, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"messages": [
                {"role": "user", "content": f"Please write to me at customer{i}@mailbox.net about order {i}."},
                {"role": "assistant", "content": f"Done: order {i} is confirmed."}]}) + "\n")
    return path


def flag_state(url: str) -> tuple[set[tuple[str, str, str]], int, set[str | None]]:
    """(every flag as (example, rule, message), how many examples, the flags versions seen)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = {tuple(r) for r in conn.execute(sa.select(flags.c.example_id, flags.c.rule_id, flags.c.message))}
            n = conn.scalar(sa.select(sa.func.count()).select_from(examples))
            versions = set(conn.scalars(sa.select(examples.c.flags_version).distinct()))
    finally:
        engine.dispose()
    return found, int(n or 0), versions


def cli(url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "curator", "--db", url, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_import_killed_half_way_then_rerun_flags_every_example(tmp_path: Path) -> None:
    n = 6000  # three batches: killed after the first one is stored
    data = email_records(tmp_path / "emails.jsonl", n)
    rules = guidelines(tmp_path / "guidelines")
    killed, clean = f"sqlite:///{tmp_path / 'killed.db'}", f"sqlite:///{tmp_path / 'clean.db'}"
    for url in (killed, clean):
        store = Store(url)
        guideline_sync.load_into_store(store, rules)
        store.close()

    proc = cli(killed, "import", str(data))
    engine = sa.create_engine(killed)
    deadline = time.monotonic() + 120
    stored = 0
    while stored == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
        with engine.connect() as conn:
            stored = int(conn.scalar(sa.select(sa.func.count()).select_from(examples)) or 0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    engine.dispose()
    assert 0 < stored < n, "the import must be killed after its first batch and before its end"

    # The re-run, and a clean import to compare with, as a user runs them (side by side).
    runs = [cli(url, "import", str(data)) for url in (killed, clean)]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    after_kill, n_killed, versions = flag_state(killed)
    reference, n_clean, _ = flag_state(clean)
    assert n_killed == n_clean == n
    assert len(reference) == n and {rule for _, rule, _ in reference} == {"no-pii"}
    assert after_kill == reference
    assert len(versions) == 1 and None not in versions


def test_load_flags_examples_stored_without_flags_even_when_the_version_is_unchanged(store: Store, tmp_path: Path) -> None:
    rules = guidelines(tmp_path / "guidelines")
    first = email_records(tmp_path / "a.jsonl", 3)
    version = guideline_sync.load_into_store(store, rules)
    import_file(store, first)
    # What a killed import of older code, or a database from before 0009, holds: examples
    # stored without their flags.
    unflagged = [Example.create(conversation(0, reply="Call me on +44 7700 900123"), tokens=40),
                 Example.create(conversation(1), tokens=40)]
    with store.write() as conn:
        examples_repo.insert_many(conn, unflagged)
    assert guideline_sync.load_into_store(store, rules) == version  # the same version, again
    with store.read() as conn:
        flagged = set(conn.scalars(sa.select(flags.c.example_id)))
    assert unflagged[0].id in flagged and unflagged[1].id not in flagged
    with store.read() as conn:
        assert set(conn.scalars(sa.select(examples.c.flags_version))) == {version}


def test_an_import_catches_up_examples_left_unflagged_by_an_earlier_run(store: Store, tmp_path: Path) -> None:
    rules = guidelines(tmp_path / "guidelines")
    guideline_sync.load_into_store(store, rules)
    earlier = email_records(tmp_path / "earlier.jsonl", 4)
    with store.write() as conn:  # stored, never flagged: as a killed import of older code left them
        from curator.formats import open_records
        examples_repo.insert_many(conn, [p.example for p in open_records(earlier) if p.example])
    import_file(store, email_records(tmp_path / "later.jsonl", 2, start=100))
    with store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count(sa.distinct(flags.c.example_id)))) == 6
