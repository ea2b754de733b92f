"""Bounded memory at scale: conversations and n-gram buckets wait on disk, in a scratch folder
curator made and always removes (after success, after an error, at garbage collection)."""

from __future__ import annotations

import gc
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest

from conftest import make_user
from curator.errors import ConflictError
from curator.scratch import Scratch, SpilledItems
from curator.services.dedup import load_corpus
from curator.services.export import export
from curator.split import features as features_module
from curator.split.features import SplitFeatures
from curator.split.ngrams import GramCollector
from curator.store import Store
from export_builders import approved, chat, read_tree
from test_export_service import leaky_store


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temporary directory, for this test: where every scratch folder goes."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_spilled_items_read_back_what_was_written(scratch_root: Path) -> None:
    with Scratch() as scratch:
        items = SpilledItems(scratch)
        conversations = [chat(i) for i in range(50)]
        for i, messages in enumerate(conversations):
            assert items.append(f"id{i}", json.dumps(messages)) == i
        items.replace(7, chat(7, reply="corrected"))
        expected = [(f"id{i}", m) for i, m in enumerate(conversations)]
        expected[7] = ("id7", chat(7, reply="corrected"))
        assert len(items) == 50 and items.ids == [e for e, _ in expected]
        assert list(items) == expected
        assert items[7] == expected[7] and items[-1] == expected[-1] and items[3:6] == expected[3:6]
        view = items.subset([9, 2, 7])
        assert view.ids == ["id9", "id2", "id7"] and list(view) == [expected[9], expected[2], expected[7]]
        assert view[0:2] == [expected[9], expected[2]]
        with pytest.raises(IndexError):
            items[50]
        assert [p.name for p in scratch.path.iterdir()] == ["items.jsonl"]  # the text is on disk
        items.close()
    assert list(scratch_root.iterdir()) == []


def test_scratch_goes_on_error_and_on_garbage_collection(scratch_root: Path) -> None:
    with pytest.raises(RuntimeError), Scratch() as scratch:
        scratch.file("x").write_bytes(b"1")
        raise RuntimeError("boom")
    assert list(scratch_root.iterdir()) == []
    dropped = Scratch()
    dropped.file("y").write_bytes(b"2")
    assert len(list(scratch_root.iterdir())) == 1
    del dropped
    gc.collect()
    assert list(scratch_root.iterdir()) == []


def test_gram_buckets_on_disk_equal_buckets_in_memory(scratch_root: Path) -> None:
    rng = np.random.default_rng(3)
    chunks = []
    for lo in range(0, 4000, 500):
        hashes = rng.integers(0, 3000, 5000).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        chunks.append((hashes, rng.integers(lo, lo + 500, 5000).astype(np.int32)))
    memory = GramCollector()
    with Scratch() as scratch:
        disk = GramCollector(scratch, "t")
        for hashes, docs in chunks:
            memory.add(hashes, docs)
            disk.add(hashes, docs)
        assert len(list(scratch.path.iterdir())) == 32  # 16 buckets, hashes and rows
        a, b = memory.shared(4000, 8), disk.shared(4000, 8)
        assert list(scratch.path.iterdir()) == []  # each bucket file goes once read
    assert len(a.hashes) > 1000
    assert np.array_equal(a.hashes, b.hashes) and np.array_equal(a.docs, b.docs) and np.array_equal(a.single, b.single)


def test_split_features_spilled_equal_features_in_memory(scratch_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = [(f"e{i:03d}", chat(i % 40, reply=f"reply {i % 25} to the question asked")) for i in range(120)]
    kept = SplitFeatures(items)
    monkeypatch.setattr(features_module, "SPILL_ROWS", 10)
    spilled = SplitFeatures(items)
    for name in ("grams", "prompt_grams"):
        x, y = getattr(kept, name), getattr(spilled, name)
        assert len(x.hashes) > 0
        assert np.array_equal(x.hashes, y.hashes) and np.array_equal(x.docs, y.docs) and np.array_equal(x.single, y.single)
    assert np.array_equal(kept.conversations.keys, spilled.conversations.keys)
    assert list(scratch_root.iterdir()) == []


def test_the_corpus_keeps_messages_on_disk_until_closed(sqlite_store: Store, scratch_root: Path) -> None:
    ana = make_user(sqlite_store, "ana")
    ids = approved(sqlite_store, ana, 5)
    with load_corpus(sqlite_store) as corpus:
        assert corpus.ids == ids and corpus.messages(ids[3])[1]["content"].startswith("Question 3:")
        (folder,) = scratch_root.iterdir()
        assert "Question 3:" in (folder / "items.jsonl").read_text()
    assert list(scratch_root.iterdir()) == []


def test_export_removes_its_scratch_folders_after_success_and_after_refusal(sqlite_store: Store, tmp_path: Path, scratch_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leaky_store(sqlite_store)
    monkeypatch.setattr(features_module, "SPILL_ROWS", 5)  # the n-gram buckets spill too
    with pytest.raises(ConflictError, match="contaminated"):
        export(sqlite_store, tmp_path / "refused", test_size=0.5, group_by="none")
    assert list(scratch_root.iterdir()) == []
    spilled = export(sqlite_store, tmp_path / "a", seed=2)
    assert list(scratch_root.iterdir()) == []
    monkeypatch.setattr(features_module, "SPILL_ROWS", 100_000)
    kept = export(sqlite_store, tmp_path / "b", seed=2)
    assert spilled == kept and read_tree(tmp_path / "a") == read_tree(tmp_path / "b")
    assert spilled["split"]["pulled_together"]["shared-ngram"] > 0  # the spilled n-grams did group


def test_a_killed_process_scratch_folder_is_removed_by_the_next_one_and_nothing_else(scratch_root: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from curator.scratch import Scratch; s = Scratch(prefix='curator-corpus-');"
         " s.file('items.jsonl').write_text('x'); print(s.path, flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(scratch_root)},
    )
    assert child.stdout is not None
    abandoned = Path(child.stdout.readline().strip())
    assert abandoned.parent == scratch_root and (abandoned / "items.jsonl").exists()
    # Things that are not a dead curator process's scratch folder: all kept.
    foreign = scratch_root / "curator-corpus-1.0-abcdefgh"  # our pattern, but not mode 0700
    foreign.mkdir(mode=0o755)
    foreign.chmod(0o755)
    a_file = scratch_root / "curator-2.0-abcdefgh"
    a_file.write_text("someone's file")
    unnamed = scratch_root / "curator-corpus-abcdefgh"  # no owner in the name
    unnamed.mkdir(mode=0o700)
    with Scratch() as living:  # our own, alive: kept while we run
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert abandoned.exists()  # nothing sweeps until a new scratch folder is made
        with Scratch() as second:
            assert not abandoned.exists()
            assert living.path.exists() and second.path.exists()
            assert foreign.exists() and a_file.read_text() == "someone's file" and unnamed.exists()
    assert sorted(p.name for p in scratch_root.iterdir()) == sorted([foreign.name, a_file.name, unnamed.name])
