"""The import service on both databases: nothing lost, idempotent, tokens counted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from curator.services.importing import import_file
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.tokens import count_messages

DATA = Path(__file__).parent / "data" / "formats"


def test_every_record_is_an_example_a_duplicate_or_a_problem(store: Store) -> None:
    s = import_file(store, DATA / "bad.jsonl")
    assert s.records == s.examples + s.duplicates + s.problems
    assert (s.records, s.examples, s.duplicates, s.problems) == (4, 1, 0, 3)  # the blank line is no record
    with store.read() as conn:
        listed = imports_repo.list_problems(conn)
    assert {p.code for p in listed} >= {"invalid_json", "not_object", "not_utf8"}
    assert all(p.source == "bad.jsonl" and p.line for p in listed)


def test_reimport_adds_nothing(store: Store) -> None:
    first = import_file(store, DATA / "openai.jsonl")
    again = import_file(store, DATA / "openai.jsonl")
    assert again.examples == 0 and again.duplicates == first.examples
    with store.read() as conn:
        assert examples_repo.count(conn) == first.examples


def test_gzip_is_read_directly_and_tokens_are_tiktokens(store: Store, tmp_path: Path) -> None:
    messages = [{"role": "user", "content": "How do I add a team seat?"}, {"role": "assistant", "content": "Settings > Team > Add seat."}]
    path = tmp_path / "one.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"messages": messages}) + "\n")
    s = import_file(store, path)
    assert (s.format, s.examples) == ("openai", 1)
    with store.read() as conn:
        (ex,) = list(examples_repo.iter_examples(conn))
    assert ex.tokens == count_messages(messages)


def test_over_the_model_limit_is_a_warning_not_a_problem(store: Store, tmp_path: Path) -> None:
    long = " ".join(f"ledger{i}" for i in range(20_000))
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": long}, {"role": "assistant", "content": "Noted."}]}) + "\n")
    s = import_file(store, path, model="gpt-4-0613")
    assert s.examples == 1 and s.warnings.get("over_token_limit") == 1
