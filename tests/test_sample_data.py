"""The sample data set is what its README and planted.json say it is (plain json/gzip, no importers)."""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from curator.formats import codes

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CHAT, SHAREGPT, PREFS = "tallybook_chat.jsonl", "tallybook_sharegpt.json", "tallybook_preferences.jsonl"
ALPACA, HH, LONG = "tallybook_alpaca.json", "tallybook_hh.jsonl", "tallybook_longform.jsonl.gz"
JSONL = (CHAT, PREFS, HH, LONG)
RULES = {
    "no-pii", "no-secrets", "token-limit", "no-repetition", "no-empty", "valid-tool-args",
    "no-ai-boilerplate", "ends-with-assistant", "reply-language", "system-prompt", "turn-count",
    "tb-refund-policy", "tb-no-invented-features", "tb-escalate-disputes", "tb-no-tax-advice", "tb-tone",
}
ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
MESSAGE_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight"}
Conversation = list[tuple[str, str]]


@cache
def planted() -> list[dict[str, Any]]:
    return json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))


def expects(entry: dict[str, Any]) -> list[str]:
    return [entry["expect"]] if isinstance(entry["expect"], str) else entry["expect"]


def planted_at(name: str) -> dict[int, list[str]]:
    """line -> expectations, for one file."""
    out: dict[int, list[str]] = {}
    for e in planted():
        if e["file"] == name:
            out.setdefault(e["line"], []).extend(expects(e))
    return out


@cache
def raw_records(name: str) -> tuple[Any, ...]:
    """A JSONL file's lines (text) or a JSON-array file's records (parsed)."""
    path = SAMPLE / name
    if name.endswith(".gz"):
        return tuple(gzip.decompress(path.read_bytes()).decode("utf-8").splitlines())
    if name in JSONL:
        return tuple(path.read_text(encoding="utf-8").splitlines())
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def chat_codes(line: str) -> set[str]:
    """The validation error codes a line of OpenAI chat JSONL deserves (a small reference check)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {codes.INVALID_JSON}
    if not isinstance(record, dict):
        return {codes.NOT_OBJECT}
    if "messages" not in record:
        return {codes.MISSING_MESSAGES}
    messages = record["messages"]
    if not isinstance(messages, list):
        return {codes.MESSAGES_NOT_LIST}
    if not messages:
        return {codes.EMPTY_MESSAGES}
    found: set[str] = set()
    call_ids: set[str] = set()
    for m in messages:
        if not isinstance(m, dict):
            found.add(codes.MESSAGE_NOT_OBJECT)
            continue
        if "role" not in m:
            found.add(codes.MISSING_ROLE)
        elif m["role"] not in ROLES:
            found.add(codes.UNKNOWN_ROLE)
        if set(m) - MESSAGE_KEYS:
            found.add(codes.UNKNOWN_KEY)
        content = m.get("content")
        if content is None and not m.get("tool_calls") and not m.get("function_call"):
            found.add(codes.MISSING_CONTENT)
        elif content is not None and not isinstance(content, (str, list)):
            found.add(codes.CONTENT_TYPE)
        if "weight" in m and (m["weight"] not in (0, 1) or m.get("role") != "assistant"):
            found.add(codes.BAD_WEIGHT)
        for call in m.get("tool_calls") or []:
            call_ids.add(call["id"])
            try:
                json.loads(call["function"]["arguments"])
            except json.JSONDecodeError:
                found.add(codes.TOOL_ARGUMENTS_NOT_JSON)
        if m.get("role") == "tool" and m.get("tool_call_id") not in call_ids:
            found.add(codes.TOOL_CALL_ID_UNMATCHED)
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        found.add(codes.NO_ASSISTANT)
    return found


def planted_codes(name: str) -> dict[int, set[str]]:
    return {line: {x.removeprefix("code:") for x in exp if x.startswith("code:")}
            for line, exp in planted_at(name).items()}


def conversation(name: str, line: int) -> Conversation:
    """A record as (role, text) pairs in OpenAI role names, whatever its file's format."""
    rec = raw_records(name)[line - 1]
    if name in JSONL:
        rec = json.loads(rec)
    if name == SHAREGPT:
        names = {"system": "system", "human": "user", "gpt": "assistant"}
        return [(names[t["from"]], t["value"]) for t in rec["conversations"]]
    if name == PREFS:
        return [(m["role"], m["content"]) for m in rec["input"]["messages"] + rec["preferred_output"]]
    if name == ALPACA:
        return [("user", rec["instruction"] + "\n" + rec["input"]), ("assistant", rec["output"])]
    if name == HH:
        parts = re.split(r"\n\n(Human|Assistant): ", rec["chosen"])[1:]
        return [("user" if who == "Human" else "assistant", text) for who, text in zip(parts[::2], parts[1::2])]
    return [(m["role"], m["content"] if isinstance(m.get("content"), str) else "") for m in rec["messages"]]


