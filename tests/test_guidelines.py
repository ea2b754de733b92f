"""Guideline files: loading the shipped ones, located load errors, versions, snapshots and diffs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from curator.errors import InvalidInputError, NotFoundError
from curator.guidelines import (
    GuidelineError,
    Severity,
    check_names,
    diff,
    guideline_set_from_snapshot,
    load_guideline,
    load_guidelines,
    rule_hash,
    snapshot,
    snapshot_json,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "guidelines"

GENERAL_IDS = [
    "no-pii", "no-secrets", "token-limit", "no-repetition", "no-empty", "valid-tool-args",
    "no-ai-boilerplate", "ends-with-assistant", "reply-language", "system-prompt", "turn-count",
]
TALLYBOOK_IDS = ["tb-refund-policy", "tb-no-invented-features", "tb-escalate-disputes", "tb-no-tax-advice", "tb-tone"]
SEVERITIES = {
    "no-pii": "blocker", "no-secrets": "blocker", "token-limit": "blocker", "no-repetition": "blocker",
    "no-empty": "blocker", "valid-tool-args": "blocker", "no-ai-boilerplate": "major",
    "ends-with-assistant": "major", "reply-language": "major", "system-prompt": "minor", "turn-count": "minor",
    "tb-refund-policy": "blocker", "tb-no-invented-features": "major", "tb-escalate-disputes": "major",
    "tb-no-tax-advice": "major", "tb-tone": "minor",
}

MINIMAL = """\
---
name: demo
version: "1.0"
language: en
target_model: gpt-4o-mini-2024-07-18
rules:
  - id: no-pii
    title: No personal data
    severity: blocker
    text: No personal data anywhere.
    check: {name: pii, params: {kinds: [email, phone]}}
  - id: be-kind
    title: Be kind
    severity: minor
    text: >-
      The assistant is kind
      and brief.
---
# Demo

