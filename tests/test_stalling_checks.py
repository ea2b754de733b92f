"""Checks that stall: a transcript supplier or a guideline pattern must not stall import,
`guidelines load` or the audit (issue 9). Each case here ran for minutes before."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from curator.errors import InvalidInputError
from curator.guidelines import load_guidelines, run_checks
from curator.guidelines.checks.registry import MAX_SCAN_CHARS
from curator.models import Example
from curator.services import guideline_sync
from curator.services.audit import run_audit
from curator.services.importing import import_file
from curator.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "guidelines"
BUDGET = 15.0  # seconds; each case takes well under one on an idle core

HOSTILE = {  # 100 kB replies, each of which stalled a shipped check
    "dots then @": "a." * 50_000 + "@",  # reply-language: 45 s at 80 kB
    "dashes": "a-" * 50_000,  # reply-language: the e-mail part of its noise pattern
    "letters and digits": "a1" * 50_000,
    "fences": "```a" * 25_000,
    "backticks": "`" * 100_000,  # repetition: its table-rule pattern on one long blank line
    "blank line then rule": " " * 100_000 + "---x",
}

EVIL_PATTERN = """---
name: evil
version: "1"
language: en
target_model: gpt-4o-mini-2024-07-18
rules:
  - id: evil-pattern
    title: A pattern that backtracks forever in Python's engine
    severity: minor
    text: Nested quantifiers.
    check: {name: forbidden_phrases, params: {patterns: ['(a+)+$', '(x+x+)+y']}}
---
# Evil
"""


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than ``seconds`` (instead of for minutes)."""
    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def reply(text: str) -> Example:
    return Example.create([{"role": "user", "content": "Tell me something."}, {"role": "assistant", "content": text}])


def guidelines_with_evil_pattern(folder: Path) -> Path:
    folder.mkdir()
    for path in SHIPPED.glob("*.md"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "evil.md").write_text(EVIL_PATTERN, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", list(HOSTILE))
def test_shipped_checks_finish_on_a_hostile_100_kb_reply(name: str) -> None:
    gs = load_guidelines(SHIPPED)
    example = reply(HOSTILE[name])
    with within(BUDGET):
        run_checks(example, gs)


def test_a_nested_quantifier_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    gs = load_guidelines(guidelines_with_evil_pattern(tmp_path / "g"))
    with within(BUDGET):
        flags = run_checks(reply("a" * 40 + "b"), gs) + run_checks(reply("x" * 100_000), gs)
        assert [f.rule_id for f in run_checks(reply("say aaaa"), gs) if f.rule_id == "evil-pattern"] == ["evil-pattern"]
    assert not [f for f in flags if f.rule_id == "evil-pattern"]


@pytest.mark.parametrize("pattern", [r"(?<=refund )now", r"(?!can't)you can", r"(refund) \1", r"refund\Z"])
def test_patterns_the_linear_engine_cannot_take_are_refused_at_load(tmp_path: Path, pattern: str) -> None:
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "bad.md").write_text(EVIL_PATTERN.replace("['(a+)+$', '(x+x+)+y']", json.dumps([pattern])), encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_guidelines(folder)
    message = str(caught.value)
    assert "bad.md:" in message and "rule 'evil-pattern'" in message and "field 'check.params.patterns'" in message
    assert "RE2" in message and "look-ahead" in message


def test_import_load_and_audit_finish_on_hostile_replies_and_patterns(sqlite_store: Store, tmp_path: Path) -> None:
    records = [{"messages": [{"role": "user", "content": "Tell me."}, {"role": "assistant", "content": text}]}
               for text in [*HOSTILE.values(), "a" * 40 + "b"]]
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in records[:3]), encoding="utf-8")
    later = tmp_path / "later.jsonl"
    later.write_text("".join(json.dumps(r) + "\n" for r in records[3:]), encoding="utf-8")
    predictions = tmp_path / "predictions.jsonl"
    with within(4 * BUDGET):
        import_file(sqlite_store, first)  # no guideline yet: `guidelines load` flags these
        guideline_sync.load_into_store(sqlite_store, guidelines_with_evil_pattern(tmp_path / "g"))
        summary = import_file(sqlite_store, later)  # flagged as they are stored
        predictions.write_text("".join(json.dumps({"example_id": i, "reply": text}) + "\n"
                                       for i, text in zip(summary.example_ids, HOSTILE.values())), encoding="utf-8")
        report = run_audit(sqlite_store, predictions=predictions)
    assert summary.examples == len(records) - 3
    assert report.predictions is not None and report.predictions.predictions == len(records) - 3


def test_a_message_over_the_scan_limit_is_checked_in_part_and_says_so() -> None:
    gs = load_guidelines(SHIPPED)
    text = "Write to maria.lopez@gmail.com. " + "Fine words here. " * (MAX_SCAN_CHARS // 17 + 10)
    flags = run_checks(reply(text), gs)
    partly = [f for f in flags if f"only the first {MAX_SCAN_CHARS:,}" in f.message]
    assert {f.rule_id for f in partly} >= {"no-pii", "no-secrets", "no-repetition"}
    assert any(f.rule_id == "no-pii" and "e-mail" in f.message for f in flags)  # the part read is checked
