"""Bulk decisions: by id or by source and line; bad lines reported, the rest applied; export."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from curator.models import UserRole
from curator.services.decision_files import export_decisions, import_decisions
from curator.store import Store
from curator.store import examples as examples_repo
from tests.conftest import make_user
from tests.helpers import add_examples


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_import_applies_good_lines_and_reports_bad_ones(store: Store, tmp_path: Path) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    make_user(store, "ana")
    a, b = add_examples(store, 2)
    f = write_lines(tmp_path / "d.jsonl", [
        {"example_id": a.id, "reviewer": "ana", "verdict": "approve"},
        {"source": "test.jsonl", "line": 2, "reviewer": "ana", "verdict": "negative", "correction": {"reply": "Let me connect you with billing."}},
        {"example_id": "missing", "reviewer": "ana", "verdict": "approve"},
        {"example_id": a.id, "reviewer": "zoe", "verdict": "approve"},
        {"example_id": a.id, "reviewer": "ana", "verdict": "maybe"},
        {"example_id": a.id, "reviewer": "ana", "verdict": "reject", "rules": ["nope"]},
        "{not json",
        {"example_id": a.id, "reviewer": "ana", "verdict": "approve", "colour": "red"},
    ])
    report = import_decisions(store, lead, f, known_rules={"no-pii"})
    assert (report.lines, report.applied) == (8, 2)
    errors = {e.line: e for e in report.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "missing" in errors[3].message
    assert "zoe" in errors[4].message
    assert errors[5].field == "verdict"
    assert errors[6].field == "rules"
    assert errors[8].field == "colour"
    with store.read() as conn:
        assert examples_repo.get_row(conn, a.id)["outcome"] == "approve"
        assert examples_repo.get_row(conn, b.id)["outcome"] == "negative"


def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    make_user(store, "ana")
    (a,) = add_examples(store, 1)
    f = write_lines(tmp_path / "d.jsonl", [{"example_id": a.id, "reviewer": "ana", "verdict": "approve", "rules": [], "note": "fine"}])
    assert import_decisions(store, lead, f).applied == 1
    second = import_decisions(store, lead, f)
    assert (second.applied, second.unchanged) == (0, 1)


def test_export_then_import_into_a_fresh_database_reproduces_outcomes(store: Store, tmp_path: Path) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    make_user(store, "ana")
    exs = add_examples(store, 3)
    f = write_lines(tmp_path / "in.jsonl", [
        {"example_id": exs[0].id, "reviewer": "ana", "verdict": "approve"},
        {"example_id": exs[1].id, "reviewer": "ana", "verdict": "reject", "rules": ["no-pii"], "note": "e-mail"},
    ])
    import_decisions(store, lead, f)
    out = tmp_path / "out.jsonl"
    assert export_decisions(store, out) == 2
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[1]["source"] == "test.jsonl" and rows[1]["line"] == 2 and rows[1]["rules"] == ["no-pii"]

    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    lead2 = make_user(other, "lee", UserRole.LEAD)
    make_user(other, "ana")
    add_examples(other, 3)
    assert import_decisions(other, lead2, out).applied == 2
    with other.read() as conn:
        assert [examples_repo.get_row(conn, e.id)["outcome"] for e in exs] == ["approve", "reject", "pending"]


def _provenance_database(path: Path) -> tuple[Store, list[str]]:
    """A database where ana decided a cluster of three at once and accepted a judge's suggestion."""
    from curator.models import Decision, Verdict
    from curator.services import cluster_decisions, queue, suggestions
    from curator.store import cluster_store
    from tests.test_queue import token_of

    store = Store(f"sqlite:///{path}")
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    exs = add_examples(store, 5)
    with store.write() as conn:  # exs[0] represents exs[1] and exs[2]
        cluster_store.replace_clusters(conn, [{"example_id": e.id, "cluster_id": "c", "kind": "near", "similarity": 0.9,
                                                "is_representative": i == 0} for i, e in enumerate(exs[:3])])
    judged = path.with_suffix(".judge.jsonl")
    write_lines(judged, [{"example_id": exs[3].id, "model": "judge-1", "verdict": "reject", "rules": [], "rationale": "off topic"},
                         {"example_id": exs[3].id, "model": "judge-2", "verdict": "approve"}])
    suggestions.import_suggestions(store, lead, judged)
    queue.claim_example(store, ana, exs[0].id)
    cluster_decisions.decide_cluster(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE),
                                     token=token_of(store, ana, exs[0].id), members=[exs[1].id, exs[2].id])
    s = next(s for s in suggestions.shown_to(store, ana, exs[3].id) if s.model == "judge-1")
    queue.claim_example(store, ana, exs[3].id)
    queue.decide(store, ana, Decision(example_id=exs[3].id, reviewer="ana", verdict=Verdict.REJECT, note="off topic", suggestion_id=s.id),
                 token=token_of(store, ana, exs[3].id))
    return store, [e.id for e in exs]


