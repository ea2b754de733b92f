"""--decontaminate and audit --benchmark: examples asking what a benchmark asks, on small
benchmark files written here (JSONL, a JSON array and Parquet)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.errors import InvalidInputError
from curator.formats.benchmark import read_benchmark
from curator.models import Verdict
from curator.store import Store
from export_builders import add, approved, decide, words

COPIED = words(77, 20)  # 20 made-up words; 12 of them open a benchmark item of 16
FIRST, SECOND = words(78, 18), words(79, 18)


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def chat(user: str, reply: str) -> list[dict]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]


def seeded(url: str) -> dict[str, str]:
    """30 ordinary examples and four that ask what the benchmarks ask; their ids by name."""
    store = Store(url)
    ana = make_user(store, "ana")
    approved(store, ana, 30)
    planted = {
        "exact": chat("What is the capital of Freedonia?", "Its capital is Fredville."),
        "covered": chat(f"{COPIED}?", words(80, 30)),
        "reordered": chat(f"{FIRST}. {SECOND}.", words(81, 30)),
        "messages": chat("Name three rivers of Sylvania, please.", "The Sylvan, the Ord and the Mere."),
    }
    ids = {}
    for line, (name, messages) in enumerate(planted.items(), start=100):
        ids[name] = add(store, messages, line=line)
        decide(store, ana, ids[name], Verdict.APPROVE)
    store.close()
    return ids


def benchmarks(tmp_path: Path) -> tuple[Path, Path]:
    jsonl = tmp_path / "bench.jsonl"
    items = [
        {"question": "what is the CAPITAL of freedonia", "answer": "Fredville"},  # exact once normalised
        {"question": " ".join(COPIED.split()[:12] + words(82, 4).split()), "answer": "x"},  # 12 of 16 tokens covered
        {"question": f"{SECOND}! {FIRST}!", "answer": "y"},  # the same sentences, the other way round
        {"question": words(83, 15), "answer": "z"},  # nothing like it in the data
    ]
    jsonl.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    parquet = tmp_path / "bench.parquet"
    rows = [
        {"id": 1, "messages": [{"role": "system", "content": "Answer briefly."},
                               {"role": "user", "content": "name three rivers of sylvania please"}]},
        {"id": 2, "messages": [{"role": "user", "content": words(84, 12)}]},
    ]
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    return jsonl, parquet


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_leaves_out_every_example_matching_a_benchmark(sqlite_url: str, tmp_path: Path) -> None:
    ids = seeded(sqlite_url)
    jsonl, parquet = benchmarks(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = run(sqlite_url, "export", str(out), "--test-size", "0.2", "--decontaminate", str(jsonl),
                               "--decontaminate", str(parquet), "--json")
    assert code == 0, stderr
    m = json.loads(stdout)
    decon = m["decontamination"]
    assert decon["benchmarks"] == [
        {"file": "bench.jsonl", "path": str(jsonl), "sha256": sha256(jsonl), "field": "question", "items": 4, "matched_items": 3},
        {"file": "bench.parquet", "path": str(parquet), "sha256": sha256(parquet), "field": "messages", "items": 2, "matched_items": 1},
    ]
    found = {(x["example"], x["benchmark"], x["item"]): x["kinds"] for x in decon["list"]}
    assert set(found) == {
        (ids["exact"], "bench.jsonl", "line 1"),
        (ids["covered"], "bench.jsonl", "line 2"),
        (ids["reordered"], "bench.jsonl", "line 3"),
        (ids["messages"], "bench.parquet", "item 1"),
    }
    assert "prompt-exact" in found[(ids["exact"], "bench.jsonl", "line 1")]
    assert found[(ids["covered"], "bench.jsonl", "line 2")] == ["prompt-coverage"]
    assert "prompt-minhash" in found[(ids["reordered"], "bench.jsonl", "line 3")]
    assert decon["examples"] == m["left_out"]["benchmark"] == 4
    assert m["counts"]["exported"] == 30
    written = (out / "openai" / "train.jsonl").read_text(encoding="utf-8") + (out / "openai" / "test.jsonl").read_text(encoding="utf-8")
    for needle in ("Freedonia", COPIED, FIRST, "Sylvania"):
        assert needle not in written
    # Without --decontaminate the same export keeps them.
    code, stdout, _ = run(sqlite_url, "export", str(tmp_path / "plain"), "--test-size", "0.2", "--json")
    assert code == 0 and json.loads(stdout)["counts"]["exported"] == 34


def test_audit_reports_the_same_overlap_and_removes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    ids = seeded(sqlite_url)
    jsonl, _ = benchmarks(tmp_path)
    code, stdout, stderr = run(sqlite_url, "audit", "--benchmark", str(jsonl), "--json")
    assert code == 0, stderr
    overlap = json.loads(stdout)["benchmarks"]
    assert overlap["examples"] == 3 and overlap["benchmarks"][0]["sha256"] == sha256(jsonl)
    assert {(h["example"], h["item"], h["outcome"]) for h in overlap["hits"]} == {
        (ids["exact"], "line 1", "approve"), (ids["covered"], "line 2", "approve"), (ids["reordered"], "line 3", "approve")}
    code, stdout, _ = run(sqlite_url, "audit", "--benchmark", str(jsonl))
    assert code == 0 and "Benchmark overlap: 3 example(s)" in stdout
    html = tmp_path / "audit.html"
    assert run(sqlite_url, "audit", "--benchmark", str(jsonl), "--html", str(html))[0] == 0
    assert "Benchmark overlap" in html.read_text(encoding="utf-8")
    code, stdout, _ = run(sqlite_url, "export", str(tmp_path / "out"), "--test-size", "0.2", "--json")
    assert json.loads(stdout)["counts"]["exported"] == 34  # nothing was removed


def test_a_named_field_wins_over_the_detected_one(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist([{"prompt": "not this", "messages": [{"role": "user", "content": "this"}]}]), path)
    assert read_benchmark(path).field == "prompt"
    named = read_benchmark(path, field="messages")
    assert named.field == "messages" and named.items[0].messages == [{"role": "user", "content": "this"}]


def test_a_json_array_benchmark_and_its_detected_field(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps([{"id": 1, "input": "First?"}, {"id": 2, "input": [{"role": "user", "content": "Second?"}]}]), encoding="utf-8")
    bench = read_benchmark(path)
    assert (bench.field, [i.key for i in bench.items]) == ("input", ["item 1", "item 2"])
    assert bench.items[0].messages == [{"role": "user", "content": "First?"}]


@pytest.mark.parametrize(("records", "field", "message"), [
    ([{"text": "a"}], None, "no prompt, question, input or messages field"),
    ([{"question": "a"}, {"prompt": "b"}], None, "line 2: no 'question' field"),
    ([{"question": "a"}, {"question": 7}], None, "line 2: the prompt is a int"),
    ([{"question": "a"}], "prompt", "line 1: no 'prompt' field"),
])
def test_a_benchmark_that_cannot_be_read_whole_is_an_error(tmp_path: Path, records: list, field: str | None, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        read_benchmark(path, field=field)


def test_a_bad_benchmark_fails_the_export_in_one_line_before_writing(sqlite_url: str, tmp_path: Path) -> None:
    seeded(sqlite_url)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "a"}\nnot json\n', encoding="utf-8")
    code, stdout, stderr = run(sqlite_url, "export", str(tmp_path / "out"), "--decontaminate", str(bad))
    assert code == 1 and stdout == "" and stderr.count("\n") == 1
    assert "bad.jsonl:2" in stderr and not (tmp_path / "out").exists()
