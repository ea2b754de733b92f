"""The export service: DESIGN.md's negatives table, dedup, leak-free split, determinism, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_user
from curator.errors import ConflictError, PathError
from curator.export import registry
from curator.export.openai import OpenAIChatWriter
from curator.models import Correction, UserRole, Verdict
from curator.services.export import export
from curator.store import Store
from export_builders import add, approved, chat, decide, read_tree, words


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def both(out: Path, fmt: str) -> list[dict]:
    return lines(out / fmt / "train.jsonl") + lines(out / fmt / "test.jsonl")


def test_negatives_table_case_by_case(store: Store, tmp_path: Path) -> None:
    ana = make_user(store, "ana")
    plain = add(store, chat(1), line=1)
    decide(store, ana, plain, Verdict.APPROVE)
    pair = add(store, chat(2), rejected={"role": "assistant", "content": "Imported worse reply."}, line=2)
    decide(store, ana, pair, Verdict.APPROVE)
    rewritten = add(store, chat(3), line=3)
    decide(store, ana, rewritten, Verdict.APPROVE, correction=Correction(reply="Edited reply three."))
    corrected_negative = add(store, chat(4), line=4)
    decide(store, ana, corrected_negative, Verdict.NEGATIVE, correction=Correction(reply="Desired reply four."))
    bare_negative = add(store, chat(5), line=5)
    decide(store, ana, bare_negative, Verdict.NEGATIVE)
    rejected = add(store, chat(6), line=6)
    decide(store, ana, rejected, Verdict.REJECT)
    add(store, chat(7), line=7)  # pending

    out = tmp_path / "out"
    m = export(store, out, formats=["openai", "openai-preference", "trl-kto"], test_size=1, group_by="none")

    sft = sorted(r["messages"][-1]["content"] for r in both(out, "openai"))
    assert sft == sorted([chat(1)[-1]["content"], chat(2)[-1]["content"], "Edited reply three.", "Desired reply four."])
    prefs = sorted((r["preferred_output"][0]["content"], r["non_preferred_output"][0]["content"]) for r in both(out, "openai-preference"))
    assert prefs == sorted([
        (chat(2)[-1]["content"], "Imported worse reply."),
        ("Edited reply three.", chat(3)[-1]["content"]),
        ("Desired reply four.", chat(4)[-1]["content"]),
    ])
    kto = sorted((r["completion"][0]["content"], r["label"]) for r in both(out, "trl-kto"))
    assert kto == sorted([
        (chat(1)[-1]["content"], True),
        (chat(2)[-1]["content"], True), ("Imported worse reply.", False),
        ("Edited reply three.", True), (chat(3)[-1]["content"], False),
        ("Desired reply four.", True), (chat(4)[-1]["content"], False),
        (chat(5)[-1]["content"], False),
    ])
    assert m["left_out"] == {"benchmark": 0, "duplicate": 0, "rejected": 1, "unsettled": 1, "uncorrected_negative": 1}
    assert m["counts"]["exported"] == m["counts"]["train"] + m["counts"]["test"] == 5
    # Both verdicts reach both sides (the split's stratification), even with a test size of 1.
    assert m["counts"]["by_split"]["test"]["negative"] >= 1 and m["counts"]["by_split"]["train"]["negative"] >= 1
    assert m["counts"]["by_format"]["openai"]["train"]["rows"] + m["counts"]["by_format"]["openai"]["test"]["rows"] == 4


def test_one_representative_per_cluster_and_no_straddling(sqlite_store: Store, tmp_path: Path) -> None:
    store = sqlite_store
    ana = make_user(store, "ana")
    approved(store, ana, 12)
    base = chat(100)
    exact = add(store, base, line=100)
    exact_twin = add(store, [dict(base[0]), dict(base[1], content=base[1]["content"].replace(" ", "  ")), dict(base[2])], line=101)
    decide(store, ana, exact, Verdict.NEGATIVE)
    decide(store, ana, exact_twin, Verdict.APPROVE)  # the approve wins
    long_reply = words(555, 60)
    near = add(store, chat(200, reply=long_reply), line=200)
    near_twin = add(store, chat(200, reply=long_reply + " extra"), line=201)
    decide(store, ana, near, Verdict.NEGATIVE)
    decide(store, ana, near_twin, Verdict.NEGATIVE, correction=Correction(reply=long_reply + " fixed"))  # corrected wins

    out = tmp_path / "out"
    m = export(store, out, formats=["openai", "trl-kto"], test_size=0.25, seed=3)
    assert m["left_out"]["duplicate"] == 2
    assert m["dedup"]["clusters"] == 2 and m["dedup"]["exact_clusters"] == 1
    contents = [r["messages"][-1]["content"] for r in both(out, "openai")]
    assert contents.count(base[2]["content"]) == 1
    assert long_reply + " fixed" in contents and long_reply not in contents
    kto = [(r["completion"][0]["content"], r["label"]) for r in both(out, "trl-kto")]
    assert kto.count((long_reply + " extra", False)) == 1  # the representative's original reply
    assert all(text != long_reply for text, _ in kto)  # the duplicate contributes nothing
    assert m["contamination"]["pairs"] == 0


def leaky_store(store: Store) -> None:
    """10 pairs whose replies copy a 40-word passage under different questions (Jaccard < 0.8)."""
    ana = make_user(store, "ana")
    approved(store, ana, 10, start=500)
    for k in range(10):
        passage = words(9000 + k, 40)
        for side in range(2):
            i = 1000 + 10 * k + side
            eid = add(store, chat(i, reply=f"{words(i, 30)} {passage}", question=f"Question {i}: {words(i + 7, 40)}?"), line=i)
            decide(store, ana, eid, Verdict.APPROVE)


def test_planted_leak_fails_unless_allowed(sqlite_store: Store, tmp_path: Path) -> None:
    leaky_store(sqlite_store)
    out = tmp_path / "exports" / "out"
    out.parent.mkdir()
    with pytest.raises(ConflictError, match="contaminated") as caught:
        export(sqlite_store, out, test_size=0.5, group_by="none")
    assert caught.value.setting == "allow_contamination"  # the interface says how: a flag, or no such control
    assert "--" not in str(caught.value)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no temporary folder left behind
    m = export(sqlite_store, out, test_size=0.5, group_by="none", allow_contamination=True)
    assert m["contamination"]["pairs"] > 0
    assert m["contamination"]["list"][0]["kind"] in ("ngram", "minhash")
    assert (out / "openai" / "test.jsonl").exists()


def test_default_grouping_keeps_shared_text_on_one_side(sqlite_store: Store, tmp_path: Path) -> None:
    leaky_store(sqlite_store)
    out = tmp_path / "out"
    m = export(sqlite_store, out, test_size=0.5, seed=1)
    assert m["contamination"]["pairs"] == 0
    test_text = (out / "openai" / "test.jsonl").read_text(encoding="utf-8")
    train_text = (out / "openai" / "train.jsonl").read_text(encoding="utf-8")
    for k in range(10):
        passage = words(9000 + k, 40)
        assert (passage in test_text) != (passage in train_text)


def test_same_seed_is_byte_identical_and_another_seed_changes_the_split(sqlite_store: Store, tmp_path: Path) -> None:
    ana = make_user(sqlite_store, "ana")
    approved(sqlite_store, ana, 30)
    formats = ["openai", "trl-dpo", "sharegpt", "axolotl", "hf"]
    first = export(sqlite_store, tmp_path / "a", formats=formats, seed=7)
    second = export(sqlite_store, tmp_path / "b", formats=formats, seed=7)
    assert first == second
    a, b = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert sorted(a) == sorted(b) and len(a) > 12
    assert all(a[name] == b[name] for name in a)
    assert set(first["files"]) == set(a) - {"manifest.json"}
    export(sqlite_store, tmp_path / "c", formats=["openai"], seed=8)
    assert (tmp_path / "c" / "openai" / "test.jsonl").read_bytes() != a["openai/test.jsonl"]


class _Exploding(OpenAIChatWriter):
    def add(self, split: str, record) -> int:  # type: ignore[no-untyped-def]
        if sum(self.rows.values()) >= 3:
            raise OSError("disk full")
        return super().add(split, record)


def test_a_failing_writer_leaves_the_previous_export_untouched(sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = make_user(sqlite_store, "ana", UserRole.REVIEWER)
    approved(sqlite_store, ana, 10)
    out = tmp_path / "exports" / "out"
    export(sqlite_store, out, formats=["openai", "sharegpt"])
    before = read_tree(out)
    approved(sqlite_store, ana, 5, start=50)
    monkeypatch.setitem(registry.WRITERS, "openai", _Exploding)
    with pytest.raises(PathError, match="disk full"):  # one line naming the folder, not a bare OSError
        export(sqlite_store, out, formats=["sharegpt", "openai"], replace=True)
    assert read_tree(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["out"]


# --- the sample data: the "Done when" ------------------------------------------------

def settle_sample(store: Store) -> set[str]:
    """Approve everything but the planted negatives; correct every other negative. Returns negative ids."""
    from conftest import SAMPLE
    from curator.models import Decision
    from curator.services.decisions import append_in
    from curator.store import examples as examples_repo
    from curator.store import users as users_repo

    planted = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
    places = {(p["file"], p["line"]) for p in planted if p["kind"] in ("negative", "ai-boilerplate")}
    negatives: set[str] = set()
    with store.write() as conn:
        ana = users_repo.get_by_name(conn, "ana")
        for place in sorted(places):
            negatives.update(examples_repo.find_by_place(conn, *place))
        for n, row in enumerate(examples_repo.iter_rows(conn, columns=["id"])):
            if row["id"] in negatives:
                fix = Correction(reply="I can't promise that; let me hand you to our billing team.") if n % 2 else None
                decision = Decision(example_id=row["id"], reviewer="ana", verdict=Verdict.NEGATIVE, correction=fix)
            else:
                decision = Decision(example_id=row["id"], reviewer="ana", verdict=Verdict.APPROVE)
            append_in(conn, decision, ana)
    return negatives


def test_sample_data_export_is_done(sqlite_store: Store, tmp_path: Path) -> None:
    from curator.dedup import find_clusters
    from curator.services.demo import set_up_demo
    from curator.services.importing import import_file
    from curator.split import check_contamination

    store = sqlite_store
    set_up_demo(store)
    negatives = settle_sample(store)
    assert len(negatives) >= 15
    formats = ["openai", "openai-preference", "trl-dpo", "trl-kto"]
    m = export(store, tmp_path / "a", formats=formats, seed=0)
    assert m["contamination"]["pairs"] == 0
    assert m["left_out"]["duplicate"] == m["dedup"]["duplicates"] >= 6  # the planted duplicates
    assert m["counts"]["by_split"]["test"]["negative"] >= 1

    train = [(f"train{i}", r["messages"]) for i, r in enumerate(lines(tmp_path / "a" / "openai" / "train.jsonl"))]
    test = [(f"test{i}", r["messages"]) for i, r in enumerate(lines(tmp_path / "a" / "openai" / "test.jsonl"))]
    assert find_clusters(train + test, threshold=0.8).clusters == []  # no exact or near duplicate
    assert check_contamination(train, test).pairs == []

    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        for fmt, name in (("openai", "train"), ("openai", "test"), ("openai-preference", "train")):
            summary = import_file(fresh, tmp_path / "a" / fmt / f"{name}.jsonl", format=fmt)
            assert summary.problems == 0 and summary.records > 0
    finally:
        fresh.close()

    export(store, tmp_path / "b", formats=formats, seed=0)
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")
