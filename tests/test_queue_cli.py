"""`curator queue set|show` and `curator sample`: output, --json, errors with exit status 1 or 2."""

from __future__ import annotations

import json

from click.testing import CliRunner

from curator.cli import main
from curator.store import Store
from helpers import add_examples


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _seed(url: str) -> None:
    store = Store(url)
    add_examples(store, 6, source="a.jsonl")
    add_examples(store, 4, source="b.jsonl", start=10)
    store.close()


def test_set_and_show_for_everyone_and_per_source(sqlite_url: str) -> None:
    _seed(sqlite_url)
    code, out, err = run(sqlite_url, "queue", "set", "random", "--seed", "3")
    assert (code, err) == (0, "")
    assert out.startswith("everyone: random; ") and "of 10 examples moved in the queue" in out
    code, out, _ = run(sqlite_url, "queue", "set", "flagged-first", "--source", "b.jsonl", "--json")
    assert code == 0 and json.loads(out)["examples"] == 10 and json.loads(out)["source"] == "b.jsonl"
    code, out, _ = run(sqlite_url, "queue", "show")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["source", "strategy"]
    assert lines[2].startswith("everyone") and "random (seed 3): a seeded random order" in lines[2]
    assert lines[3].startswith("b.jsonl") and "flagged-first: examples flagged by a check first" in lines[3]
    code, out, _ = run(sqlite_url, "queue", "show", "--json")
    shown = json.loads(out)
    assert shown["everyone"] == {"strategy": "random", "seed": 3, "description": "a seeded random order"}
    assert shown["sources"]["b.jsonl"]["strategy"] == "flagged-first" and shown["revision"] == 2
    code, out, _ = run(sqlite_url, "queue", "set", "default", "--source", "b.jsonl")
    assert code == 0 and out.startswith("source b.jsonl: default")
    assert json.loads(run(sqlite_url, "queue", "show", "--json")[1])["sources"] == {}


def test_unknown_strategy_is_a_usage_error_and_unknown_source_a_failure(sqlite_url: str) -> None:
    _seed(sqlite_url)
    code, _, err = run(sqlite_url, "queue", "set", "loudest")
    assert code == 2 and "loudest" in err
    code, _, err = run(sqlite_url, "queue", "set", "random", "--source", "nope.jsonl")
    assert code == 1 and err == "curator: error: no source named 'nope.jsonl': `curator stats` lists the sources\n"


def test_sample_opens_a_batch_and_the_audit_estimates_it(sqlite_url: str) -> None:
    _seed(sqlite_url)
    code, out, err = run(sqlite_url, "sample", "5", "--strategy", "stratified", "--by", "source", "--seed", "1")
    assert (code, err) == (0, "")
    assert out.startswith("sample batch 1: 5 examples (stratified by source), served to reviewers first\n")
    assert "a.jsonl" in out and "b.jsonl" in out
    code, out, _ = run(sqlite_url, "sample", "4", "--strategy", "diverse", "--json")
    assert code == 0 and json.loads(out) == {"batch": 2, "strategy": "diverse", "by": "source", "size": 4,
                                             "strata": {"a.jsonl": 2, "b.jsonl": 2}}
    code, out, _ = run(sqlite_url, "audit", "--json")
    sample = json.loads(out)["sample"]
    assert sample["batch"] == 2 and [s["stratum"] for s in sample["strata"]] == ["a.jsonl", "b.jsonl"]
    assert sample["strata"][0]["population"] == 6 and sample["strata"][0]["rate"] is None
    code, out, _ = run(sqlite_url, "audit")
    assert "Sample estimate (batch 2, diverse by source, 4 examples" in out


def test_sample_rejects_a_bad_size(sqlite_url: str) -> None:
    _seed(sqlite_url)
    code, _, err = run(sqlite_url, "sample", "0")
    assert code == 1 and "a sample holds 1 to 100,000 examples, not 0" in err
    code, _, err = run(sqlite_url, "sample", "3", "--strategy", "biggest")
    assert code == 2
