"""The readers: every format from small fixture files, detection, streaming details, writers."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.errors import InvalidInputError
from curator.formats import (
    FORMATS,
    Parsed,
    codes,
    open_records,
    write_openai_jsonl,
    write_sharegpt_jsonl,
)
from curator.models import Example

DATA = Path(__file__).parent / "data" / "formats"


def read(path: Path | str, **options: Any) -> list[Parsed]:
    return list(open_records(path, **options))


def examples(path: Path | str, **options: Any) -> list[Example]:
    parsed = read(path, **options)
    assert [p.problems for p in parsed] == [[] for _ in parsed]
    return [p.example for p in parsed if p.example]


def turns(example: Example) -> list[tuple[str, str]]:
    return [(m.role.value, m.text) for m in example.messages]


def write_lines(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "chosen", "count"), [
    ("openai.jsonl", "openai", 3),
    ("openai.jsonl.gz", "openai", 3),
    ("openai_gzipped.jsonl", "openai", 1),
    ("openai_array.json", "openai", 3),
    ("openai_preference.jsonl", "openai-preference", 1),
    ("sharegpt.json", "sharegpt", 2),
    ("sharegpt.json.gz", "sharegpt", 2),
    ("sharegpt.jsonl", "sharegpt", 2),
    ("alpaca.json", "alpaca", 2),
    ("alpaca.jsonl", "alpaca", 2),
    ("hh.jsonl", "hh", 1),
    ("hh.jsonl.gz", "hh", 1),
    ("trl_explicit.jsonl", "trl-preference", 2),
    ("trl_implicit.jsonl", "trl-preference", 2),
])
def test_auto_detects_each_format(name: str, chosen: str, count: int) -> None:
    reader = open_records(DATA / name)
    assert reader.format == chosen
    assert reader.reason.startswith(f"{chosen} (first record has ")
    found = examples(DATA / name)
    assert len(found) == count
    assert all(e.source and e.source.format == chosen and e.source.name == name for e in found)


def test_reason_names_the_deciding_keys() -> None:
    assert open_records(DATA / "openai.jsonl").reason == "openai (first record has 'messages')"


def test_gzip_is_read_by_magic_bytes_and_gives_the_same_examples() -> None:
    plain = [e.id for e in examples(DATA / "openai.jsonl")]
    assert [e.id for e in examples(DATA / "openai.jsonl.gz")] == plain
    assert [e.id for e in examples(DATA / "openai_gzipped.jsonl")] == plain[:1]


def test_openai_keeps_tools_and_metadata() -> None:
    first, tools, parts = examples(DATA / "openai.jsonl")
    assert first.metadata == {"id": "a1", "category": "math"}
    assert first.source is not None and first.source.line == 1
    assert first.warnings == []
    assert tools.tools and tools.tools[0]["function"]["name"] == "get_weather"
    assert tools.metadata == {"parallel_tool_calls": False}
    assert tools.messages[1].tool_calls and tools.messages[1].tool_calls[0].id == "call_1"
    assert tools.messages[3].weight == 1
    assert tools.warnings == [codes.NO_SYSTEM_MESSAGE]
    assert parts.messages[0].text == "Describe"


def test_ids_equal_example_create() -> None:
    records = [json.loads(line) for line in
               (DATA / "openai.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = [Example.create(r["messages"], tools=r.get("tools")).id for r in records]
    assert [e.id for e in examples(DATA / "openai.jsonl")] == expected


def test_json_array_records_know_their_start_line() -> None:
    parsed = read(DATA / "openai_array.json")
    lines = (DATA / "openai_array.json").read_text(encoding="utf-8").splitlines()
    assert [p.line for p in parsed] == [2, 20, 69]
    assert all(lines[p.line - 1].strip() == "{" for p in parsed if p.line)
    assert json.loads(parsed[0].raw)["id"] == "a1"


def test_openai_preference() -> None:
    (example,) = examples(DATA / "openai_preference.jsonl")
    assert turns(example) == [("user", "Say hi"), ("assistant", "Hi!")]
    assert example.rejected is not None and example.rejected.text == "Go away."
    assert example.metadata == {"id": "p1", "parallel_tool_calls": True}


def test_sharegpt_maps_roles_system_and_tool_calls() -> None:
    plain, tools = examples(DATA / "sharegpt.jsonl")
    assert turns(plain) == [("user", "Hello"), ("assistant", "Hi there")]
    assert plain.metadata == {"id": "s1", "source": "forum"}
    assert [m.role.value for m in tools.messages] == ["system", "user", "assistant", "tool", "assistant"]
    call = tools.messages[2].tool_calls[0]  # type: ignore[index]
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "call_1", "add", {"a": 1, "b": 2})
    assert tools.messages[3].tool_call_id == "call_1"
    assert tools.tools == [{"type": "function", "function": {
        "name": "add", "description": "add", "parameters": {"type": "object"}}}]


def test_sharegpt_unknown_speaker_is_a_problem(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "s.jsonl", {"conversations": [
        {"from": "human", "value": "hi"}, {"from": "robot", "value": "beep"}]})
    (parsed,) = read(path, format="sharegpt")
    assert [(p.code, p.field) for p in parsed.problems] == [
        (codes.UNKNOWN_ROLE, "conversations[1].from")]


def test_alpaca_joins_instruction_and_input() -> None:
    with_input, with_system = examples(DATA / "alpaca.jsonl")
    assert turns(with_input) == [("user", "Translate to French\n\ncat"), ("assistant", "chat")]
    assert with_input.metadata == {"category": "translate"}
    assert turns(with_system) == [("system", "Be brief."), ("user", "Name a colour"),
                                  ("assistant", "Blue")]


def test_hh_shared_prefix_is_the_prompt() -> None:
    (example,) = examples(DATA / "hh.jsonl")
    assert turns(example) == [
        ("user", "How do I boil an egg?"), ("assistant", "Put it in boiling water for 8 minutes."),
        ("user", "Thanks. Soft?"), ("assistant", "6 minutes.")]
    assert example.rejected is not None and example.rejected.text == "Figure it out."


def test_hh_pairs_that_part_early_are_problems(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "hh.jsonl", {
        "chosen": "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: d",
        "rejected": "\n\nHuman: a\n\nAssistant: x\n\nHuman: c\n\nAssistant: y"})
    (parsed,) = read(path, format="hh")
    assert [(p.code, p.field) for p in parsed.problems] == [(codes.PAIR_PROMPT_MISMATCH, "rejected")]


def test_trl_explicit_standard_and_conversational() -> None:
    standard, conversational = examples(DATA / "trl_explicit.jsonl")
    assert turns(standard) == [("user", "The sky is"), ("assistant", " blue.")]
    assert standard.rejected is not None and standard.rejected.text == " green."
    assert turns(conversational) == [("user", "The sky is?"), ("assistant", "Blue.")]
    assert conversational.rejected is not None and conversational.rejected.text == "Green."


def test_trl_implicit_prompt_is_the_common_prefix() -> None:
    conversational, standard = examples(DATA / "trl_implicit.jsonl")
    assert turns(conversational) == [("user", "The sky is?"), ("assistant", "Blue.")]
    assert conversational.metadata == {"score": 0.9}
    # as TRL's extract_prompt: the space before the difference starts the completion
    assert turns(standard) == [("user", "The sky is"), ("assistant", " blue.")]
    assert standard.rejected is not None and standard.rejected.text == " green."


def test_trl_implicit_hh_transcripts_split_by_turn(tmp_path: Path) -> None:
    hh = json.loads((DATA / "hh.jsonl").read_text(encoding="utf-8"))
    path = write_lines(tmp_path / "t.jsonl", hh)
    (example,) = examples(path, format="trl-preference")
    assert example.id == examples(DATA / "hh.jsonl")[0].id


def test_not_utf8_line_is_a_problem_and_reading_goes_on() -> None:
    parsed = read(DATA / "bad.jsonl", format="openai")
    assert [(p.line, [x.code for x in p.problems]) for p in parsed] == [
        (1, [codes.NOT_UTF8]), (3, []), (4, [codes.INVALID_JSON]), (5, [codes.NOT_OBJECT])]
    problem = parsed[0].problems[0]
    assert (problem.source, problem.file, problem.line) == (
        "bad.jsonl", str(DATA / "bad.jsonl"), 1)
    assert "caf\ufffd" in problem.raw


def test_not_utf8_inside_a_json_array(tmp_path: Path) -> None:
    good = json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})
    path = tmp_path / "a.json"
    path.write_bytes(b"[\n" + good.encode() + b",\n" + good.replace('"a"', '"\xff"').encode("latin-1")
                     + b"\n]\n")
    parsed = read(path)
    assert [(p.line, [x.code for x in p.problems]) for p in parsed] == [(2, []), (3, [codes.NOT_UTF8])]


def test_raw_beyond_100_kb_is_truncated_and_says_so(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "big.jsonl", {"messages": [{"role": "user", "content": "x" * 150_000}]})
    (parsed,) = read(path)
    (problem,) = parsed.problems
    assert problem.code == codes.NO_ASSISTANT
    assert len(parsed.raw) > 150_000
    assert problem.raw.startswith(parsed.raw[:100_000])
    assert problem.raw.endswith(f"[... truncated: {len(parsed.raw) - 100_000} more characters not kept]")


def test_one_problem_per_code_naming_the_others(tmp_path: Path) -> None:
    bad = {"role": "bot", "content": "x"}
    path = write_lines(tmp_path / "p.jsonl", {"messages": [bad, bad, {"role": "assistant", "content": 1}]})
    (parsed,) = read(path)
    assert [(p.code, p.field) for p in parsed.problems] == [
        (codes.UNKNOWN_ROLE, "messages[0].role"), (codes.CONTENT_TYPE, "messages[2].content")]
    assert parsed.problems[0].message.endswith("(and 1 more: messages[1].role)")


@pytest.mark.parametrize(("fmt", "code", "field"), [
    ("openai", codes.MISSING_MESSAGES, "messages"),
    ("openai-preference", codes.WRONG_TYPE, "input"),  # alpaca has a string "input"
    ("sharegpt", codes.MISSING_MESSAGES, "conversations"),
    ("hh", codes.MISSING_FIELD, "chosen"),
    ("trl-preference", codes.MISSING_FIELD, "chosen"),
])
def test_explicit_format_that_does_not_match_makes_problems(fmt: str, code: str, field: str) -> None:
    parsed = read(DATA / "alpaca.jsonl", format=fmt)
    assert len(parsed) == 2 and all(p.example is None for p in parsed)
    assert (parsed[0].problems[0].code, parsed[0].problems[0].field) == (code, field)


def test_alpaca_missing_and_mistyped_fields(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", {"instruction": "x"}, {"instruction": 5, "output": "y"})
    assert [[(p.code, p.field) for p in r.problems] for r in read(path, format="alpaca")] == [
        [(codes.MISSING_FIELD, "output")], [(codes.WRONG_TYPE, "instruction")]]


def test_open_records_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        open_records(tmp_path / "missing.jsonl")
    with pytest.raises(InvalidInputError, match="unknown format 'csv'"):
        open_records(DATA / "openai.jsonl", format="csv")
    unknown = write_lines(tmp_path / "u.jsonl", {"text": "hello"})
    with pytest.raises(InvalidInputError, match="u.jsonl: no known format .*'text'"):
        open_records(unknown)
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="empty.jsonl: the file holds no records"):
        open_records(tmp_path / "empty.jsonl")
    assert read(tmp_path / "empty.jsonl", format="openai") == []


def test_source_name_can_be_given() -> None:
    (example,) = examples(DATA / "hh.jsonl", source="hh-rlhf")
    assert example.source is not None and example.source.name == "hh-rlhf"


def test_large_json_array_streams_across_chunks(tmp_path: Path) -> None:
    message = {"messages": [{"role": "user", "content": "q" * 1000}, {"role": "assistant", "content": "a"}]}
    huge = {"messages": [{"role": "user", "content": "h" * 2_500_000}, {"role": "assistant", "content": "a"}]}
    records = [message] * 1500 + [huge] + [message] * 10
    path = tmp_path / "big.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n", encoding="utf-8")
    parsed = read(path)
    assert [p.line for p in parsed] == list(range(2, 2 + len(records)))
    assert all(p.example is not None for p in parsed)


def test_one_line_json_array_splits_utf8_across_chunks(tmp_path: Path) -> None:
    records = [{"messages": [{"role": "user", "content": f"{i} é€😀" * 60},
                             {"role": "assistant", "content": "ok"}]} for i in range(2500)]
    path = tmp_path / "compact.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    parsed = read(path)
    assert len(parsed) == 2500 and all(p.line == 1 and p.example for p in parsed)
    assert parsed[-1].example is not None
    assert parsed[-1].example.messages[0].text == "2499 é€😀" * 60


def test_broken_json_array_reports_the_rest_once(tmp_path: Path) -> None:
    good = json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})
    path = tmp_path / "broken.json"
    path.write_text(f"[\n{good},\n{{\"messages\": [}},\n{good}\n]\n", encoding="utf-8")
    parsed = read(path)
    assert [(p.line, [x.code for x in p.problems]) for p in parsed] == [(2, []), (3, [codes.INVALID_JSON])]


def test_pretty_printed_objects_without_array(tmp_path: Path) -> None:
    records = json.loads((DATA / "openai_array.json").read_text(encoding="utf-8"))
    path = tmp_path / "stream.json"
    path.write_text("\n".join(json.dumps(r, indent=2) for r in records), encoding="utf-8")
    assert [e.id for e in examples(path)] == [e.id for e in examples(DATA / "openai.jsonl")]


def test_openai_round_trip_keeps_ids(tmp_path: Path) -> None:
    original = [e for name in ("openai.jsonl", "alpaca.jsonl", "sharegpt.jsonl")
                for e in examples(DATA / name)]
    out = tmp_path / "out.jsonl"
    assert write_openai_jsonl(original, out) == len(original)
    assert [e.id for e in examples(out)] == [e.id for e in original]


def test_sharegpt_round_trip_keeps_ids(tmp_path: Path) -> None:
    original = [e for name in ("sharegpt.jsonl", "alpaca.jsonl", "hh.jsonl", "openai_preference.jsonl")
                for e in examples(DATA / name)]
    out = tmp_path / "out.jsonl"
    write_sharegpt_jsonl(original, out)
    assert [e.id for e in examples(out, format="sharegpt")] == [e.id for e in original]


def test_writer_output_loads_with_datasets(tmp_path: Path) -> None:
    import datasets
    original = examples(DATA / "openai.jsonl")[:2] + examples(DATA / "sharegpt.jsonl")
    write_openai_jsonl(original, tmp_path / "openai.jsonl")
    write_sharegpt_jsonl(original, tmp_path / "sharegpt.jsonl")
    for name, column in (("openai.jsonl", "messages"), ("sharegpt.jsonl", "conversations")):
        loaded = datasets.load_dataset("json", data_files=str(tmp_path / name), split="train",
                                       cache_dir=str(tmp_path / "cache"))
        assert loaded.num_rows == len(original)
        assert len(loaded[0][column]) == 3


# --- the property: one record, exactly one example or at least one problem -----------------

_text = st.text(max_size=5)
_json = st.recursive(st.none() | st.booleans() | st.integers() | _text,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_text, inner, max_size=3), max_leaves=8)
_call = st.fixed_dictionaries({"id": st.sampled_from(["c1", "c2"]) | _json},
                              optional={"type": st.just("function") | _json,
                                        "function": st.fixed_dictionaries(
                                            {"name": st.just("f") | _json,
                                             "arguments": st.sampled_from(["{}", "{", '{"a": 1}']) | _json})})
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool", "bot"]) | _json},
    optional={"content": _text | st.none() | _json | st.lists(st.fixed_dictionaries(
                  {"type": st.just("text")}, optional={"text": _text | _json}), max_size=2),
              "weight": st.sampled_from([0, 1, 2, True]),
              "tool_calls": st.lists(_call, max_size=2) | _json,
              "tool_call_id": st.sampled_from(["c1", "c3"]) | _json,
              "name": _text | _json,
              "refusal": st.none()})
_record = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(_message, max_size=4) | _json},
                          optional={"tools": st.lists(st.dictionaries(_text, _json, max_size=2)) | _json,
                                    "id": _json}),
    st.fixed_dictionaries({"conversations": st.lists(st.fixed_dictionaries(
        {"from": st.sampled_from(["human", "gpt", "system", "function_call", "observation", "x"])},
        optional={"value": _text | _json}), max_size=4) | _json}),
    st.fixed_dictionaries({}, optional={"prompt": _text | st.lists(_message, max_size=2) | _json,
                                        "chosen": _text | st.lists(_message, max_size=3) | _json,
                                        "rejected": _text | st.lists(_message, max_size=2) | _json,
                                        "instruction": _text | _json, "output": _text | _json,
                                        "input": _json}),
    _json,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_record, fmt=st.sampled_from([f for f in FORMATS if f != "hf"]))
def test_any_record_is_one_example_xor_problems(record: object, fmt: str) -> None:
    # line 1 is a plain object so that a list record on line 2 cannot make the file a JSON array
    _PROPERTY_FILE.write_text("{}\n" + json.dumps(record) + "\n", encoding="utf-8")
    parsed = read(_PROPERTY_FILE, format=fmt)
    assert [p.line for p in parsed] == [1, 2]
    one = parsed[1]
    assert (one.example is None) != (one.problems == [])
    assert all(p.code in codes.ERRORS for p in one.problems)
    if one.example is not None:
        example = one.example
        rebuilt = Example.create(example.messages, tools=example.tools, rejected=example.rejected)
        assert example.id == rebuilt.id
        if fmt == "openai":
            assert isinstance(record, dict)
            assert example.id == Example.create(record["messages"], tools=record.get("tools")).id


_PROPERTY_FILE = Path(tempfile.mkdtemp(prefix="curator-formats-")) / "r.jsonl"


# --- Hugging Face datasets ---------------------------------------------------------------------

def _jsonl_records(name: str) -> list[dict[str, Any]]:
    """The fixture's records, each with every key (Dataset.from_list takes columns from row 1)."""
    records = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    keys = list(dict.fromkeys(k for r in records for k in r))
    return [{k: r.get(k) for k in keys} for r in records]


