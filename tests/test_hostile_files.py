"""Hostile input files: each ends as a quarantined problem or a one-line error, in bounded memory,
never a traceback, an abort or a hang; the good records around it are kept (issue 9)."""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from curator.errors import InvalidInputError, StorageError
from curator.formats import codes, open_records
from curator.formats.limits import MAX_DEPTH, MAX_RECORD_BYTES
from curator.models import Problem, utcnow
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.store.schema import examples as examples_table
from tests.helpers import make_examples

MEMORY_CAP = 2_684_354_560  # 2.5 GiB of address space for the whole import process


def good(i: int, tag: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": f"{tag} question {i}"},
                                    {"role": "assistant", "content": f"{tag} answer {i}"}]})


def write_bomb(path: Path) -> None:
    """Five good records, then 10 GB of zeros in 10 MB: gzip members of 100 MiB of zeros each."""
    zeros = gzip.compress(b"\x00" * (100 << 20), compresslevel=9)
    with path.open("wb") as f:
        f.write(gzip.compress("".join(good(i, "bomb") + "\n" for i in range(5)).encode()))
        for _ in range(100):
            f.write(zeros)


def write_huge_line(path: Path, *, mib: int = 200) -> None:
    chunk = "x" * (1 << 20)
    with path.open("w", encoding="utf-8") as f:
        f.write(good(0, "huge") + "\n")
        f.write('{"messages": [{"role": "user", "content": "')
        for _ in range(mib):
            f.write(chunk)
        f.write('"}, {"role": "assistant", "content": "a"}]}\n')
        f.write(good(1, "huge") + "\n")


