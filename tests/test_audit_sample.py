"""The issue's "done when" on the sample data: planted issues found, exactly the affected decisions stale."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, make_user
from curator.models import Decision, UserRole, Verdict
from curator.services import audit as audit_service
from curator.services import decisions as decisions_service
from curator.services import guideline_sync
from curator.services.demo import set_up_demo
from curator.store import Store, audit_queries
from curator.store import examples as examples_repo

GUIDELINES = ROOT / "guidelines"
CHANGED_RULE = "no-ai-boilerplate"


def _planted_rules() -> list[tuple[str, int, str]]:
    """(file, line, rule id) of every planted issue whose expectation names a rule."""
    out = []
    for entry in json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8")):
        expect = entry["expect"] if isinstance(entry["expect"], list) else [entry["expect"]]
        out += [(entry["file"], entry["line"], e.removeprefix("rule:")) for e in expect if e.startswith("rule:")]
    return out


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample data, guidelines and demo users in one SQLite file, built once for the module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store(f"sqlite:///{path}")
    set_up_demo(store, data=SAMPLE, guidelines=GUIDELINES)
    store.close()
    yield path


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the demo database (tests below add decisions and change guidelines)."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db, copy)
    store = Store(f"sqlite:///{copy}")
    yield store
    store.close()


def test_every_planted_issue_a_check_covers_is_flagged(demo: Store) -> None:
    gs = guideline_sync.current(demo)
    assert gs is not None
    planted = _planted_rules()
    assert planted, "planted.json names no rule"
    unknown = sorted({rule for _, _, rule in planted if rule not in gs})
    assert unknown == [], f"planted.json names rules the guidelines lack: {unknown}"
    covered = [(f, line, rule) for f, line, rule in planted if gs.rule(rule).check is not None]
    with demo.read() as conn:
        flagged = audit_queries.flags_by_example(conn, gs.version, {rule for _, _, rule in covered})
        missed = []
        for file, line, rule in covered:
            ids = examples_repo.find_by_place(conn, file, line)
            assert ids, f"{file}:{line} was not imported as an example"
            if not any(rule in flagged.get(i, set()) for i in ids):
                reply = examples_repo.get(conn, ids[0]).final_reply
                missed.append(f"{file}:{line} rule {rule} (check {gs.rule(rule).check.name}) "  # type: ignore[union-attr]
                              f"does not flag {ids[0]}; reply: {reply.text[:120] if reply else None!r}")
    assert missed == [], "planted issues the checks miss:\n" + "\n".join(missed)
    # and the audit counts them under the right rules
    report = audit_service.run_audit(demo)
    counts = {r.id: r.flagged for r in report.rules}
    assert all(counts[rule] >= 1 for _, _, rule in covered)


def _decide_sample(store: Store) -> dict[int, tuple[str, list[str]]]:
    """Two reviewers decide the planted examples (citing their rules) and a stretch of clean ones."""
    gs = guideline_sync.current(store)
    assert gs is not None
    ana, ben = make_user(store, "ana-r"), make_user(store, "ben-r")
    plan: dict[str, list[str]] = {}
    with store.read() as conn:
        for file, line, rule in _planted_rules():
            for eid in examples_repo.find_by_place(conn, file, line):
                plan.setdefault(eid, []).append(rule)
        for row in examples_repo.page(conn, limit=60):
            plan.setdefault(row["id"], [])
    made: dict[int, tuple[str, list[str]]] = {}
    for eid, rules in plan.items():
        verdict = Verdict.NEGATIVE if rules else Verdict.APPROVE
        for reviewer in (ana, ben):
            d = Decision(example_id=eid, reviewer=reviewer.name, verdict=verdict, rules=sorted(set(rules)),
                         guideline_version=gs.version)
            made[decisions_service.record(store, reviewer, d)[0]] = (eid, sorted(set(rules)))
    return made


def test_changing_one_rule_makes_exactly_the_affected_decisions_stale(demo: Store, tmp_path: Path) -> None:
    made = _decide_sample(demo)
    assert audit_service.run_audit(demo).stale == []
    folder = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, folder)
    general = folder / "general.md"
    text = general.read_text(encoding="utf-8")
    assert "          - as an AI language model\n" in text
    general.write_text(text.replace("          - as an AI language model\n",
                                    "          - as an AI language model\n          - as a chatbot\n", 1),
                       encoding="utf-8")
    old = guideline_sync.current_version(demo)
    new = guideline_sync.load_into_store(demo, folder)
    changes = guideline_sync.changes_since(demo, old)  # type: ignore[arg-type]
    assert changes is not None and changes.changed_ids == (CHANGED_RULE,)
    assert changes.added == () and changes.removed == ()

    flagged = {eid for eid, _ in made.values()
               if any(f["rule_id"] == CHANGED_RULE and f["guideline_version"] == new for f in guideline_sync.flags_for(demo, eid))}
    expected = {did for did, (eid, rules) in made.items() if CHANGED_RULE in rules or eid in flagged}
    assert expected and len(expected) < len(made)
    stale = audit_service.run_audit(demo).stale
    assert {s.decision_id for s in stale} == expected
    assert len(stale) == len(expected)


def test_reopen_stale_through_the_lead(demo: Store, tmp_path: Path) -> None:
    _decide_sample(demo)
    folder = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, folder)
    tally = folder / "tallybook.md"
    tally.write_text(tally.read_text(encoding="utf-8").replace("Refunds only as the policy says",
                                                               "Refunds only as the refund policy says", 1),
                     encoding="utf-8")
    guideline_sync.load_into_store(demo, folder)
    report = audit_service.run_audit(demo)
    ids = audit_service.stale_example_ids(report)
    assert ids
    lead = make_user(demo, "lead-r", UserRole.LEAD)
    assert audit_service.reopen_stale(demo, lead, ids) == len(ids)
    assert audit_service.run_audit(demo).stale == []