def test_hf_save_to_disk_dataset_gives_the_jsonl_examples(tmp_path: Path) -> None:
    import datasets
    # Arrow cannot mix string and list content in one column: the first two records only
    datasets.Dataset.from_list(_jsonl_records("openai.jsonl")[:2]).save_to_disk(str(tmp_path / "ds"))
    reader = open_records(tmp_path / "ds")
    assert reader.format == "hf"
    assert reader.reason == ("hf (a folder, read with datasets; rows look like openai: "
                             "has 'messages')")
    found = examples(tmp_path / "ds")
    assert [e.id for e in found] == [e.id for e in examples(DATA / "openai.jsonl")][:2]
    assert [e.source.line for e in found if e.source] == [1, 2]
    assert found[0].metadata == {"id": "a1", "category": "math"}


def test_hf_dataset_dict_reads_every_split(tmp_path: Path) -> None:
    import datasets
    hh = _jsonl_records("hh.jsonl")
    alpaca = _jsonl_records("alpaca.jsonl")
    datasets.DatasetDict({
        "train": datasets.Dataset.from_list(hh),
        "test": datasets.Dataset.from_list(hh + hh),
    }).save_to_disk(str(tmp_path / "dd"))
    found = examples(tmp_path / "dd")
    assert [(e.metadata["split"], e.source.line if e.source else None) for e in found] == [
        ("train", 1), ("test", 1), ("test", 2)]
    assert found[0].id == examples(DATA / "hh.jsonl")[0].id
    datasets.Dataset.from_list(alpaca).save_to_disk(str(tmp_path / "alpaca"))
    assert [e.id for e in examples(tmp_path / "alpaca")] == [e.id for e in examples(DATA / "alpaca.jsonl")]


