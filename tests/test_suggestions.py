"""Model suggestions beside the reviewer (issue 15): import, blind review, one-key accept, the judge's audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.errors import PermissionDeniedError
from curator.models import Decision, UserRole, Verdict
from curator.services import decisions as decisions_service
from curator.services import gold, queue
from curator.services import review as review_service
from curator.services import suggestions as suggestions_service
from curator.services.audit import run_audit
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from helpers import add_examples
from test_queue import token_of


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_import_stores_good_lines_reports_bad_ones_by_line_and_field_and_keeps_them_as_problems(store: Store, tmp_path: Path) -> None:
    exs = add_examples(store, 3)
    lead = make_user(store, "lee", UserRole.LEAD)
    path = write(tmp_path / "judge.jsonl", [
        {"example_id": exs[0].id, "model": "judge-1", "verdict": "reject", "rules": ["R1"], "rationale": "invents a policy"},
        {"source": "test.jsonl", "line": 2, "model": "judge-1", "verdict": "approve"},
        {"example_id": exs[2].id, "model": "judge-1", "verdict": "maybe"},
        {"example_id": exs[2].id, "verdict": "approve"},
        {"example_id": "nope", "model": "judge-1", "verdict": "approve"},
        {"example_id": exs[2].id, "model": "judge-1", "verdict": "reject", "rules": ["R9"]},
        {"example_id": exs[2].id, "model": "judge-1", "verdict": "approve", "score": 3},
        "{not json",
    ])
    report = suggestions_service.import_suggestions(store, lead, path, known_rules={"R1", "R2"})
    assert (report.lines, report.imported) == (8, 2)
    assert [(e.line, e.field) for e in report.errors] == [(3, "verdict"), (4, "model"), (5, None), (6, "rules"), (7, "score"), (8, None)]
    with store.read() as conn:
        kept = imports_repo.list_problems(conn, source="judge.jsonl")
    assert [(p.line, p.code) for p in kept] == [(n, suggestions_service.PROBLEM_CODE) for n in range(3, 9)]
    assert kept[-1].raw.startswith("{not json")
    # Running the same file again stores nothing twice.
    again = suggestions_service.import_suggestions(store, lead, path, known_rules={"R1", "R2"})
    assert (again.imported, again.already_imported) == (0, 2)
    # Suggestions are never decisions: nothing settles, nothing is exported.
    with store.read() as conn:
        assert {examples_repo.get_row(conn, e.id)["outcome"] for e in exs} == {"pending"}
    assert decisions_service.history(store, exs[0].id) == []
    with pytest.raises(PermissionDeniedError):
        suggestions_service.import_suggestions(store, make_user(store, "ana"), path)


def test_the_command_names_file_line_and_field_on_one_line_each(sqlite_store: Store, tmp_path: Path) -> None:
    exs = add_examples(sqlite_store, 1)
    path = write(tmp_path / "judge.jsonl", [{"example_id": exs[0].id, "model": "m", "verdict": "approve"},
                                           {"example_id": exs[0].id, "model": "m", "verdict": "nope"}])
    result = CliRunner().invoke(main, ["--db", sqlite_store.url, "suggestions", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: field 'verdict':" in result.stderr
    assert "1 suggestions stored" in result.stdout
    ok = CliRunner().invoke(main, ["--db", sqlite_store.url, "suggestions", "import", "--json", str(write(tmp_path / "ok.jsonl", [
        {"example_id": exs[0].id, "model": "m2", "verdict": "reject", "rules": []}]))])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["imported"] == 1


def test_blind_review_hides_suggestions_where_reviewers_are_compared_and_on_gold(store: Store, tmp_path: Path) -> None:
    exs = add_examples(store, 2)
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    suggestions_service.import_suggestions(store, lead, write(tmp_path / "j.jsonl", [
        {"example_id": e.id, "model": "judge-1", "verdict": "approve", "rationale": "fine"} for e in exs]))
    assert [s.model for s in suggestions_service.shown_to(store, ana, exs[0].id)] == ["judge-1"]
    gold.mark_gold(store, lead, exs[1].id, "approve")
    assert suggestions_service.shown_to(store, ana, exs[1].id) == []  # it would give the answer away
    decisions_service.set_overlap(store, lead, 2)
    assert suggestions_service.shown_to(store, ana, exs[0].id) == []  # reviewers' judgements are kept apart
    assert [s.model for s in suggestions_service.shown_to(store, lead, exs[0].id)] == ["judge-1"]  # leads see everything


def test_accepting_a_suggestion_records_the_reviewers_decision_referencing_it(store: Store, tmp_path: Path) -> None:
    exs = add_examples(store, 2)
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    suggestions_service.import_suggestions(store, lead, write(tmp_path / "j.jsonl", [
        {"example_id": exs[0].id, "model": "judge-1", "verdict": "reject", "rules": [], "rationale": "answers a different question"}]))
    (s,) = suggestions_service.shown_to(store, ana, exs[0].id)
    queue.claim_example(store, ana, exs[0].id)
    notice = review_service.apply(store, ana, {"action": "accept", "example_id": exs[0].id, "token": token_of(store, ana, exs[0].id),
                                               "suggestion_id": s.id})
    assert notice.kind == "ok" and "as judge-1 suggested" in notice.text
    (d,) = decisions_service.history(store, exs[0].id)
    assert (d.reviewer, d.verdict, d.suggestion_id, d.via_cluster) == ("ana", Verdict.REJECT, s.id, None)
    assert "answers a different question" in d.note  # a reject says why
    # A suggestion of another example, or a stale claim, records nothing.
    queue.claim_example(store, ana, exs[1].id)
    refused = review_service.apply(store, ana, {"action": "accept", "example_id": exs[1].id, "token": token_of(store, ana, exs[1].id),
                                                "suggestion_id": s.id})
    assert refused.kind == "error" and decisions_service.history(store, exs[1].id) == []


def test_the_audit_separates_propagated_and_suggested_decisions_from_read_ones(store: Store, tmp_path: Path) -> None:
    from curator.services import cluster_decisions
    from curator.store import cluster_store

    exs = add_examples(store, 8)
    lead = make_user(store, "lee", UserRole.LEAD)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    with store.write() as conn:  # exs[0] represents exs[1..3]
        cluster_store.replace_clusters(conn, [{"example_id": e.id, "cluster_id": "c", "kind": "near", "similarity": 0.9,
                                                "is_representative": i == 0} for i, e in enumerate(exs[:4])])
    judged = [("approve", []), ("approve", []), ("approve", []), ("approve", []), ("reject", ["R1"]), ("reject", ["R1"]),
              ("approve", []), ("reject", ["R2"])]
    suggestions_service.import_suggestions(store, lead, write(tmp_path / "j.jsonl", [
        {"example_id": e.id, "model": "judge-1", "verdict": v, "rules": r} for e, (v, r) in zip(exs, judged, strict=True)]))

    def decide(user, e, verdict: Verdict, rules: list[str] = (), **kw):  # type: ignore[no-untyped-def]
        queue.claim_example(store, user, e.id)
        return queue.decide(store, user, Decision(example_id=e.id, reviewer=user.name, verdict=verdict, rules=list(rules), **kw),
                            token=token_of(store, user, e.id))

    queue.claim_example(store, ana, exs[0].id)
    cluster_decisions.decide_cluster(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE),
                                     token=token_of(store, ana, exs[0].id), members=[e.id for e in exs[1:4]])
    decisions_service.set_overlap(store, lead, 2)  # from here on ana and ben both read exs[4..7]
    s5 = suggestions_service.shown_to(store, lead, exs[5].id)[0]
    decide(ana, exs[4], Verdict.REJECT, ["R1"])
    decide(ben, exs[4], Verdict.REJECT, ["R1"])
    decide(ana, exs[5], Verdict.REJECT, ["R1"], suggestion_id=s5.id)  # accepted (before blind review hid it)
    decide(ben, exs[5], Verdict.APPROVE)
    decide(ana, exs[6], Verdict.REJECT, ["R2"])
    decide(ben, exs[6], Verdict.REJECT, ["R2"])
    decide(ana, exs[7], Verdict.APPROVE)
    decide(ben, exs[7], Verdict.REJECT, ["R2"])
    report = run_audit(store)
    assert report.summary.provenance == {"read": 8, "suggested": 1, "propagated": 3}
    # Inter-annotator agreement: only examples two reviewers read (exs 4, 6, 7); the propagated
    # copies and the accepted suggestion are not ratings.
    assert report.agreement is not None and report.agreement.verdict.n_pairable_items == 3
    assert report.reviewers is not None
    assert {r.reviewer: r.decisions for r in report.reviewers.reviewers} == {"ana": 5, "ben": 4}
    (judge,) = report.judges
    assert (judge.model, judge.suggestions, judge.accepted) == ("judge-1", 8, 1)
    # Compared: read decisions on judged examples: ana on 0, 4, 6, 7; ben on 4, 5, 6, 7.
    assert judge.compared == 8
    # judge vs reviewer: agree on (0 ana), (4 ana), (4 ben), (7 ana)... kappa from the 8 pairs.
    pairs = [("approve", "approve"), ("reject", "reject"), ("reject", "reject"), ("reject", "approve"),
             ("approve", "reject"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")]
    p_o = sum(a == b for a, b in pairs) / 8
    pa = sum(a == "approve" for a, _ in pairs) / 8
    pb = sum(b == "approve" for _, b in pairs) / 8
    p_e = pa * pb + (1 - pa) * (1 - pb)
    assert judge.percent == pytest.approx(p_o) and judge.kappa == pytest.approx((p_o - p_e) / (1 - p_e))
    r1 = next(r for r in judge.rules if r.rule == "R1")
    assert (r1.true_positives, r1.false_positives, r1.false_negatives) == (2, 1, 0)
    assert r1.precision == pytest.approx(2 / 3) and r1.recall == 1.0
