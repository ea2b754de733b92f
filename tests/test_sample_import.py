"""The sample data through curator itself: every planted format problem, warning and duplicate found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator.services.demo import sample_files
from curator.services.importing import import_file
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
PLANTED = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))


def expectations(prefix: str) -> list[tuple[dict, str]]:
    out = []
    for entry in PLANTED:
        expects = entry["expect"] if isinstance(entry["expect"], list) else [entry["expect"]]
        out.extend((entry, e[len(prefix):]) for e in expects if e.startswith(prefix))
    return out


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('sample') / 'sample.db'}")
    store.summaries = [import_file(store, path) for path in sample_files(SAMPLE)]  # type: ignore[attr-defined]
    return store


def test_at_least_300_examples_and_nothing_lost(sample_store: Store) -> None:
    summaries = sample_store.summaries  # type: ignore[attr-defined]
    assert {s.source for s in summaries} >= {"tallybook_chat.jsonl", "tallybook_sharegpt.json", "tallybook_preferences.jsonl", "tallybook_alpaca.json",
                                             "tallybook_hh.jsonl", "tallybook_longform.jsonl.gz"}
    for s in summaries:
        assert s.records == s.examples + s.duplicates + s.problems, s
    with sample_store.read() as conn:
        assert examples_repo.count(conn) >= 300


@pytest.mark.parametrize(("entry", "code"), expectations("code:"), ids=lambda x: str(x.get("line")) if isinstance(x, dict) else x)
def test_planted_format_error_is_a_problem_at_its_line(sample_store: Store, entry: dict, code: str) -> None:
    with sample_store.read() as conn:
        found = {(p.line, p.code) for p in imports_repo.list_problems(conn, source=entry["file"])}
    assert (entry["line"], code) in found


@pytest.mark.parametrize(("entry", "code"), expectations("warning:"), ids=lambda x: str(x.get("line")) if isinstance(x, dict) else x)
def test_planted_warning_rides_on_the_example(sample_store: Store, entry: dict, code: str) -> None:
    with sample_store.read() as conn:
        (eid,) = examples_repo.find_by_place(conn, entry["file"], entry["line"])
        assert code in examples_repo.get(conn, eid).warnings


@pytest.mark.parametrize(("entry", "target"), expectations("duplicate-of:"), ids=lambda x: str(x.get("line")) if isinstance(x, dict) else x)
def test_planted_exact_duplicate_is_the_same_example(sample_store: Store, entry: dict, target: str) -> None:
    file, line = target.rsplit(":", 1)
    with sample_store.read() as conn:
        assert examples_repo.find_by_place(conn, entry["file"], entry["line"]) == examples_repo.find_by_place(conn, file, int(line))


def test_preference_pairs_keep_their_rejected_reply(sample_store: Store) -> None:
    pairs = [e for e, _ in expectations("pair")]
    assert len(pairs) >= 30
    with sample_store.read() as conn:
        for entry in pairs:
            (eid,) = examples_repo.find_by_place(conn, entry["file"], entry["line"])
            assert examples_repo.get(conn, eid).rejected is not None


def test_reimporting_the_sample_adds_nothing(sample_store: Store) -> None:
    with sample_store.read() as conn:
        before = (examples_repo.count(conn), imports_repo.count_problems(conn))
    for path in sample_files(SAMPLE):
        again = import_file(sample_store, path)
        assert again.examples == 0
    with sample_store.read() as conn:
        assert (examples_repo.count(conn), imports_repo.count_problems(conn)) == before