def test_hf_parquet_detects_each_rows_shape(tmp_path: Path) -> None:
    import datasets
    rows = [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},
        {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."},
        {"note": "neither"},
    ]
    keys = ["messages", "prompt", "chosen", "rejected", "note"]
    datasets.Dataset.from_list([{k: r.get(k) for k in keys} for r in rows]).to_parquet(str(tmp_path / "mixed.parquet"))
    reader = open_records(tmp_path / "mixed.parquet")
    assert (reader.format, reader.reason) == (
        "hf", "hf (a .parquet file, read with datasets; rows look like openai: has 'messages')")
    first, second, third = read(tmp_path / "mixed.parquet")
    assert first.example is not None and turns(first.example) == [("user", "hi"), ("assistant", "yo")]
    assert second.example is not None and second.example.rejected is not None
    assert [(p.code, p.line) for p in third.problems] == [(codes.UNKNOWN_FORMAT, 3)]
    assert json.loads(third.raw) == {"note": "neither"}


def test_hf_folder_without_data_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="the datasets library could not read it"):
        open_records(tmp_path)


def test_hf_format_on_a_jsonl_file_uses_datasets(tmp_path: Path) -> None:
    found = examples(DATA / "sharegpt.jsonl", format="hf")
    assert [e.id for e in found] == [e.id for e in examples(DATA / "sharegpt.jsonl")]
    assert found[0].source is not None and found[0].source.format == "hf"
