"""Import and guidelines load in worker processes: the same stored result as one process, in order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from curator import crashpoint
from curator.services import guideline_sync
from curator.services.importing import import_file
from curator.services.workers import WorkerError, ordered_map
from curator.store import Store
from curator.store.schema import example_sources, examples, flags, imports, problems

SHIPPED = Path(__file__).resolve().parent.parent / "guidelines"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """The shipped guidelines, aimed at a model with an 8,192-token limit (so some examples pass it)."""
    folder = tmp_path / "guidelines"
    folder.mkdir()
    for md in SHIPPED.glob("*.md"):
        (folder / md.name).write_text(md.read_text(encoding="utf-8").replace(
            "target_model: gpt-4o-mini-2024-07-18", "target_model: gpt-4-0613"), encoding="utf-8")
    return folder
WORDS = "refund invoice the customer asked about their order and we explained how to change it".split()


def _reply(i: int) -> str:
    return " ".join(WORDS[(i + k) % len(WORDS)] for k in range(12 + i % 30)) + "."


def mixed_file(path: Path, n: int = 230) -> Path:
    """Examples that flag (PII, phrases, repetition, no system prompt, too long), duplicates
    across batches, tools, metadata, and records that are problems."""
    lines: list[str] = []
    for i in range(n):
        user = f"Question {i}: how do I change invoice {i}?"
        reply = _reply(i)
        if i % 11 == 0:
            reply += f" Write to maria.lopez{i}@gmail.com or call +44 7700 900{i % 1000:03d}."
        if i % 13 == 0:
            reply = "As an AI language model, I cannot see your account. " + reply
        if i % 17 == 0:
            reply = "I'm sorry for the trouble. " * 6
        messages: list[dict[str, Any]] = [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        if i % 3:
            messages.insert(0, {"role": "system", "content": "You are Tally, the support assistant of Tallybook."})
        if i % 19 == 0:
            messages[-1]["content"] = " ".join(f"ledger{k}" for k in range(9000))  # over gpt-4-0613's limit
        record: dict[str, Any] = {"messages": messages}
        if i % 23 == 0:
            record["tools"] = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
        if i % 29 == 1:
            record["metadata"] = {"ticket": i}
        lines.append(json.dumps(record))
        if i % 7 == 0:
            lines.append("{not json" if i % 2 else json.dumps([1, 2]))
        if i % 31 == 5:
            lines.append(lines[i // 2])  # a duplicate of a record one or more batches back
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table(url: str, tbl: sa.Table, order: sa.Column[Any], leave_out: tuple[str, ...] = ("created_at",)) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            cols = [c for c in tbl.c if c.name not in leave_out]
            return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(order))]
    finally:
        engine.dispose()


def stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an import stores, in the order it was stored (times left out)."""
    return {
        "examples": table(url, examples, examples.c.seq),
        "places": table(url, example_sources, example_sources.c.id),
        "flags": table(url, flags, flags.c.id),
        "problems": table(url, problems, problems.c.id),
        "imports": table(url, imports, imports.c.id, ("started_at", "finished_at")),
    }


def test_ordered_map_keeps_the_order_and_really_uses_other_processes() -> None:
    results = list(ordered_map(lambda: lambda x: (x * x, os.getpid()), range(50), workers=3))
    assert [r[0] for r in results] == [x * x for x in range(50)]
    pids = {r[1] for r in results}
    assert len(pids) == 3 and os.getpid() not in pids
    assert [r[0] for r in ordered_map(lambda: lambda x: (x * x, 0), range(50), workers=0)] == [x * x for x in range(50)]


def _fail_on_7(x: int) -> int:
    if x == 7:
        raise ValueError("record 7 is bad")
    return x


def test_an_error_in_a_worker_is_raised_in_the_caller_as_itself() -> None:
    with pytest.raises(ValueError, match="record 7 is bad"):
        list(ordered_map(lambda: _fail_on_7, range(20), workers=2))


