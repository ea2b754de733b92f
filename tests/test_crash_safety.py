"""Crash safety, proven: the real command line killed with SIGKILL halfway, then re-run, gives
exactly the state of an uninterrupted run. (The export's own kill tests: test_export_swap.py.)

CURATOR_CRASH_AT=write:N kills the process just before its N-th write transaction commits:
everything of that transaction written, nothing committed — the worst moment for a database.
Each test checks the kill landed halfway (some work committed, not all), so a change in how a
command batches its writes fails here loudly rather than passing without testing anything.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator import crashpoint
from curator.models import Example, Source, UserRole
from curator.services.auth import sign_in
from curator.services.decision_files import import_decisions
from curator.services.importing import import_file
from curator.store import Store, schema
from curator.store import examples as examples_repo
from curator.store import users as users_repo
from export_builders import add, chat, words

ROOT = Path(__file__).resolve().parent.parent


def cli(db: str, *args: str, crash: str | None = None, wait: bool = True) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != crashpoint.ENV_VAR}
    if crash:
        env[crashpoint.ENV_VAR] = crash
    command = [sys.executable, "-m", "curator", "--db", db, *args]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=300)


def killed(db: str, *args: str, at: str) -> None:
    proc = cli(db, *args, crash=at)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)


def copy_db(url: str, to: Path) -> str:
    """A consistent copy of a SQLite database (the backup API: the -wal's pages included)."""
    src = sqlite3.connect(url[len("sqlite:///"):])
    dst = sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{to}"


def rows(url: str, table: str, *columns: str) -> list[tuple]:
    store = Store(url)
    try:
        with store.read() as conn:
            t = schema.metadata.tables[table]
            return sorted(tuple(r) for r in conn.execute(sa.select(*[t.c[c] for c in columns])))
    finally:
        store.close()


# --- (a) an import ----------------------------------------------------------------------------

def test_kill_9_halfway_through_an_import(sqlite_url: str, tmp_path: Path) -> None:
    data = tmp_path / "chats.jsonl"
    lines = []
    for i in range(2600):  # two batches of the importer (2,000 records each)
        if i % 97 == 5:
            lines.append('{"messages": [broken')
        elif i % 89 == 7 and i > 100:
            lines.append(lines[i - 100])  # a duplicate, often from an earlier batch
        else:
            lines.append(json.dumps({"messages": chat(i)}))
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean = f"sqlite:///{tmp_path / 'clean.db'}"

    killed(sqlite_url, "import", str(data), at="write:3")  # 1: the import's start, 2: batch 1, 3: batch 2
    halfway = len(rows(sqlite_url, "examples", "id"))
    assert 0 < halfway < 2000

    rerun = cli(sqlite_url, "import", str(data), "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["records"] == 2600 and summary["duplicates"] >= halfway
    reference = Store(clean)  # the uninterrupted run, in this process (the same service)
    import_file(reference, data)
    reference.close()
    for table, columns in (("examples", ("id", "source_name", "source_line", "tokens", "warnings")), ("problems", ("source_name", "line", "code", "field")),
                           ("example_sources", ("example_id", "source_name", "line"))):
        assert rows(sqlite_url, table, *columns) == rows(clean, table, *columns), table


# --- (b) a decisions import -------------------------------------------------------------------

def decisions_file(path: Path, ids: list[str]) -> Path:
    """Lines that change earlier lines' decisions: re-applying any of them twice would show."""
    out = []
    out += [{"example_id": e, "reviewer": "ana", "verdict": "approve"} for e in ids]
    out += [{"source": "test.jsonl", "line": n + 1, "reviewer": "ben", "verdict": "reject", "rules": ["R2"]} for n in range(len(ids))]
    out += [{"example_id": e, "reviewer": "ana", "verdict": "negative", "correction": {"reply": f"Better {k}."}} for k, e in enumerate(ids[:60])]
    out += [{"example_id": e, "reviewer": "ana", "verdict": "approve"} for e in ids[:30]]
    out += [{"example_id": e, "reviewer": "lee", "verdict": "approve", "kind": "adjudication", "note": "settled"} for e in ids[100:115]]
    text = [json.dumps(x) for x in out]
    text[40:40] = ["{not json", json.dumps({"example_id": "missing", "reviewer": "ana", "verdict": "approve"})]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def reviewed(sqlite_url: str) -> tuple[str, list[str]]:
    from helpers import add_examples

    store = Store(sqlite_url)
    for name, role in (("ana", UserRole.REVIEWER), ("ben", UserRole.REVIEWER), ("lee", UserRole.LEAD)):
        make_user(store, name, role)
    ids = [e.id for e in add_examples(store, 150)]
    store.close()
    return sqlite_url, ids


def decision_log(url: str) -> list[tuple]:
    store = Store(url)
    try:
        with store.read() as conn:
            d, u = schema.decisions, schema.users
            stmt = sa.select(d.c.example_id, u.c.name, d.c.kind, d.c.verdict, d.c.rules, d.c.note, d.c.correction).join(u, u.c.id == d.c.reviewer_id).order_by(d.c.id)
            return [tuple(r) for r in conn.execute(stmt)]
    finally:
        store.close()


def test_kill_9_halfway_through_a_decisions_import(reviewed: tuple[str, list[str]], tmp_path: Path) -> None:
    url, ids = reviewed
    clean = copy_db(url, tmp_path / "clean.db")
    f = decisions_file(tmp_path / "decisions.jsonl", ids)

    killed(url, "decisions", "import", str(f), at="write:3")  # 1: the shell user, 2: batch 1, 3: batch 2
    halfway = len(decision_log(url))
    rerun = cli(url, "decisions", "import", str(f), "--json")
    assert rerun.returncode == 1  # the two bad lines, as in every run
    report = json.loads(rerun.stdout)
    assert report["already_applied"] > 0 and len(report["errors"]) == 2

    reference = Store(clean)  # the uninterrupted run, in this process (the same service)
    with reference.read() as conn:
        lee = users_repo.get_by_name(conn, "lee")
    uninterrupted = import_decisions(reference, lee, f)
    reference.close()
    expected = decision_log(clean)
    assert 0 < halfway < len(expected)
    assert decision_log(url) == expected  # one decision per applied line, in file order
    assert len(expected) == uninterrupted.applied == 150 + 150 + 60 + 30 + 15
    outcome = ("id", "outcome", "n_decisions")
    assert rows(url, "examples", *outcome) == rows(clean, "examples", *outcome)
    store = Store(url)  # and once more: nothing
    with store.read() as conn:
        again = import_decisions(store, users_repo.get_by_name(conn, "lee"), f)
    store.close()
    assert again.applied == 0 and decision_log(url) == expected


def test_a_sign_in_is_not_locked_out_by_a_long_decisions_import(reviewed: tuple[str, list[str]], tmp_path: Path) -> None:
    url, ids = reviewed
    store = Store(url)
    make_user(store, "zoe", password="correct-horse")
    f = tmp_path / "decisions.jsonl"
    f.write_text("".join(json.dumps({"example_id": e, "reviewer": r, "verdict": "approve"}) + "\n" for r in ("ana", "ben", "lee") for e in ids * 2), encoding="utf-8")
    proc = cli(url, "decisions", "import", str(f), wait=False)
    try:
        deadline = time.monotonic() + 120
        while not (committed := len(rows(url, "decisions", "id"))):
            assert proc.poll() is None, "the import ended before committing anything"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert committed < 450, "the whole file committed at once"  # in batches: the import is under way
        started = time.monotonic()
        signed = sign_in(store, "zoe", "correct-horse")  # a write (a session row) within the busy timeout
        waited = time.monotonic() - started
        assert signed is not None
        assert proc.poll() is None, "the import finished before the sign-in: the file is too short to tell"
        assert waited < 20, waited  # (the whole import would have taken it past the busy timeout)
    finally:
        proc.wait(timeout=300)
        store.close()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert len(rows(url, "decisions", "id")) == 450  # each second line repeats the first: unchanged


# --- (d) guidelines load while it recomputes flags ----------------------------------------------

def test_kill_9_while_guidelines_load_recomputes_flags(sqlite_url: str, tmp_path: Path) -> None:
    from curator.services.guideline_sync import load_into_store
    from test_guidelines_cli import changed_copy

    store = Store(sqlite_url)
    with store.write() as conn:  # three batches of flags (1,000 examples each)
        examples_repo.insert_many(conn, [
            Example.create(chat(i, question=f"Question {i}: {words(i)}?" + (f" Write to me at jo.{i}@fastmail.com." if i % 3 == 0 else "")),
                           source=Source(name="t.jsonl", line=i + 1), tokens=50)
            for i in range(2100)
        ])
    load_into_store(store, ROOT / "guidelines")
    store.close()
    clean = copy_db(sqlite_url, tmp_path / "clean.db")
    v2 = changed_copy(tmp_path)
    flag = ("example_id", "rule_id", "check_name", "message", "guideline_version")

    killed(sqlite_url, "guidelines", "load", str(v2), at="write:3")  # 1: the version, 2: batch 1, 3: batch 2
    versions = {r[-1] for r in rows(sqlite_url, "flags", *flag)}
    assert len(versions) == 2  # halfway: some examples flagged under the new version, some not yet

    assert cli(sqlite_url, "guidelines", "load", str(v2)).returncode == 0
    reference = Store(clean)  # the uninterrupted run, in this process (the same service)
    load_into_store(reference, v2)
    reference.close()
    expected = rows(clean, "flags", *flag)
    assert len({r[-1] for r in expected}) == 1 and len(expected) >= 700
    assert rows(sqlite_url, "flags", *flag) == expected


# --- (e) dedup while it stores clusters ----------------------------------------------------------

def test_kill_9_while_dedup_stores_clusters(sqlite_url: str, tmp_path: Path) -> None:
    from curator.services.dedup import run_dedup

    store = Store(sqlite_url)
    for i in range(40):
        reply = words(500 + i, 50)
        add(store, chat(i, reply=reply), line=2 * i + 1)
        if i % 4 == 0:
            add(store, chat(i, reply=reply + " too"), line=2 * i + 2)  # a near duplicate
    run_dedup(store)
    for i in range(40, 60):  # more duplicates since: the next run's clusters differ
        reply = words(500 + i, 50)
        add(store, chat(i, reply=reply), line=2 * i + 1)
        add(store, chat(i, reply=reply + " also"), line=2 * i + 2)
    store.close()
    clean = copy_db(sqlite_url, tmp_path / "clean.db")
    cluster = ("example_id", "cluster_id", "kind", "similarity", "is_representative")
    before, runs = rows(sqlite_url, "clusters", *cluster), rows(sqlite_url, "dedup_runs", "id")

    killed(sqlite_url, "dedup", at="write:1")
    assert rows(sqlite_url, "clusters", *cluster) == before and rows(sqlite_url, "dedup_runs", "id") == runs

    assert cli(sqlite_url, "dedup").returncode == 0
    reference = Store(clean)  # the uninterrupted run, in this process (the same service)
    run_dedup(reference)
    reference.close()
    after = rows(clean, "clusters", *cluster)
    assert after != before and rows(sqlite_url, "clusters", *cluster) == after

