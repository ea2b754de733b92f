"""run_audit on a small hand-made set, on SQLite and PostgreSQL, with hand-worked figures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import make_user
from curator.errors import InvalidInputError
from curator.models import (
    Correction,
    Decision,
    Example,
    Source,
    User,
    UserRole,
    Verdict,
)
from curator.services import audit as audit_service
from curator.services import decisions as decisions_service
from curator.services import gold as gold_service
from curator.services import guideline_sync
from curator.store import Store
from curator.store import examples as examples_repo
from helpers import conversation

GUIDELINE = """\
---
name: small
version: "1.0"
language: en
target_model: gpt-4o-mini-2024-07-18
negatives: {min_fraction: 0.4}
rules:
  - id: no-boilerplate
    title: No AI boilerplate
    severity: blocker
    text: Never speak as a generic language model.
    check: {name: forbidden_phrases, params: {phrases: [as an AI language model]}}
  - id: tone
    title: Warm tone
    severity: minor
    text: Be warm and brief.
---
# Small

Prose.
"""
BOILER = "As an AI language model, I cannot export invoices."


@dataclass
class World:
    store: Store
    examples: list[Example]
    ids: dict[tuple[str, str], int]  # (reviewer, example index) -> decision id
    version: str
    lead: User


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "small.md").write_text(text, encoding="utf-8")
    return folder


def _build(store: Store, tmp_path: Path) -> World:
    version = guideline_sync.load_into_store(store, _write(tmp_path / "v1", GUIDELINE))
    replies = [BOILER, BOILER.replace("export", "print"), None, None, BOILER.replace("export", "send"), None]
    exs = [Example.create(conversation(i, reply=r), source=Source(name="test.jsonl", file="test.jsonl", line=i + 1),
                          tokens=40) for i, r in enumerate(replies)]
    with store.write() as conn:
        examples_repo.insert_many(conn, exs)
    guideline_sync.flag_examples(store, [e.id for e in exs])
    ana, ben, lead = make_user(store, "ana"), make_user(store, "ben"), make_user(store, "lead", UserRole.LEAD)
    decisions_service.set_overlap(store, lead, 2)
    people = {"ana": ana, "ben": ben}
    fix = Correction(reply="Open invoice 1, then choose Export > PDF.")
    plan = [
        ("ana", 0, Verdict.APPROVE, [], None, version),
        ("ben", 0, Verdict.APPROVE, [], None, version),
        ("ana", 1, Verdict.NEGATIVE, ["no-boilerplate"], fix, version),
        ("ben", 1, Verdict.NEGATIVE, ["no-boilerplate"], None, version),
        ("ana", 2, Verdict.APPROVE, [], None, version),
        ("ben", 2, Verdict.REJECT, ["tone"], None, version),
        ("ana", 3, Verdict.APPROVE, [], None, version),
        ("ben", 3, Verdict.APPROVE, [], None, version),
        ("ana", 4, Verdict.APPROVE, [], None, None),  # no version recorded: never stale
    ]
    ids = {}
    for who, i, verdict, rules, correction, v in plan:
        d = Decision(example_id=exs[i].id, reviewer=who, verdict=verdict, rules=rules, correction=correction,
                     guideline_version=v)
        ids[(who, i)] = decisions_service.record(store, people[who], d)[0]
    gold_service.mark_gold(store, lead, exs[0].id, Verdict.REJECT)
    gold_service.mark_gold(store, lead, exs[3].id, Verdict.APPROVE)
    return World(store, exs, ids, version, lead)


@pytest.fixture
def world(store: Store, tmp_path: Path) -> World:
    return _build(store, tmp_path)


def test_summary_rules_and_misses(world: World) -> None:
    report = audit_service.run_audit(world.store)
    e = world.examples
    assert report.summary.examples == 6
    assert report.summary.decisions == 9
    assert report.summary.reviewers == 2
    assert report.summary.guideline_version == world.version
    assert report.summary.verdicts == {"approve": 6, "negative": 2, "reject": 1}
    assert report.summary.outcomes == {"approve": 2, "conflict": 1, "negative": 1, "pending": 2}
    rules = {r.id: r for r in report.rules}
    assert [r.id for r in report.rules] == ["no-boilerplate", "tone"]
    boiler = rules["no-boilerplate"]
    assert (boiler.flagged, boiler.cited, boiler.approved_anyway, boiler.misses) == (3, 2, 1, [e[0].id])
    assert (rules["tone"].flagged, rules["tone"].cited, rules["tone"].approved_anyway) == (0, 1, 0)
    assert rules["tone"].misses == []
    assert report.misses == [("no-boilerplate", e[0].id)]
    assert report.stale == []


def test_coverage_and_balance_warning(world: World) -> None:
    c = audit_service.run_audit(world.store).coverage
    assert [s.model_dump() for s in c.sources] == [{
        "source": "test.jsonl", "examples": 6, "pending": 2, "conflict": 1, "approve": 2, "negative": 1, "reject": 0,
    }]
    assert (c.positives, c.negatives) == (2, 1)
    # 1/3 negatives is under the guideline's 0.4 (the default 0.05 would not warn)
    assert any("under 40%" in w for w in c.warnings)
    assert "2 examples are still pending review" in c.warnings


def test_agreement_figures_worked_by_hand(world: World) -> None:
    a = audit_service.run_audit(world.store).agreement
    assert a is not None
    v = a.verdict
    # four examples with two live decisions; ana/ben disagree on one (approve vs reject)
    assert (v.n_pairable_items, v.n_ratings, v.n_raters) == (4, 8, 2)
    assert v.percent.value == pytest.approx(0.75)
    assert v.fleiss_kappa.value == pytest.approx(9 / 17)  # P=0.75, Pe=(25+4+1)/64
    assert v.krippendorff_alpha.value == pytest.approx(10 / 17)  # 1 - 7*2/34
    (pair,) = v.pairwise
    assert (pair.rater_a, pair.rater_b, pair.n_items) == ("ana", "ben", 4)
    assert pair.kappa == pytest.approx(5 / 9)  # po=3/4, pe=7/16
    assert sorted(a.rules) == ["no-boilerplate", "tone"]
    assert a.rules["no-boilerplate"].percent.value == pytest.approx(1.0)
    assert a.rules["tone"].percent.value == pytest.approx(0.75)


def test_reviewers_and_gold_accuracy(world: World) -> None:
    report = audit_service.run_audit(world.store)
    assert report.gold is not None
    assert (report.gold.n_gold, report.gold.n_settled, report.gold.accuracy) == (2, 2, 0.5)
    assert [(m.example_id, m.gold, m.outcome) for m in report.gold.mismatches] == [(world.examples[0].id, "reject", "approve")]
    assert report.reviewers is not None
    people = {r.reviewer: r for r in report.reviewers.reviewers}
    assert sorted(people) == ["ana", "ben"]
    assert (people["ana"].decisions, people["ben"].decisions) == (5, 4)
    assert people["ana"].gold_accuracy == people["ben"].gold_accuracy == 0.5
    assert people["ana"].approval_rate == pytest.approx(4 / 5)
    assert people["ben"].approval_rate == pytest.approx(2 / 4)


def _change(world: World, tmp_path: Path, old: str, new: str) -> str:
    return guideline_sync.load_into_store(world.store, _write(tmp_path / "v2", GUIDELINE.replace(old, new)))


def test_changing_an_uncheckable_rule_makes_its_citations_stale(world: World, tmp_path: Path) -> None:
    _change(world, tmp_path, "Be warm and brief.", "Be warm, brief and never blame the customer.")
    report = audit_service.run_audit(world.store)
    assert [(s.decision_id, s.example_id, s.reviewer) for s in report.stale] == [
        (world.ids[("ben", 2)], world.examples[2].id, "ben")
    ]
    assert report.stale[0].guideline_version == world.version
    assert report.stale[0].reason == "cites changed rule tone"
    assert audit_service.reopen_command(report) == f"curator reopen {world.examples[2].id}"


def test_changing_a_check_makes_decisions_on_flagged_examples_stale(world: World, tmp_path: Path) -> None:
    _change(world, tmp_path, "phrases: [as an AI language model]", "phrases: [as an AI language model, as an AI model]")
    report = audit_service.run_audit(world.store)
    expected = sorted(world.ids[(who, i)] for who in ("ana", "ben") for i in (0, 1))
    assert sorted(s.decision_id for s in report.stale) == expected
    # ana's decision on example 4 is flagged too but records no version: not stale
    assert world.ids[("ana", 4)] not in {s.decision_id for s in report.stale}
    reasons = {s.decision_id: s.reason for s in report.stale}
    assert reasons[world.ids[("ana", 0)]] == "changed rule no-boilerplate flags the example"
    assert reasons[world.ids[("ana", 1)]] == "cites changed rule no-boilerplate"
    assert audit_service.stale_example_ids(report) == [e.id for e in sorted(world.examples[:2], key=lambda x: x.id)]


def test_reformatting_a_guideline_makes_nothing_stale(world: World, tmp_path: Path) -> None:
    _change(world, tmp_path, "Be warm and brief.", "Be   warm and\n      brief.")
    assert audit_service.run_audit(world.store).stale == []


def test_reopen_stale_sends_back_exactly_the_stale_examples(world: World, tmp_path: Path) -> None:
    _change(world, tmp_path, "phrases: [as an AI language model]", "phrases: [as an AI language model, as an AI model]")
    report = audit_service.run_audit(world.store)
    n = audit_service.reopen_stale(world.store, world.lead, audit_service.stale_example_ids(report))
    assert n == 2
    after = audit_service.run_audit(world.store)
    assert after.stale == []
    assert after.summary.outcomes == {"approve": 1, "conflict": 1, "pending": 4}


def _predictions(path: Path, world: World) -> Path:
    e = world.examples
    lines = [
        json.dumps({"example_id": e[1].id, "reply": "Open invoice 1 and choose Export > PDF."}),
        json.dumps({"id": e[0].id, "output": "As an AI language model I can't."}),
        "not json {",
        json.dumps({"example_id": e[3].id}),
        json.dumps({"example_id": "nope", "reply": "x"}),
        json.dumps({"example_id": e[3].id, "messages": [{"role": "user", "content": "q"},
                                                       {"role": "assistant", "content": "As an AI language model, no."}]}),
        "",
        json.dumps({"example_id": e[2].id, "completion": "Open invoice 2, then choose Export > PDF."}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_predictions_pass_rates_negatives_and_bad_lines(world: World, tmp_path: Path) -> None:
    path = _predictions(tmp_path / "preds.jsonl", world)
    errors: list[InvalidInputError] = []
    p = audit_service.run_audit(world.store, predictions=path, on_error=errors.append).predictions
    assert p is not None
    assert (p.file, p.predictions) == (str(path), 4)
    assert [(r.rule_id, r.checked, r.passed) for r in p.rules] == [("no-boilerplate", 4, 2)]
    assert (p.negatives, p.closer_to_desired, p.closer_to_undesired, p.ties) == (1, 1, 0, 0)
    assert [(x.file, x.line, x.field) for x in errors] == [(str(path), 3, None), (str(path), 4, "reply"),
                                                           (str(path), 5, "example_id")]
    assert "not JSON" in str(errors[0])


def test_predictions_without_a_collector_raise_the_first_bad_line(world: World, tmp_path: Path) -> None:
    path = _predictions(tmp_path / "preds.jsonl", world)
    with pytest.raises(InvalidInputError) as info:
        audit_service.run_audit(world.store, predictions=path)
    assert info.value.line == 3


def test_empty_database_audits_cleanly(store: Store) -> None:
    report = audit_service.run_audit(store)
    assert report.summary.examples == 0 and report.rules == [] and report.stale == []
    assert report.agreement is None and report.reviewers is None and report.gold is None
    assert audit_service.reopen_command(report) is None
