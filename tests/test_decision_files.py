"""Bulk decisions: by id or by source and line; bad lines reported, the rest applied; export."""

from __future__ import annotations

import json
from pathlib import Path

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