Prose for reviewers.
"""


def write(tmp_path: Path, text: str, name: str = "demo.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped guidelines ------------------------------------------------------------------


def test_shipped_guidelines_have_exactly_the_project_rule_ids_in_order() -> None:
    gs = load_guidelines(SHIPPED)
    assert [g.name for g in gs.guidelines] == ["general", "tallybook"]
    assert [r.id for r in gs.guideline("general").rules] == GENERAL_IDS
    assert [r.id for r in gs.guideline("tallybook").rules] == TALLYBOOK_IDS
    assert {r.id: r.severity.value for r in gs.rules} == SEVERITIES


def test_shipped_checks_resolve_and_metadata_is_complete() -> None:
    gs = load_guidelines(SHIPPED)
    general = gs.guideline("general")
    assert (general.language, general.target_model, general.version_label) == ("en", "gpt-4o-mini-2024-07-18", "1.0")
    assert gs.negatives_min_fraction == 0.1
    with_checks = {r.id: r.check.name for r in gs.rules if r.check is not None}
    assert with_checks == {
        "no-pii": "pii", "no-secrets": "secrets", "token-limit": "token_limit", "no-repetition": "repetition",
        "no-empty": "empty_content", "valid-tool-args": "tool_arguments_json",
        "no-ai-boilerplate": "forbidden_phrases", "ends-with-assistant": "last_turn",
        "reply-language": "reply_language", "system-prompt": "system_prompt", "turn-count": "turn_count",
        "tb-refund-policy": "forbidden_phrases", "tb-no-invented-features": "forbidden_phrases",
    }
    assert set(with_checks.values()) <= set(check_names())
    # The guideline's language and target model reach the checks that take them.
    assert gs.rule("reply-language").check.config.language == "en"
    assert gs.rule("token-limit").check.config.model == "gpt-4o-mini-2024-07-18"
    assert gs.rule("token-limit").check.config.effective_limit == 65_536


def test_shipped_bodies_are_real_prose_that_covers_every_rule() -> None:
    gs = load_guidelines(SHIPPED)
    for g in gs.guidelines:
        assert len(g.body.split()) > 500, g.name
        for rule in g.rules:
            assert f"### {rule.id}" in g.body, (g.name, rule.id)


def test_guideline_set_lookup() -> None:
    gs = load_guidelines(SHIPPED)
    assert gs.rule("tb-tone").guideline == "tallybook"
    assert gs.rule("tb-tone").severity is Severity.MINOR
    assert "no-pii" in gs and "R3" not in gs
    assert gs.get("R3") is None
    assert len(gs) == 16
    with pytest.raises(NotFoundError, match="no guideline rule 'R3'; known rules: no-pii, "):
        gs.rule("R3")
    assert re.fullmatch(r"general@1\.0\+[0-9a-f]{8};tallybook@1\.0\+[0-9a-f]{8}", gs.version)


def test_minimal_file_loads_with_body_and_path(tmp_path: Path) -> None:
    g = load_guideline(write(tmp_path, MINIMAL))
    assert g.name == "demo" and g.path == str(tmp_path / "demo.md")
    assert g.body == "# Demo\n\nProse for reviewers."
    assert [r.id for r in g.rules] == ["no-pii", "be-kind"]
    assert g.rules[1].text == "The assistant is kind and brief."
    assert g.rules[1].check is None
    assert g.rules[0].check.params == {"kinds": ["email", "phone"]}
    assert g.rules[0].check.config.kinds == ("email", "phone")
    assert re.fullmatch(r"demo@1\.0\+[0-9a-f]{8}", g.version)


# --- load errors name the file, the rule and the field ----------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "severity: blocker",
            "severity: critical",
            "demo.md:9: rule 'no-pii' field 'severity': 'critical' is not one of blocker, major, minor",
        ),
        (
            "check: {name: pii, params: {kinds: [email, phone]}}",
            "check: {name: pie}",
            "demo.md:11: rule 'no-pii' field 'check.name': unknown check 'pie'; known checks: empty_content, ",
        ),
        (
            "params: {kinds: [email, phone]}",
            "params: {kinds: [email, fax]}",
            "demo.md:11: rule 'no-pii' field 'check.params.kinds[1]': 'fax' is not one of 'email', 'phone', 'card' or 'iban' (check 'pii')",
        ),
        (
            "params: {kinds: [email, phone]}",
            "params: {kind: [email]}",
            "demo.md:11: rule 'no-pii' field 'check.params.kind': is not a known field (known: kinds, roles, allow_domains, allow_role_addresses) (check 'pii')",
        ),
        (
            "    title: Be kind\n",
            "",
            "demo.md:12: rule 'be-kind' field 'title': is required",
        ),
        (
            "  - id: be-kind",
            "  - id: Be Kind",
            "demo.md:12: rule 'Be Kind' field 'id': 'Be Kind' must be lower-case letters, digits and hyphens, e.g. 'no-pii'",
        ),
        (
            "  - id: be-kind",
            "  - id: no-pii",
            "demo.md:12: rule 'no-pii' field 'id': duplicate rule id (first defined as rule #1)",
        ),
        (
            "  - id: be-kind\n",
            "  - ident: be-kind\n",
            "demo.md:12: rule #2 field 'ident': is not a known field (known: id, title, severity, text, good, bad, check)",
        ),
        (
            'version: "1.0"',
            "version: 1.0",
            "demo.md:3: field 'version': must be text, got the number 1.0; quote it: version: \"1.0\"",
        ),
        (
            "language: en",
            "language: english",
            "demo.md:4: field 'language': 'english' must be a two-letter lower-case language code, e.g. 'en'",
        ),
    ],
)
def test_load_errors_name_file_line_rule_and_field(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in MINIMAL
    path = write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(InvalidInputError) as info:
        load_guideline(path)
    assert str(info.value).startswith(str(tmp_path / expected.split(":", 1)[0]) + ":" + expected.split(":", 1)[1])
    assert info.value.file == str(path)


def test_load_error_carries_rule_and_field_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("severity: minor", "severity: low"))
    with pytest.raises(GuidelineError) as info:
        load_guideline(path)
    assert (info.value.rule, info.value.field, info.value.line) == ("be-kind", "severity", 14)


def test_bad_check_params_are_validated_per_check(tmp_path: Path) -> None:
    broken = MINIMAL.replace("check: {name: pii, params: {kinds: [email, phone]}}",
                             "check: {name: turn_count, params: {min: 5, max: 3}}")
    with pytest.raises(InvalidInputError, match=r"rule 'no-pii' field 'check.params': max \(3\) is below min \(5\) \(check 'turn_count'\)"):
        load_guideline(write(tmp_path, broken))
    bad_regex = MINIMAL.replace("check: {name: pii, params: {kinds: [email, phone]}}",
                                "check: {name: forbidden_phrases, params: {patterns: ['refund (']}}")
    with pytest.raises(InvalidInputError, match=r"field 'check.params.patterns': pattern 1 'refund \(' is not a valid regular expression"):
        load_guideline(write(tmp_path, bad_regex))
    unknown_model = MINIMAL.replace("check: {name: pii, params: {kinds: [email, phone]}}",
                                    "check: {name: token_limit, params: {model: llama-3-8b}}")
    with pytest.raises(InvalidInputError, match=r"no known training limit for model 'llama-3-8b'; set params 'limit'"):
        load_guideline(write(tmp_path, unknown_model))
    ok = unknown_model.replace("{model: llama-3-8b}", "{model: llama-3-8b, limit: 8192}")
    assert load_guideline(write(tmp_path, ok)).rules[0].check.config.effective_limit == 8192


def test_unsupported_language_fails_only_where_a_check_needs_it(tmp_path: Path) -> None:
    japanese = MINIMAL.replace("language: en", "language: ja")
    assert load_guideline(write(tmp_path, japanese)).language == "ja"
    detecting = japanese.replace("check: {name: pii, params: {kinds: [email, phone]}}", "check: {name: reply_language}")
    with pytest.raises(InvalidInputError, match=r"field 'check.params.language': language 'ja' cannot be detected; supported: en, de"):
        load_guideline(write(tmp_path, detecting))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# no front matter\n", "demo.md:1: does not start with YAML front matter"),
        ("---\nname: demo\n", "demo.md: front matter is not closed"),
        ("---\nname: [demo\n---\n", "demo.md:3: front matter is not valid YAML"),
        ("---\n- a\n- b\n---\n", "demo.md:2: front matter must be a mapping"),
        (MINIMAL.replace("rules:", "rulez:"), "demo.md:6: field 'rulez': is not a known field"),
    ],
)
def test_broken_files(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        load_guideline(write(tmp_path, text))
    assert str(info.value).startswith(f"{tmp_path}/{expected}")


def test_non_utf8_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes(MINIMAL.replace("Prose", "Pr\xf6se").encode("latin-1"))
    with pytest.raises(InvalidInputError, match="latin.md: is not UTF-8 text; save it as UTF-8"):
        load_guideline(path)
    with pytest.raises(InvalidInputError, match="nowhere: no such guidelines folder or file"):
        load_guidelines(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("# not a guideline\n")
    with pytest.raises(InvalidInputError, match="empty: holds no guideline files"):
        load_guidelines(tmp_path / "empty")


def test_rule_ids_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "a.md")
    write(tmp_path, MINIMAL.replace("name: demo", "name: other"), "b.md")
    with pytest.raises(InvalidInputError) as info:
        load_guidelines(tmp_path)
    assert str(info.value) == (
        f"{tmp_path}/b.md: rule 'no-pii' field 'id': duplicate rule id: also defined in {tmp_path}/a.md; "
        "rule ids are unique across guidelines"
    )


# --- versions, snapshots and diffs ----------------------------------------------------------


def test_version_ignores_whitespace_yaml_style_and_rule_order(tmp_path: Path) -> None:
    base = load_guideline(write(tmp_path, MINIMAL))
    rewrapped = MINIMAL.replace(
        "text: >-\n      The assistant is kind\n      and brief.",
        'text: "The assistant is kind   and brief."',
    ).replace("Prose for reviewers.", "Prose   for\nreviewers.\n\n")
    assert load_guideline(write(tmp_path, rewrapped, "b.md")).version == base.version
    first, second = MINIMAL.split("  - id: be-kind")
    rules_head, rest = first.split("rules:\n")
    be_kind, tail = second.split("---\n", 1)
    reordered = f"{rules_head}rules:\n  - id: be-kind{be_kind}{rest}---\n{tail}"
    assert [r.id for r in load_guideline(write(tmp_path, reordered, "c.md")).rules] == ["be-kind", "no-pii"]
    assert load_guideline(write(tmp_path, reordered, "c.md")).version == base.version


def test_version_and_rule_hash_change_with_content(tmp_path: Path) -> None:
    base = load_guideline(write(tmp_path, MINIMAL))
    edited = load_guideline(write(tmp_path, MINIMAL.replace("kind\n      and brief", "kind and very brief"), "b.md"))
    assert edited.version != base.version
    assert rule_hash(edited.rules[0]) == rule_hash(base.rules[0])
    assert rule_hash(edited.rules[1]) != rule_hash(base.rules[1])
    body_only = load_guideline(write(tmp_path, MINIMAL.replace("Prose for reviewers.", "Other prose."), "c.md"))
    assert body_only.version != base.version
    params = load_guideline(write(tmp_path, MINIMAL.replace("[email, phone]", "[email]"), "d.md"))
    assert rule_hash(params.rules[0]) != rule_hash(base.rules[0])


def test_diff_names_exactly_the_changed_rule_and_fields(tmp_path: Path) -> None:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    shutil.copytree(SHIPPED, old_dir)
    shutil.copytree(SHIPPED, new_dir)
    general = (new_dir / "general.md").read_text()
    general = general.replace("    title: No AI boilerplate\n    severity: major", "    title: No AI boilerplate\n    severity: blocker")
    general = general.replace("check: {name: turn_count, params: {min: 2, max: 40}}", "check: {name: turn_count, params: {min: 2, max: 30}}")
    (new_dir / "general.md").write_text(general)
    tally = (new_dir / "tallybook.md").read_text()
    start = tally.index("  - id: tb-tone")
    tally = tally[:start] + tally[tally.index("---\n# Tallybook"):]
    tally = tally.replace("rules:\n", "rules:\n  - id: tb-no-promises\n    title: No promises\n    severity: major\n    text: Never promise dates.\n", 1)
    (new_dir / "tallybook.md").write_text(tally)

    result = diff(old_dir, new_dir)
    assert result.added == ("tb-no-promises",)
    assert result.removed == ("tb-tone",)
    assert [(c.id, c.fields) for c in result.changed] == [("no-ai-boilerplate", ("severity",)), ("turn-count", ("check",))]
    assert result.guidelines_changed == ()
    assert result.old_version != result.new_version
    assert result.old_version.split(";")[0].startswith("general@1.0+")
    assert json.loads(json.dumps(result.to_dict()))["changed"][0] == {"id": "no-ai-boilerplate", "fields": ["severity"]}


def test_diff_of_identical_and_of_body_only_changes(tmp_path: Path) -> None:
    gs = load_guidelines(SHIPPED)
    same = diff(gs, snapshot(gs))
    assert same.is_empty and same.old_version == same.new_version == gs.version
    edited = tmp_path / "g"
    shutil.copytree(SHIPPED, edited)
    path = edited / "tallybook.md"
    path.write_text(path.read_text().replace("## The product in brief", "## The product, briefly"))
    changed = diff(SHIPPED, edited)
    assert (changed.added, changed.removed, changed.changed) == ((), (), ())
    assert [(c.name, c.fields) for c in changed.guidelines_changed] == [("tallybook", ("body",))]
    assert not changed.is_empty


def test_snapshot_is_json_and_round_trips(tmp_path: Path) -> None:
    gs = load_guidelines(SHIPPED)
    data = json.loads(snapshot_json(gs))
    assert data["format"] == 1 and data["version"] == gs.version
    rule = data["guidelines"][0]["rules"][0]
    assert rule == {
        "id": "no-pii", "title": "No personal data", "severity": "blocker", "text": gs.rule("no-pii").text,
        "good": gs.rule("no-pii").good, "bad": gs.rule("no-pii").bad,
        "check": {"name": "pii", "params": {"kinds": ["email", "phone", "card", "iban"]}},
        "guideline": "general", "hash": rule_hash(gs.rule("no-pii")),
    }
    restored = guideline_set_from_snapshot(data)
    assert restored.version == gs.version
    assert restored.ids == gs.ids
    assert restored.rule("token-limit").check.config == gs.rule("token-limit").check.config
    assert snapshot_json(restored) == snapshot_json(gs)
    assert diff(data, restored).is_empty