def write_deep(path: Path) -> None:
    lines = [
        good(0, "deep"),
        '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "meta": '
        + "[" * 200 + "]" * 200 + "}",
        good(1, "deep"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_surrogate(path: Path) -> None:
    lines = [
        good(0, "surrogate"),
        '{"messages": [{"role": "user", "content": "a\\ud800b"}, {"role": "assistant", "content": "x"}]}',
        '{"messages": [{"role": "user", "content": "paired \\ud83d\\ude00"}, {"role": "assistant", "content": "x"}]}',
        good(1, "surrogate"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_nul(path: Path) -> None:
    lines = [
        good(0, "nul").encode(),
        b'{"messages": [{"role": "user", "content": "a\x00b SECRET-IN-A-BAD-LINE"}]}',
        b'{"messages": [{"role": "user", "content": "x", "k\\u0000ey": 1}, {"role": "assistant", "content": "y"}]}',
        b'{"messages": [{"role": "user", "content": "escaped \\u0000 is fine"}, {"role": "assistant", "content": "y"}]}',
        good(1, "nul").encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")


def write_broken_first(path: Path, n: int = 1000) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write('{"messages": [{"role": "user", "content": "cut off here\n')
        for i in range(n):
            f.write(good(i, "after-broken") + "\n")


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def curator(db: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process, its address space capped at 2.5 GiB."""
    return subprocess.run([sys.executable, "-m", "curator", "--db", db, *args], capture_output=True,
                          text=True, preexec_fn=_cap_memory, timeout=timeout, check=False)


# --- the "done when": every hostile file through `curator import`, under the memory cap ------

HOSTILE = {
    "huge_line.jsonl": (lambda p: write_huge_line(p, mib=50), 2, {codes.RECORD_TOO_LARGE: 1}),
    "deep.jsonl": (write_deep, 2, {codes.TOO_DEEP: 2}),
    "surrogate.jsonl": (write_surrogate, 3, {codes.LONE_SURROGATE: 1}),
    "nul.jsonl": (write_nul, 3, {codes.INVALID_JSON: 1, codes.UNKNOWN_KEY: 1}),
    "broken_first.jsonl": (write_broken_first, 1000, {codes.INVALID_JSON: 1}),
}
FULL_SCALE = {
    "bomb.jsonl.gz": (write_bomb, 5, {codes.INPUT_TOO_LARGE: 1}),
    "huge_line.jsonl": (write_huge_line, 2, {codes.RECORD_TOO_LARGE: 1}),
}


def _import_all(db: str, folder: Path, files: dict) -> dict[tuple[str, int | None], Problem]:
    paths = []
    for name, (write, _, _) in files.items():
        write(folder / name)
        paths.append(str(folder / name))
    proc = curator(db, "import", "--json", *paths)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)
    summaries = {Path(s["path"]).name: s for s in (found if isinstance(found, list) else [found])}
    for name, (_, kept, problem_codes) in files.items():
        s = summaries[name]
        assert (s["examples"], s["problem_codes"]) == (kept, problem_codes), name
        assert s["records"] == s["examples"] + s["duplicates"] + s["problems"]
    store = Store(db)
    try:
        with store.read() as conn:
            assert examples_repo.count(conn) == sum(kept for _, kept, _ in files.values())
            return {(p.source, p.line): p for p in imports_repo.list_problems(conn)}
    finally:
        store.close()


def test_hostile_files_end_as_problems_under_a_memory_cap(db_url: str, tmp_path: Path) -> None:
    by_place = _import_all(db_url, tmp_path, HOSTILE)
    assert by_place[("huge_line.jsonl", 2)].code == codes.RECORD_TOO_LARGE
    assert len(by_place[("huge_line.jsonl", 2)].raw) < 200_000  # the head of the line, not all of it
    # The raw NUL of a bad line is kept, shown as a symbol, on PostgreSQL as on SQLite.
    assert "a\u2400b SECRET-IN-A-BAD-LINE" in by_place[("nul.jsonl", 2)].raw
    assert by_place[("nul.jsonl", 3)].field == "messages[0].k\u2400ey"


@pytest.mark.slow
def test_gzip_bomb_and_200_mb_line_at_full_scale(sqlite_url: str, tmp_path: Path) -> None:
    by_place = _import_all(sqlite_url, tmp_path, FULL_SCALE)
    assert by_place[("bomb.jsonl.gz", 6)].code == codes.INPUT_TOO_LARGE
    assert (tmp_path / "bomb.jsonl.gz").stat().st_size < 11_000_000


def test_fifo_and_devices_are_refused_with_one_line(sqlite_url: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        proc = curator(sqlite_url, "import", path, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and "not a regular file" in proc.stderr, proc.stderr
        assert path in proc.stderr


# --- the readers, in process -------------------------------------------------------------------

def _read(path: Path) -> list[tuple[int | None, list[str], bool]]:
    return [(p.line, [x.code for x in p.problems], p.example is not None) for p in open_records(path)]


def test_a_line_over_the_limit_is_skipped_and_the_next_ones_read(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    at_limit = '{"messages": [{"role": "user", "content": "'
    at_limit += "y" * (MAX_RECORD_BYTES - len(at_limit) - len('"}, {"role": "assistant", "content": "a"}]}'))
    at_limit += '"}, {"role": "assistant", "content": "a"}]}'
    assert len(at_limit) == MAX_RECORD_BYTES
    over = at_limit.replace('"a"}]}', '"ab"}]}')
    path.write_text("\n".join([good(0, "t"), over, at_limit, good(1, "t")]) + "\n", encoding="utf-8")
    assert _read(path) == [(1, [], True), (2, [codes.RECORD_TOO_LARGE], False), (3, [], True), (4, [], True)]


def test_depth_at_the_limit_is_kept_and_one_more_level_is_a_problem(tmp_path: Path) -> None:
    def record(depth: int) -> str:  # the record itself is one level; metadata adds depth - 1
        return ('{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "m": '
                + "[" * (depth - 1) + "]" * (depth - 1) + "}")

    path = tmp_path / "depth.jsonl"
    path.write_text(record(MAX_DEPTH) + "\n" + record(MAX_DEPTH + 1) + "\n", encoding="utf-8")
    assert _read(path) == [(1, [], True), (2, [codes.TOO_DEEP], False)]


def test_broken_first_line_loses_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    write_broken_first(path, n=50)
    read = _read(path)
    assert read[0] == (1, [codes.INVALID_JSON], False)
    assert read[1:] == [(i, [], True) for i in range(2, 52)]


def test_pretty_printed_and_back_to_back_objects_are_still_streams(tmp_path: Path) -> None:
    records = [json.loads(good(i, "s")) for i in range(3)]
    pretty = tmp_path / "pretty.json"
    pretty.write_text("\n".join(json.dumps(r, indent=2) for r in records), encoding="utf-8")
    assert [ok for _, _, ok in _read(pretty)] == [True] * 3
    compact = tmp_path / "compact.json"
    compact.write_text("".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    assert [ok for _, _, ok in _read(compact)] == [True] * 3


def test_json_array_element_over_the_limit_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    huge = {"messages": [{"role": "user", "content": "h" * (MAX_RECORD_BYTES + 10)},
                         {"role": "assistant", "content": "a"}]}
    path = tmp_path / "array.json"
    path.write_text("[\n" + ",\n".join([good(0, "a"), json.dumps(huge), good(1, "a")]) + "\n]\n", encoding="utf-8")
    assert _read(path) == [(2, [], True), (3, [codes.RECORD_TOO_LARGE], False), (4, [], True)]


def test_lone_surrogate_in_a_json_array_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    bad = '{"messages": [{"role": "user", "content": "\\udfff"}, {"role": "assistant", "content": "a"}]}'
    path.write_text("[" + ",".join([good(0, "a"), bad, good(1, "a")]) + "]", encoding="utf-8")
    assert [codes_ for _, codes_, _ in _read(path)] == [[], [codes.LONE_SURROGATE], []]


def test_open_records_refuses_a_fifo_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.parquet"  # a suffix that would hand it to pyarrow
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        open_records(fifo)


# --- the store: NULs, errors that quote data, concurrent imports -------------------------------

def test_problems_with_nul_characters_are_stored(store: Store) -> None:
    problem = Problem(source="s\x00.jsonl", file="s.jsonl", line=3, code=codes.INVALID_JSON,
                      field="a\x00b", message="bad \x00", raw='{"x": "\x00"}')
    with store.write() as conn:
        imports_repo.add_problems(conn, [problem])
    with store.read() as conn:
        (stored,) = imports_repo.list_problems(conn)
    assert (stored.source, stored.field, stored.message, stored.raw) == (
        "s\u2400.jsonl", "a\u2400b", "bad \u2400", '{"x": "\u2400"}')


def test_a_database_error_never_quotes_the_data_it_was_writing(store: Store) -> None:
    ex = make_examples(1)[0]
    row = {"id": ex.id, "messages": "SECRET-CONVERSATION-TEXT", "source_name": "s", "n_messages": 1,
           "created_at": utcnow()}
    with pytest.raises(StorageError) as caught:
        with store.write() as conn:
            conn.execute(examples_table.insert(), [row])
            conn.execute(examples_table.insert(), [row])  # the same id again
    message = str(caught.value)
    assert "SECRET" not in message and "INSERT" not in message and "\n" not in message
    assert "unique" in message.lower()


@pytest.mark.postgres
def test_concurrent_imports_of_overlapping_files_both_succeed(pg_url: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(good(i, "c") + "\n" for i in range(0, 6000)), encoding="utf-8")
    b.write_text("".join(good(i, "c") + "\n" for i in range(6000, 0, -1)), encoding="utf-8")
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    start = threading.Barrier(2)

    def run(path: Path) -> None:
        start.wait()
        results[path.name] = curator(pg_url, "import", "--json", str(path))

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for proc in results.values():
        assert proc.returncode == 0, proc.stderr[-2000:]
    sa_, sb = (json.loads(results[n].stdout) for n in ("a.jsonl", "b.jsonl"))
    assert sa_["examples"] + sb["examples"] == 6001  # each distinct example stored once, counted once
    assert sa_["duplicates"] + sb["duplicates"] == 12000 - 6001
    stats = json.loads(curator(pg_url, "stats", "--json").stdout)
    assert stats["examples"] == 6001


# --- token counting: tiktoken is never handed a text it cannot take ----------------------------

def test_token_count_of_a_million_spaces_finishes() -> None:
    from curator.tokens import count_messages

    # Encoded at once, a million spaces abort the process inside tiktoken (a Rust panic).
    spaces = count_messages([{"role": "user", "content": " " * 1_000_000}])
    assert 0 < spaces < 1_000_000


def test_long_texts_are_counted_in_pieces_that_change_no_token() -> None:
    from curator.tokens.counting import PIECE_CHARS, encoding_for, split_for_encoding

    words = ["invoice", "Tally", "über", "don't", "42", "3.14", "\n", "—", "x@y.z"]
    prose = " ".join(words[(i * 7) % len(words)] for i in range(60_000))
    assert len(prose) > 2 * PIECE_CHARS
    encode = encoding_for("gpt-4o-mini-2024-07-18").encode_ordinary
    assert sum(len(encode(p)) for p in split_for_encoding(prose)) == len(encode(prose))
    assert "".join(split_for_encoding(prose)) == prose


def test_a_hostile_predictions_file_gives_bad_lines_to_the_audit_not_a_crash(sqlite_store: Store, tmp_path: Path) -> None:
    from curator.services import guideline_sync
    from curator.services.audit import run_audit

    example = make_examples(1)[0]
    with sqlite_store.write() as conn:
        examples_repo.insert_many(conn, [example])
    guideline_sync.load_into_store(sqlite_store, Path(__file__).resolve().parent.parent / "guidelines")
    path = tmp_path / "predictions.jsonl"
    path.write_text("\n".join([
        '{"example_id": "x", "reply": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"example_id": example.id, "reply": "Open invoice 0, then choose Export > PDF."}),
    ]) + "\n", encoding="utf-8")
    errors: list[InvalidInputError] = []
    report = run_audit(sqlite_store, predictions=path, on_error=errors.append)
    assert report.predictions is not None and report.predictions.predictions == 1
    assert [(e.line, "nested" in str(e)) for e in errors] == [(1, True)]