def test_an_exported_log_keeps_where_each_decision_came_from_in_another_database(tmp_path: Path) -> None:
    from curator.services.audit import run_audit
    from curator.services.decisions import history
    from curator.services.suggestions import import_suggestions

    first, ids = _provenance_database(tmp_path / "first.db")
    log = tmp_path / "log.jsonl"
    export_decisions(first, log)
    assert run_audit(first).summary.provenance == {"read": 1, "suggested": 1, "propagated": 2}
    first.close()

    # Another database: the same examples, a judge's suggestions imported there (other ids).
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    lead = make_user(other, "lee", UserRole.LEAD)
    make_user(other, "ana")
    add_examples(other, 5)
    write_lines(tmp_path / "other-judge.jsonl", [{"example_id": ids[4], "model": "judge-1", "verdict": "approve"},
                                                 {"example_id": ids[3], "model": "judge-2", "verdict": "approve"},
                                                 {"example_id": ids[3], "model": "judge-1", "verdict": "reject", "rationale": "off topic"}])
    import_suggestions(other, lead, tmp_path / "other-judge.jsonl")
    report = import_decisions(other, lead, log)
    assert (report.applied, report.errors) == (4, [])
    assert run_audit(other).summary.provenance == {"read": 1, "suggested": 1, "propagated": 2}  # was read 4
    (rep,) = history(other, ids[0])
    assert [d.via_cluster for e in ids[1:3] for d in history(other, e)] == [rep.id, rep.id]
    (accepted,) = history(other, ids[3])
    with other.read() as conn:
        model = conn.execute(sa.text("SELECT model FROM suggestions WHERE id = :i"), {"i": accepted.suggestion_id}).scalar_one()
    assert model == "judge-1"
    other.close()


def test_a_line_whose_provenance_cannot_be_found_here_is_refused_by_name(tmp_path: Path) -> None:
    first, ids = _provenance_database(tmp_path / "first.db")
    log = tmp_path / "log.jsonl"
    export_decisions(first, log)
    first.close()
    rows = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    members = [r for r in rows if r.get("via_cluster")]
    accepted = next(r for r in rows if r.get("suggestion_id"))

    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    lead = make_user(other, "lee", UserRole.LEAD)
    make_user(other, "ana")
    add_examples(other, 5)
    # The representative's decision is not in this file, and no judge's suggestions were imported.
    report = import_decisions(other, lead, write_lines(tmp_path / "partial.jsonl", [*members, accepted,
                              {**members[0], "via_cluster_source": None}]))
    assert report.applied == 0
    assert [(e.line, e.field) for e in report.errors] == [(1, "via_cluster"), (2, "via_cluster"), (3, "suggestion_id"), (4, "via_cluster")]
    assert "representative" in report.errors[0].message and "judge-1" in report.errors[2].message
    other.close()


def test_an_exported_log_imported_elsewhere_ends_with_the_same_outcomes_undos_and_reopens_included(tmp_path: Path) -> None:
    """A decision the log itself takes back later (an undo, a lead's reopen) must not count
    in the other database: it once came back to life there, approved where the source said pending."""
    from curator.models import Decision, Verdict
    from curator.services import decisions as decisions_service

    def outcomes(store: Store, ids: list[str]) -> list[str]:
        with store.read() as conn:
            return [examples_repo.get_row(conn, i)["outcome"] for i in ids]

    first = Store(f"sqlite:///{tmp_path / 'first.db'}")
    lead, ana = make_user(first, "lee", UserRole.LEAD), make_user(first, "ana")
    ids = [e.id for e in add_examples(first, 4)]
    record = lambda i, v: decisions_service.record(first, ana, Decision(example_id=ids[i], reviewer="ana", verdict=v))  # noqa: E731
    record(0, Verdict.APPROVE)
    decisions_service.undo_last(first, ana)  # undone: pending
    record(1, Verdict.APPROVE)
    decisions_service.reopen(first, lead, [ids[1]])  # reopened: pending
    record(2, Verdict.APPROVE)
    record(3, Verdict.APPROVE)
    decisions_service.reopen(first, lead, [ids[3]])
    record(3, Verdict.APPROVE)  # decided again after the reopen: counts
    assert outcomes(first, ids) == ["pending", "pending", "approve", "approve"]
    log = tmp_path / "log.jsonl"
    export_decisions(first, log)

    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    lead2 = make_user(other, "lee", UserRole.LEAD)
    make_user(other, "ana")
    add_examples(other, 4)
    report = import_decisions(other, lead2, log)
    assert (report.applied, report.undone, report.skipped, report.errors) == (2, 3, 3, [])
    assert outcomes(other, ids) == ["pending", "pending", "approve", "approve"]
    # Importing the log back into the database it came from changes nothing.
    again = import_decisions(first, lead, log)
    assert (again.applied, again.errors) == (0, []) and outcomes(first, ids) == ["pending", "pending", "approve", "approve"]
    first.close()
    other.close()