def _die_on_3(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_worker_killed_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match="signal 9"):
        list(ordered_map(lambda: _die_on_3, range(20), workers=2))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_import_in_workers_stores_exactly_what_one_process_stores(tmp_path: Path, rules: Path, workers: int) -> None:
    data = mixed_file(tmp_path / "mixed.jsonl")
    urls = {w: f"sqlite:///{tmp_path / f'w{w}.db'}" for w in (0, workers)}
    summaries = {}
    for w, url in urls.items():
        store = Store(url)
        guideline_sync.load_into_store(store, rules, workers=0)
        summary = import_file(store, data, batch_size=7, model="gpt-4-0613", workers=w)
        summaries[w] = {k: v for k, v in summary.as_dict().items() if k != "seconds"}
        store.close()
    alone, spread = stored(urls[0]), stored(urls[workers])
    assert summaries[0] == summaries[workers]
    assert summaries[0]["problems"] > 20 and summaries[0]["duplicates"] > 3 and summaries[0]["flags"] > 50
    assert summaries[0]["warnings"].get("over_token_limit", 0) > 5
    assert {row[2] for row in alone["flags"]} >= {"no-pii", "no-ai-boilerplate", "no-repetition", "token-limit", "system-prompt"}
    for name in alone:
        assert spread[name] == alone[name], name


@pytest.mark.postgres
def test_import_in_workers_on_postgresql_stores_what_one_process_stores_on_sqlite(pg_url: str, tmp_path: Path, rules: Path) -> None:
    data = mixed_file(tmp_path / "mixed.jsonl", n=120)
    lite = f"sqlite:///{tmp_path / 'alone.db'}"
    for url, w in ((lite, 0), (pg_url, 2)):
        store = Store(url)
        guideline_sync.load_into_store(store, rules, workers=0)
        import_file(store, data, batch_size=9, workers=w)
        store.close()
    alone, spread = stored(lite), stored(pg_url)
    for name in ("examples", "flags", "problems"):
        assert spread[name] == alone[name], name


def test_guidelines_load_in_workers_stores_the_flags_one_process_stores(tmp_path: Path, rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guideline_sync, "FLAG_BATCH", 9)
    data = mixed_file(tmp_path / "mixed.jsonl")
    urls = {w: f"sqlite:///{tmp_path / f'load{w}.db'}" for w in (0, 2)}
    for w, url in urls.items():
        store = Store(url)
        import_file(store, data, workers=0)  # no guidelines yet: nothing flagged
        guideline_sync.load_into_store(store, rules, workers=w)
        store.close()
    alone, spread = stored(urls[0]), stored(urls[2])
    assert len(alone["flags"]) > 50
    assert spread["flags"] == alone["flags"]
    assert spread["examples"] == alone["examples"]  # flags_version set on every example


