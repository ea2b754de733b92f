"""Real trainers out: each format keeps what its trainer can hold and leaves out, counted, what it
cannot (issue 11, items 3, 4, 5, 6, 9, 10)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import pytest

from conftest import make_user
from curator.export import EXPORT_FORMATS, SPLITS
from curator.models import UserRole
from curator.services.decision_files import import_decisions
from curator.services.export import export
from curator.services.importing import import_file
from curator.store import Store
from curator.store import examples as examples_repo
from fidelity_data import settle

DATA = Path(__file__).parent / "data" / "fidelity"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def both(out: Path, fmt: str, pattern: str = "{split}.jsonl") -> list[dict[str, Any]]:
    return [row for split in SPLITS for row in lines(out / fmt / pattern.format(split=split))]


@pytest.fixture
def fixture_export(sqlite_store: Store, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    settle(sqlite_store, tmp_path, sample=False)
    out = tmp_path / "out"
    manifest = export(sqlite_store, out, formats=list(EXPORT_FORMATS), test_size=0.3, seed=1, group_by="none", allow_contamination=True)
    return out, manifest


# --- 4: ShareGPT is what FastChat reads; llama-factory holds the tool conversations -----------

def test_sharegpt_rows_follow_fastchats_rules(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixture_export
    rows = both(out, "sharegpt")
    assert rows
    for row in rows:
        assert sorted(row) == ["conversations", "system"]
        assert [t["from"] for t in row["conversations"]] == ["human", "gpt"] * (len(row["conversations"]) // 2)
    assert "You are Tally, Tallybook's support assistant." in {r["system"] for r in rows}
    assert manifest["left_out_by_format"]["sharegpt"]["tools"] == 2  # the tool conversation, the pair with tools


def test_llama_factory_keeps_text_with_a_tool_call_and_parallel_results(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixture_export
    (row,) = [r for r in both(out, "llama-factory") if r["conversations"][0]["value"].startswith("Is invoice 1042")]
    froms = [t["from"] for t in row["conversations"]]
    assert froms == ["human", "function_call", "observation", "function_call", "observation", "gpt"]
    first_call = row["conversations"][1]["value"]
    assert first_call.startswith("Let me look that up.<tool_call>") and first_call.endswith("</tool_call>")
    assert json.loads(row["conversations"][3]["value"]) == [
        {"name": "lookup_invoice", "arguments": {"number": "1043"}}, {"name": "get_subscription", "arguments": {}}]
    assert json.loads(row["conversations"][4]["value"]) == ["{\"status\": \"paid\"}", "{\"plan\": \"Pro\"}"]
    info = json.loads((out / "llama-factory" / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["curator_train"]["file_name"] == "train.jsonl"
    assert info["curator_preference_train"]["ranking"] is True
    assert info["curator_kto_train"]["columns"]["kto_tag"] == "kto_tag"
    for entry in info.values():
        assert (out / "llama-factory" / entry["file_name"]).is_file()
    prefs = both(out, "llama-factory", "preference_{split}.jsonl")
    assert prefs and all(len(r["conversations"]) % 2 == 1 and r["chosen"]["from"] == "gpt" for r in prefs)
    kto = both(out, "llama-factory", "kto_{split}.jsonl")
    assert {r["kto_tag"] for r in kto} == {True, False}


# --- 5: trl-dpo and trl-kto keep tools ---------------------------------------------------------

def test_trl_preference_and_kto_rows_keep_tools(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, _ = fixture_export
    tools = json.loads((DATA / "pairs_with_tools.jsonl").read_text(encoding="utf-8"))["input"]["tools"]
    dpo = [r for r in both(out, "trl-dpo") if r["prompt"][-1]["content"] == "Is payroll included in Pro?"]
    assert len(dpo) == 1 and dpo[0]["tools"] == tools
    kto = [r for r in both(out, "trl-kto") if r["prompt"][-1]["content"] == "Is payroll included in Pro?"]
    assert len(kto) == 2 and all(r["tools"] == tools for r in kto)


# --- 6: no silent losses -----------------------------------------------------------------------

def test_image_parts_are_never_flattened(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixture_export
    texts = json.dumps([both(out, f) for f in ("trl-sft", "sharegpt", "axolotl", "llama-factory")])
    assert "What is wrong with this receipt?" not in texts
    for fmt in ("trl-sft", "sharegpt", "axolotl", "hf"):
        assert manifest["left_out_by_format"][fmt]["non_text_content"] == 1, fmt
    assert manifest["left_out_by_format"]["llama-factory"]["non_text_content"] == 2  # SFT and KTO rows
    assert manifest["left_out_by_format"]["trl-kto"]["non_text_content"] == 1
    (kept,) = [r for r in both(out, "openai") if isinstance(r["messages"][1]["content"], list)]
    assert kept["messages"][1]["content"][1]["type"] == "image_url"


def test_weight_zero_becomes_axolotls_training_flag(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixture_export
    (row,) = [r for r in both(out, "axolotl") if r["messages"][-1]["content"].startswith("Sorry, no")]
    assert [m["training"] for m in row["messages"]] == [None, None, False, None, None]
    assert "message_field_training: training" in (out / "axolotl" / "axolotl.yaml").read_text(encoding="utf-8")
    assert "Sure, Bitcoin works." not in json.dumps(both(out, "trl-sft"))
    assert manifest["left_out_by_format"]["trl-sft"]["weight_0"] == 1
    hf = datasets.load_from_disk(str(out / "hf"))
    weights = [[m["weight"] for m in r["messages"]] for s in SPLITS for r in hf[s] if r["messages"][-1]["content"].startswith("Sorry")]
    assert weights == [[None, None, 0, None, 1]]


def test_a_conversation_with_nothing_to_train_is_left_out(tmp_path: Path) -> None:
    from curator.export import build_record, open_writer
    from curator.models import Example, Verdict

    ex = Example.create([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}])
    for name in ("openai", "axolotl", "hf"):
        writer = open_writer(name, tmp_path)
        assert writer.add("train", build_record(ex, Verdict.APPROVE, None)) == 0
        writer.close()
        assert writer.left_out == {"nothing_to_train": 1}, name


def test_parallel_tool_calls_stays_in_openai_files_and_is_counted_elsewhere(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixture_export
    (row,) = [r for r in both(out, "openai") if "parallel_tool_calls" in r]
    assert row["parallel_tool_calls"] is True and row["tools"]
    assert manifest["not_carried_by_format"]["trl-sft"] == {"parallel_tool_calls": 1}


def test_a_kto_row_labelled_false_is_never_a_training_target(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, _ = fixture_export
    undesired = "Yes, payroll is in Pro."
    for fmt in ("openai", "trl-sft", "axolotl"):
        assert all(r["messages"][-1]["content"] != undesired for r in both(out, fmt)), fmt
    labels = {(r["completion"][0]["content"], r["label"]) for r in both(out, "trl-kto")}
    assert (undesired, False) in labels and (undesired, True) not in labels
    assert ("No, Tallybook has no payroll.", True) in labels


# --- 9: empty replies --------------------------------------------------------------------------

def test_empty_replies_are_left_out_and_counted(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixture_export
    for fmt in ("openai", "trl-sft", "axolotl"):
        assert all(m["content"] != "" for r in both(out, fmt) for m in r["messages"] if m["role"] == "assistant" and not m.get("tool_calls")), fmt
        assert manifest["left_out_by_format"][fmt]["empty_reply"] == 1, fmt
    assert all(r["completion"][0]["content"] for r in both(out, "trl-kto"))
    assert manifest["left_out_by_format"]["trl-kto"]["empty_reply"] == 1


def test_a_corrected_empty_reply_is_exported(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(
        json.dumps({"messages": [{"role": "user", "content": "Hello?"}, {"role": "assistant", "content": ""}]}) + "\n"
        + json.dumps({"messages": [{"role": "user", "content": "Plans?"}, {"role": "assistant", "content": "Free, Plus and Pro."}]}) + "\n",
        encoding="utf-8")
    import_file(sqlite_store, path)
    lead = make_user(sqlite_store, "lead", UserRole.LEAD)
    make_user(sqlite_store, "ana")
    decisions = tmp_path / "d.jsonl"
    decisions.write_text(
        json.dumps({"source": "e.jsonl", "line": 1, "reviewer": "ana", "verdict": "negative", "correction": {"reply": "Hello! How can I help?"}}) + "\n"
        + json.dumps({"source": "e.jsonl", "line": 2, "reviewer": "ana", "verdict": "approve"}) + "\n", encoding="utf-8")
    assert import_decisions(sqlite_store, lead, decisions).errors == []
    manifest = export(sqlite_store, tmp_path / "out", formats=["trl-sft"], test_size=1, seed=0, group_by="none")
    replies = [r["messages"][-1]["content"] for r in both(tmp_path / "out", "trl-sft")]
    assert sorted(replies) == ["Free, Plus and Pro.", "Hello! How can I help?"]
    assert manifest["left_out_by_format"]["trl-sft"] == {}


# --- 10: the two split files of a format share one schema --------------------------------------

def _key_sets(value: Any, path: str = "") -> set[tuple[str, tuple[str, ...]]]:
    """Every object's key set in a row, by where it is (messages, turns, tool calls...)."""
    if isinstance(value, dict):
        found = {(path, tuple(sorted(value)))}
        for key, item in value.items():
            if key != "tools":  # free-form JSON schemas: datasets' JSON type
                found |= _key_sets(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return set().union(*(_key_sets(v, path + "[]") for v in value)) if value else set()
    return set()


def test_trainer_files_share_one_schema_across_splits(fixture_export: tuple[Path, dict[str, Any]]) -> None:
    """The message key sets differed between train and test, and datasets 3.6 could not load them together."""
    out, _ = fixture_export
    for fmt in ("trl-sft", "trl-dpo", "trl-kto", "axolotl", "sharegpt", "llama-factory"):
        for pattern in ("{split}.jsonl", "preference_{split}.jsonl", "kto_{split}.jsonl"):
            if not (out / fmt / pattern.format(split="train")).is_file():
                continue
            shapes = set().union(*(_key_sets(r) for r in both(out, fmt, pattern)))
            where = [path for path, _ in shapes]
            assert len(where) == len(set(where)), (fmt, pattern, sorted(shapes))


# --- 3: every format with a reader comes back through curator, whole --------------------------

def _canonical(messages: list[dict[str, Any]]) -> tuple[Any, ...]:
    """A conversation as every format can hold it: roles, text, calls (no call ids), weights."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = json.dumps(content, sort_keys=True)
        calls = tuple((c["function"]["name"], json.dumps(json.loads(c["function"]["arguments"]), sort_keys=True)) for c in m.get("tool_calls") or [])
        out.append((m["role"], content or "", calls, m.get("weight", 1)))
    return tuple(out)


def _reimport(path: Path, fmt: str, tmp: Path) -> list[Any]:
    store = Store(f"sqlite:///{tmp / 'again.db'}")
    try:
        summary = import_file(store, path, format=fmt)
        assert (summary.problems, summary.problem_codes) == (0, {}), (path, summary.problem_codes)
        with store.read() as conn:
            examples = list(examples_repo.iter_examples(conn))
        assert summary.records == summary.examples + summary.duplicates
        return examples
    finally:
        store.close()
        (tmp / "again.db").unlink()


def test_every_export_format_with_a_reader_round_trips(sqlite_store: Store, tmp_path: Path) -> None:
    settle(sqlite_store, tmp_path, sample=True)
    out = tmp_path / "out"
    manifest = export(sqlite_store, out, formats=list(EXPORT_FORMATS), seed=0)
    # (format folder, file pattern, reader format, kind); every export format is listed once at least
    files = [
        ("openai", "{split}.jsonl", "openai", "sft"),
        ("trl-sft", "{split}.jsonl", "openai", "sft"),
        ("axolotl", "{split}.jsonl", "openai", "sft"),
        ("sharegpt", "{split}.jsonl", "sharegpt", "sft"),
        ("llama-factory", "{split}.jsonl", "sharegpt", "sft"),
        ("openai-preference", "{split}.jsonl", "openai-preference", "preference"),
        ("trl-dpo", "{split}.jsonl", "trl-preference", "preference"),
        ("llama-factory", "preference_{split}.jsonl", "sharegpt", "preference"),
        ("trl-kto", "{split}.jsonl", "trl-kto", "kto"),
        ("llama-factory", "kto_{split}.jsonl", "sharegpt", "kto"),
    ]
    assert {f[0] for f in files} | {"hf"} == set(EXPORT_FORMATS)
    got: dict[tuple[str, str], Counter[Any]] = {}
    for folder, pattern, reader, kind in files:
        found: Counter[Any] = Counter()
        for split in SPLITS:
            for ex in _reimport(out / folder / pattern.format(split=split), reader, tmp_path):
                messages = ex.plain_messages()
                if kind == "preference":
                    found[(_canonical(messages), _canonical([ex.rejected.dump()]))] += 1
                elif kind == "kto":
                    found[(_canonical(messages), ex.metadata["kto_label"])] += 1
                else:
                    found[_canonical(messages)] += 1
        got[(folder, pattern)] = found
    got[("hf", "")] = Counter(_canonical(ex.plain_messages()) for ex in _reimport(out / "hf", "hf", tmp_path))

    # Nothing new and nothing changed: each format's conversations are the OpenAI files' (which keep
    # everything), and what a format lacks is exactly what its manifest counts as left out.
    sft = got[("openai", "{split}.jsonl")]
    for folder in ("trl-sft", "axolotl", "sharegpt", "llama-factory", "hf"):
        key = (folder, "" if folder == "hf" else "{split}.jsonl")
        extra = got[key] - sft
        assert not extra, (folder, list(extra)[:1])
        if folder != "llama-factory":  # its left_out also counts preference and KTO rows
            missing = sum((sft - got[key]).values())
            left = manifest["left_out_by_format"][folder]
            assert missing == sum(v for k, v in left.items() if k != "empty_reply"), folder
    pairs = got[("openai-preference", "{split}.jsonl")]
    assert got[("trl-dpo", "{split}.jsonl")] == pairs
    assert not got[("llama-factory", "preference_{split}.jsonl")] - pairs
    assert not got[("llama-factory", "kto_{split}.jsonl")] - got[("trl-kto", "{split}.jsonl")]
    assert sum(pairs.values()) > 20 and sum(sft.values()) > 250


def test_own_hf_export_reimports_with_its_tools(fixture_export: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """tools travel as a JSON string in the hf export; they came back as "'tools' must be a list"."""
    out, _ = fixture_export
    examples = _reimport(out / "hf", "hf", tmp_path)
    with_tools = [ex for ex in examples if ex.tools]
    assert len(with_tools) == 2 and all(isinstance(ex.tools, list) for ex in with_tools)
