"""Export formats: what each example kind becomes, and each file as its trainer reads it."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
import yaml

from curator.export import EXPORT_FORMATS, SPLITS, build_record, open_writer
from curator.export.records import ExportRecord
from curator.models import Correction, Example, Verdict
from curator.services.importing import import_file
from curator.store import Store

SYSTEM = {"role": "system", "content": "You are Tally, Tallybook's support assistant."}
TOOLS = [{"type": "function", "function": {"name": "lookup_invoice", "parameters": {"type": "object", "properties": {"number": {"type": "string"}}}}}]


def chat(question: str, reply: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": question}, {"role": "assistant", "content": reply}]


def tool_chat() -> list[dict]:
    return [
        SYSTEM,
        {"role": "user", "content": "Where is invoice 1042?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_invoice", "arguments": "{\"number\": \"1042\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"sent\"}"},
        {"role": "assistant", "content": "Invoice 1042 was sent on Monday."},
    ]


# --- DESIGN.md's table, on the pure builder ---------------------------------------------------

def test_approved_example_is_sft_and_a_desired_kto_row() -> None:
    ex = Example.create(chat("How do I add a logo?", "Settings > Branding > Upload logo."))
    r = build_record(ex, Verdict.APPROVE, None)
    assert r.messages == [m.dump() for m in ex.messages]
    assert r.pair is None
    assert [(u.completion["content"], u.label) for u in r.unpaired] == [("Settings > Branding > Upload logo.", True)]


def test_approved_imported_pair_is_reply_over_rejected() -> None:
    ex = Example.create(chat("Refund?", "Within 30 days, yes."), rejected={"role": "assistant", "content": "Sure, a full refund for the year!"})
    r = build_record(ex, Verdict.APPROVE, None)
    assert r.pair is not None
    assert r.pair.chosen["content"] == "Within 30 days, yes."
    assert r.pair.rejected["content"] == "Sure, a full refund for the year!"
    assert r.pair.prompt == chat("Refund?", "x")[:2]
    assert [u.label for u in r.unpaired] == [True, False]


def test_approved_example_with_rewritten_reply_is_edited_over_original() -> None:
    ex = Example.create(chat("Can I undo a payment?", "no"))
    r = build_record(ex, Verdict.APPROVE, Correction(reply="Yes: open the payment and choose Undo."))
    assert r.messages is not None and r.messages[-1]["content"] == "Yes: open the payment and choose Undo."
    assert r.pair is not None and (r.pair.chosen["content"], r.pair.rejected["content"]) == ("Yes: open the payment and choose Undo.", "no")
    assert r.corrected


def test_corrected_negative_is_sft_with_the_correction_and_a_pair() -> None:
    ex = Example.create(chat("I want my money back for last year", "Sure, full refund for the whole year!"))
    r = build_record(ex, Verdict.NEGATIVE, Correction(reply="Refunds cover charges from the last 30 days."))
    assert r.messages is not None and r.messages[-1]["content"] == "Refunds cover charges from the last 30 days."
    assert r.pair is not None and r.pair.rejected["content"] == "Sure, full refund for the whole year!"
    assert [(u.completion["content"], u.label) for u in r.unpaired] == [
        ("Refunds cover charges from the last 30 days.", True),
        ("Sure, full refund for the whole year!", False),
    ]


def test_uncorrected_negative_is_only_an_undesired_kto_row() -> None:
    ex = Example.create(chat("Do you do payroll?", "Yes, payroll is in Pro."))
    r = build_record(ex, Verdict.NEGATIVE, None)
    assert r.messages is None and r.pair is None
    assert [(u.completion["content"], u.label) for u in r.unpaired] == [("Yes, payroll is in Pro.", False)]


def test_rejected_examples_are_never_built() -> None:
    with pytest.raises(ValueError):
        build_record(Example.create(chat("a", "b")), Verdict.REJECT, None)


# --- files as trainers read them --------------------------------------------------------------

def records() -> list[ExportRecord]:
    plain = Example.create(chat("How do I add a logo?", "Settings > Branding > Upload logo."))
    tools = Example.create(tool_chat(), tools=TOOLS)
    pair = Example.create(chat("Refund?", "Within 30 days."), rejected={"role": "assistant", "content": "Always!"})
    parts = Example.create([SYSTEM, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}, {"role": "assistant", "content": "Hello!"}])
    negative = Example.create(chat("Payroll?", "Yes, in Pro."))
    return [
        build_record(plain, Verdict.APPROVE, None),
        build_record(tools, Verdict.APPROVE, None),
        build_record(pair, Verdict.APPROVE, None),
        build_record(parts, Verdict.APPROVE, None),
        build_record(negative, Verdict.NEGATIVE, Correction(reply="No payroll; try a payroll service.")),
        build_record(negative, Verdict.NEGATIVE, None),
    ]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    recs = records()
    for name in EXPORT_FORMATS:
        writer = open_writer(name, tmp_path, card={"seed": 0})
        for i, r in enumerate(recs):
            writer.add("test" if i == 2 else "train", r)
        writer.close()
    return tmp_path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("prefix", ["", "preference_", "kto_"])
def test_every_jsonl_loads_with_datasets(written: Path, prefix: str) -> None:
    folders = sorted(p.parent for p in written.rglob(f"{prefix}train.jsonl"))
    assert len(folders) == (len(EXPORT_FORMATS) - 1 if not prefix else 1)  # hf is a saved DatasetDict
    for folder in folders:
        files = {s: str(folder / f"{prefix}{s}.jsonl") for s in SPLITS}
        loaded = datasets.load_dataset("json", data_files=files)
        assert {s: loaded[s].num_rows for s in SPLITS} == {s: len(lines(folder / f"{prefix}{s}.jsonl")) for s in SPLITS}, folder


def test_openai_files_reimport_with_zero_problems(written: Path, tmp_path: Path) -> None:
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        chat_summary = import_file(fresh, written / "openai" / "train.jsonl", format="openai")
        pref_summary = import_file(fresh, written / "openai-preference" / "test.jsonl", format="openai-preference")
    finally:
        fresh.close()
    assert (chat_summary.records, chat_summary.problems, chat_summary.warnings) == (4, 0, {})
    assert (pref_summary.records, pref_summary.problems) == (1, 0)


def test_trl_columns_are_what_the_trainers_expect(written: Path) -> None:
    sft = lines(written / "trl-sft" / "train.jsonl")
    assert {tuple(sorted(r)) for r in sft} == {("messages", "tools")}
    assert [r["tools"] is None for r in sft] == [True, False, True, True]
    assert all(isinstance(m["content"], str) for r in sft for m in r["messages"])
    dpo = lines(written / "trl-dpo" / "test.jsonl") + lines(written / "trl-dpo" / "train.jsonl")
    assert [sorted(r) for r in dpo] == [["chosen", "prompt", "rejected", "tools"]] * 2
    kto = lines(written / "trl-kto" / "train.jsonl")
    assert [sorted(r) for r in kto] == [["completion", "label", "prompt", "tools"]] * 6
    assert [r["tools"] == TOOLS for r in kto] == [False, True, False, False, False, False]
    assert [r["label"] for r in kto] == [True, True, True, True, False, False]


def test_sharegpt_turns(written: Path) -> None:
    rows = lines(written / "sharegpt" / "train.jsonl")
    assert rows[0] == {"system": SYSTEM["content"], "conversations": [
        {"from": "human", "value": "How do I add a logo?"},
        {"from": "gpt", "value": "Settings > Branding > Upload logo."},
    ]}
    assert len(rows) == 3  # the tool conversation is not FastChat's to hold


def test_llama_factory_turns(written: Path) -> None:
    rows = lines(written / "llama-factory" / "train.jsonl")
    call_turns = [t for t in rows[1]["conversations"] if t["from"] == "function_call"]
    assert json.loads(call_turns[0]["value"]) == {"name": "lookup_invoice", "arguments": {"number": "1042"}}
    assert json.loads(rows[1]["tools"]) == TOOLS
    assert rows[0]["system"] == SYSTEM["content"] and rows[0]["tools"] == ""


def test_axolotl_config_names_the_files(written: Path) -> None:
    config = yaml.safe_load((written / "axolotl" / "axolotl.yaml").read_text(encoding="utf-8"))
    train, test = config["datasets"][0], config["test_datasets"][0]
    assert (train["path"], test["path"]) == ("axolotl/train.jsonl", "axolotl/test.jsonl")
    assert train["type"] == "chat_template" and train["field_messages"] == "messages"
    assert train["message_property_mappings"] == {"role": "role", "content": "content"}
    assert lines(written / "axolotl" / "train.jsonl")[0]["messages"][1] == {
        "role": "user", "content": "How do I add a logo?", "name": None, "tool_calls": None, "tool_call_id": None, "training": None}


def test_hf_folder_loads_and_matches_its_parquet(written: Path) -> None:
    loaded = datasets.load_from_disk(str(written / "hf"))
    assert sorted(loaded) == sorted(SPLITS)
    assert (loaded["train"].num_rows, loaded["test"].num_rows) == (4, 1)
    assert loaded["train"][1]["messages"][2]["tool_calls"][0]["function"]["name"] == "lookup_invoice"
    parquet = datasets.load_dataset("parquet", data_files={s: str(written / "hf" / "data" / f"{s}-00000-of-00001.parquet") for s in SPLITS})
    assert parquet["train"]["id"] == loaded["train"]["id"]
    card = (written / "hf" / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---")[1])
    assert front["configs"][0]["data_files"][0] == {"split": "train", "path": "data/train-00000-of-00001.parquet"}


def test_a_new_format_is_one_module_and_one_registry_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/extending.md's recipe: a writer module, and its dotted path in the registry's list."""
    from curator.export import registry

    (tmp_path / "plain_format.py").write_text(
        "from curator.export.base import JsonlWriter\n\n"
        "class PlainWriter(JsonlWriter):\n"
        "    name = 'plain'\n"
        "    kind = 'sft'\n"
        "    description = 'the final reply alone'\n\n"
        "    def rows_for(self, record):\n"
        "        return [{'reply': record.messages[-1]['content']}] if record.messages else []\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "WRITERS", {w.name: w for w in map(registry._writer_class, (*registry._WRITER_CLASSES, "plain_format.PlainWriter"))})
    writer = registry.open_writer("plain", tmp_path / "out", card={"ignored": True})
    assert type(writer).__name__ == "PlainWriter" and writer.folder == tmp_path / "out" / "plain"
    with pytest.raises(TypeError, match="not a FormatWriter"):
        registry._writer_class("pathlib.Path")