def test_kill_9_of_an_import_in_workers_leaves_no_worker_behind_and_a_rerun_is_whole(tmp_path: Path, rules: Path) -> None:
    big = mixed_file(tmp_path / "big.jsonl", n=2400)  # 2 batches of the importer (2,000 records each)
    url, clean = f"sqlite:///{tmp_path / 'killed.db'}", f"sqlite:///{tmp_path / 'clean.db'}"
    for u in (url, clean):
        store = Store(u)
        guideline_sync.load_into_store(store, rules, workers=0)
        store.close()
    # Killed as the second batch commits (write 1 is the import's start).
    env = {**os.environ, crashpoint.ENV_VAR: "write:3"}
    proc = subprocess.Popen([sys.executable, "-m", "curator", "--db", url, "import", str(big), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    # The workers hold the pipe too: its end comes only once they are gone as well.
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL and out == b""
    halfway = len(stored(url)["examples"])
    for u in (url, clean):
        code = subprocess.run([sys.executable, "-m", "curator", "--db", u, "import", str(big), "--workers", "2", "--json"],
                              capture_output=True, text=True, timeout=600).returncode
        assert code == 0
    after, reference = stored(url), stored(clean)
    assert 0 < halfway < len(reference["examples"])
    for name in ("examples", "flags"):
        assert [row[1:] for row in after[name]] == [row[1:] for row in reference[name]], name


def _watch_work(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Record which examples the import counts and checks (in this process: workers=0)."""
    from curator.services import import_batches

    seen: dict[str, list[str]] = {"counted": [], "checked": []}
    count_many, flag_rows = import_batches.count_many, import_batches.flag_rows

    def counting(conversations, **kw):  # type: ignore[no-untyped-def]
        seen["counted"].append(str(len(conversations)))
        return count_many(conversations, **kw)

    def checking(batch, guidelines):  # type: ignore[no-untyped-def]
        seen["checked"] += [ex.id for ex in batch]
        return flag_rows(batch, guidelines)

    monkeypatch.setattr(import_batches, "count_many", counting)
    monkeypatch.setattr(import_batches, "flag_rows", checking)
    return seen


def test_a_file_imported_again_counts_and_checks_only_the_examples_it_adds(tmp_path: Path, rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grown export imported again: the examples already stored are neither counted nor checked
    again, and the database ends as if the grown file had been imported once."""
    first, grown = mixed_file(tmp_path / "first.jsonl", n=120), mixed_file(tmp_path / "grown.jsonl", n=160)
    assert grown.read_text(encoding="utf-8").startswith(first.read_text(encoding="utf-8").rstrip("\n"))
    again, once = f"sqlite:///{tmp_path / 'again.db'}", f"sqlite:///{tmp_path / 'once.db'}"
    for url in (again, once):
        store = Store(url)
        guideline_sync.load_into_store(store, rules, workers=0)
        store.close()
    store = Store(again)
    import_file(store, first, batch_size=7, model="gpt-4-0613", workers=0)
    with store.read() as conn:
        before = set(conn.scalars(sa.select(examples.c.id)))
    seen = _watch_work(monkeypatch)
    summary = import_file(store, grown, batch_size=7, model="gpt-4-0613", workers=0)
    store.close()
    with Store(again).read() as conn:
        added = set(conn.scalars(sa.select(examples.c.id))) - before
    assert 30 < len(added) == summary.examples
    assert set(seen["checked"]) == added  # nothing stored before is checked again
    assert sum(map(int, seen["counted"])) == len(added)  # nor counted
    monkeypatch.undo()
    store = Store(once)
    import_file(store, grown, batch_size=7, model="gpt-4-0613", workers=0)
    store.close()
    # The first file's name and path stay on what it added; all else is as if imported once.
    where = ("created_at", "import_id", "source_name", "source_file")
    assert table(again, examples, examples.c.seq, where) == table(once, examples, examples.c.seq, where)
    assert set(table(again, flags, flags.c.id, ("id", "created_at"))) == set(table(once, flags, flags.c.id, ("id", "created_at")))


def test_the_same_file_again_reports_what_the_first_import_did_without_counting_or_checking(tmp_path: Path, rules: Path,
                                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data = mixed_file(tmp_path / "mixed.jsonl", n=120)
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    guideline_sync.load_into_store(store, rules, workers=0)
    first = import_file(store, data, batch_size=7, model="gpt-4-0613", workers=0)
    seen = _watch_work(monkeypatch)
    second = import_file(store, data, batch_size=7, model="gpt-4-0613", workers=0)
    assert seen["checked"] == [] and set(seen["counted"]) <= {"0"}
    assert second.examples == 0 and second.duplicates == first.examples + first.duplicates
    assert second.warnings == first.warnings and second.warnings.get("over_token_limit", 0) > 3  # the stored counts stand in
    # Another model's encoding: the stored counts do not stand in; counted again, checked not.
    third = import_file(store, data, batch_size=7, model="gpt-4o-mini-2024-07-18", workers=0)
    store.close()
    assert seen["checked"] == [] and sum(map(int, seen["counted"])) == first.examples + first.duplicates
    assert third.warnings.get("over_token_limit", 0) == 0  # 9,000 words fit gpt-4o-mini's limit


def test_an_in_memory_database_imports_without_the_stored_example_lookup(tmp_path: Path) -> None:
    """A second engine on sqlite:// would open another, empty database: the lookup is left out there."""
    on_disk = Store(f"sqlite:///{tmp_path / 'c.db'}")
    assert not on_disk.in_memory
    on_disk.close()
    store = Store("sqlite://")
    assert store.in_memory
    data = SHIPPED.parent / "sample_data" / "tallybook_hh.jsonl"
    first, again = import_file(store, data, workers=0), import_file(store, data, workers=0)
    store.close()
    assert (first.examples, again.examples, again.duplicates) == (10, 0, 10)