def shingles(conv: Conversation) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", "\n".join(text for _, text in conv).lower())
    return {tuple(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def valid_lines(name: str) -> list[int]:
    errors = {line for line, c in planted_codes(name).items() if c}
    return [n for n in range(1, len(raw_records(name)) + 1) if n not in errors]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# --- every file parses as its format says, apart from the planted format errors ---------

@pytest.mark.parametrize("name", [CHAT, LONG])
def test_chat_lines_have_exactly_the_planted_format_errors(name: str) -> None:
    expected = planted_codes(name)
    for n, line in enumerate(raw_records(name), 1):
        assert chat_codes(line) == expected.get(n, set()), f"{name}:{n}"


def test_chat_planted_format_errors_cover_every_required_code() -> None:
    found = sorted(c for cs in planted_codes(CHAT).values() for c in cs)
    assert found == sorted([
        "invalid_json", "not_object", "missing_messages", "empty_messages", "missing_role",
        "unknown_role", "unknown_key", "content_type", "no_assistant", "bad_weight",
        "tool_arguments_not_json", "tool_call_id_unmatched", "missing_content",
    ])


def test_sharegpt_records_are_conversations() -> None:
    for n, rec in enumerate(raw_records(SHAREGPT), 1):
        assert list(rec) == ["conversations"], n
        turns = rec["conversations"]
        assert {t["from"] for t in turns} <= {"system", "human", "gpt"}, n
        assert all(isinstance(t["value"], str) and t["value"].strip() for t in turns), n
        assert turns[-1]["from"] == "gpt", n


def test_preference_records_pair_two_assistant_replies_to_one_prompt() -> None:
    for line in raw_records(PREFS):
        rec = json.loads(line)
        assert set(rec) == {"input", "preferred_output", "non_preferred_output"}
        assert rec["input"]["messages"][-1]["role"] == "user"
        good, bad = rec["preferred_output"], rec["non_preferred_output"]
        assert [m["role"] for m in good] == [m["role"] for m in bad] == ["assistant"]
        assert good[0]["content"] != bad[0]["content"]


def test_hh_records_share_the_dialogue_and_differ_in_the_last_reply() -> None:
    for line in raw_records(HH):
        rec = json.loads(line)
        assert set(rec) == {"chosen", "rejected"}
        for text in rec.values():
            assert text.startswith("\n\nHuman: ") and "\n\nAssistant: " in text
        cut = rec["chosen"].rindex("\n\nAssistant: ")
        assert rec["rejected"][:cut] == rec["chosen"][:cut]
        assert rec["rejected"] != rec["chosen"]


def test_alpaca_records_have_their_fields_except_the_planted_one() -> None:
    missing = {line for line, c in planted_codes(ALPACA).items() if "missing_field" in c}
    assert len(missing) == 1
    for n, rec in enumerate(raw_records(ALPACA), 1):
        fields = {"instruction", "input"} if n in missing else {"instruction", "input", "output"}
        assert set(rec) == fields, n
        assert all(isinstance(v, str) for v in rec.values()), n


@pytest.mark.parametrize("name", [SHAREGPT, ALPACA])
def test_json_arrays_hold_record_n_on_line_n(name: str) -> None:
    lines = (SAMPLE / name).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(raw_records(name))
    for n, line in enumerate(lines, 1):
        assert json.loads(line.removeprefix("[").rstrip(",]")) == raw_records(name)[n - 1], n


def test_at_least_300_valid_records() -> None:
    total = sum(len(valid_lines(name)) for name in (CHAT, SHAREGPT, PREFS, ALPACA, HH, LONG))
    assert total >= 300


# --- planted.json -------------------------------------------------------------------------

def test_planted_entries_point_at_existing_records_with_known_expectations() -> None:
    for e in planted():
        assert set(e) == {"file", "line", "kind", "expect"}
        assert 1 <= e["line"] <= len(raw_records(e["file"])), e
        for x in expects(e):
            kind, _, value = x.partition(":")
            if kind == "code":
                assert value in codes.ERRORS, x
            elif kind == "warning":
                assert value in codes.WARNINGS, x
            elif kind == "rule":
                assert value in RULES, x
            elif kind in ("duplicate-of", "near-duplicate-of"):
                file, _, line = value.rpartition(":")
                assert 1 <= int(line) <= len(raw_records(file)), x
            else:
                assert x in ("verdict:negative", "pair"), x


def test_readme_table_lists_every_planted_entry() -> None:
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for e in planted():
        assert f"| `{e['file']}` | {e['line']} | {e['kind']} |" in readme


def test_planted_counts_match_the_brief() -> None:
    flat = [(e, x) for e in planted() for x in expects(e)]
    dups = [e for e, x in flat if x.startswith("duplicate-of:")]
    assert sum(e["file"] == CHAT for e in dups) == 3
    assert sum(e["file"] == SHAREGPT for e in dups) == 2
    assert sum(x.startswith("near-duplicate-of:") for _, x in flat) == 6
    assert sum(x == "verdict:negative" for _, x in flat) >= 12
    pairs = {(e["file"], e["line"]) for e, x in flat if x == "pair"}
    assert pairs == {(f, n) for f in (PREFS, HH) for n in range(1, len(raw_records(f)) + 1)}
    kinds = {e["kind"] for e in planted()}
    assert {"pii-email", "pii-phone", "pii-card", "pii-iban", "secret", "over-long", "repetition",
            "ai-boilerplate", "wrong-language", "empty-reply", "no-system", "last-not-assistant",
            "roles-not-alternating"} <= kinds


def test_negative_examples_name_the_rule_they_break() -> None:
    for e in planted():
        if "verdict:negative" in expects(e):
            assert any(x.startswith("rule:") for x in expects(e)), e
            assert conversation(e["file"], e["line"])[-1][0] == "assistant"


# --- the planted issues are really there ----------------------------------------------------

def _refs(prefix: str) -> list[tuple[str, int, str, int]]:
    out = []
    for e in planted():
        for x in expects(e):
            if x.startswith(prefix):
                file, _, line = x[len(prefix):].rpartition(":")
                out.append((e["file"], e["line"], file, int(line)))
    return out


def test_exact_duplicates_are_identical_conversations() -> None:
    refs = _refs("duplicate-of:")
    for file, line, ofile, oline in refs:
        assert conversation(file, line) == conversation(ofile, oline)
    within = [(line, oline) for file, line, ofile, oline in refs if file == ofile == CHAT]
    # One of them differs in bytes (key order, spacing): only a content comparison finds it.
    assert sum(raw_records(CHAT)[a - 1] != raw_records(CHAT)[b - 1] for a, b in within) == 1


def test_near_duplicates_are_close_but_not_identical() -> None:
    for file, line, ofile, oline in _refs("near-duplicate-of:"):
        a, b = conversation(file, line), conversation(ofile, oline)
        assert a != b
        assert jaccard(shingles(a), shingles(b)) > 0.85


def test_no_unplanted_near_duplicates() -> None:
    related = {frozenset({(f, n), (of, on)}) for f, n, of, on in _refs("duplicate-of:") + _refs("near-duplicate-of:")}
    keys, sets = [], []
    for name in (CHAT, SHAREGPT, PREFS, ALPACA, HH):
        for n in valid_lines(name):
            keys.append((name, n))
            sets.append(shingles(conversation(name, n)))
    index: dict[tuple[str, ...], list[int]] = {}
    for i, s in enumerate(sets):
        for sh in s:
            index.setdefault(sh, []).append(i)
    # Shared shingle counts for every pair at once, from the inverted index.
    shared = Counter((i, j) for ids in index.values() for i, j in itertools.combinations(ids, 2))
    for (i, j), n in shared.items():
        if frozenset({keys[i], keys[j]}) not in related:
            assert n / (len(sets[i]) + len(sets[j]) - n) < 0.6, (keys[i], keys[j])


def _planted_text(kind: str) -> str:
    e = next(e for e in planted() if e["kind"] == kind)
    return "\n".join(text for _, text in conversation(e["file"], e["line"]))


def test_planted_card_number_passes_luhn() -> None:
    numbers = re.findall(r"\b(?:\d[ -]?){12,18}\d\b", _planted_text("pii-card"))
    assert len(numbers) == 1
    assert luhn_ok(re.sub(r"\D", "", numbers[0]))


def test_planted_iban_has_valid_check_digits() -> None:
    iban = re.search(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b", _planted_text("pii-iban"))
    assert iban is not None
    compact = iban.group().replace(" ", "")
    assert int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def test_planted_personal_data_and_secret_are_present() -> None:
    assert re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", _planted_text("pii-email"))
    assert re.search(r"\+1 \(\d{3}\) \d{3}-\d{4}", _planted_text("pii-phone"))
    assert re.search(r"\bsk_live_[A-Za-z0-9]{24,}", _planted_text("secret"))


def test_over_long_record_is_over_300000_characters() -> None:
    e = next(e for e in planted() if e["kind"] == "over-long")
    assert e["file"] == LONG
    assert len(_planted_text("over-long")) > 300_000


def test_repetition_and_empty_reply_are_planted_as_described() -> None:
    rep = conversation(CHAT, next(e["line"] for e in planted() if e["kind"] == "repetition"))[-1][1]
    sentence = rep.split(". ")[0] + ". "
    assert rep.count(sentence) >= 24
    empty = conversation(CHAT, next(e["line"] for e in planted() if e["kind"] == "empty-reply"))[-1]
    assert empty[0] == "assistant" and empty[1] != "" and empty[1].strip() == ""


def test_sample_folder_stays_small() -> None:
    assert sum(p.stat().st_size for p in SAMPLE.iterdir() if p.is_file()) < 1_000_000


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("tallybook_generate", SAMPLE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    module.write(tmp_path)
    for produced in sorted(tmp_path.iterdir()):
        assert produced.read_bytes() == (SAMPLE / produced.name).read_bytes(), produced.name
