"""A decisions file applied twice (or re-run after a kill) gives one decision per line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_user
from curator.models import UserRole
from curator.services.decision_files import import_decisions
from curator.store import Store
from curator.store import decisions as decisions_repo
from helpers import add_examples


def test_a_file_that_changes_its_own_decisions_applies_once(store: Store, tmp_path: Path) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    make_user(store, "ana")
    a, b = add_examples(store, 2)
    f = tmp_path / "d.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in [
        {"example_id": a.id, "reviewer": "ana", "verdict": "approve"},
        {"example_id": b.id, "reviewer": "ana", "verdict": "approve"},
        {"example_id": a.id, "reviewer": "ana", "verdict": "reject", "note": "second look"},
    ]) + "\n", encoding="utf-8")
    first = import_decisions(store, lead, f)
    second = import_decisions(store, lead, f)
    with store.read() as conn:
        assert decisions_repo.count(conn) == 3  # not 5: line 1 differs from the decision in force, yet ran once
    assert (first.applied, first.unchanged, first.already_applied) == (3, 0, 0)
    assert (second.applied, second.unchanged, second.already_applied) == (0, 3, 3)
    f.write_text(f.read_text(encoding="utf-8") + json.dumps({"example_id": b.id, "reviewer": "ana", "verdict": "negative"}) + "\n", encoding="utf-8")
    edited = import_decisions(store, lead, f)  # another file: each line judged against the decision in force
    assert (edited.applied, edited.unchanged) == (3, 1)
