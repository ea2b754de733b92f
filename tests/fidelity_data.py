"""The issue-11 fixtures (tools, parallel calls, images, weights, system prompts, negatives, pairs,
KTO rows) and the sample data, imported and settled through a decisions file, as a user would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import SAMPLE, make_user
from curator.export import EXPORT_FORMATS
from curator.models import UserRole
from curator.services.decision_files import import_decisions
from curator.services.export import export
from curator.services.importing import import_file
from curator.store import Store
from curator.store import examples as examples_repo

DATA = Path(__file__).parent / "data" / "fidelity"
FIXTURES = ("mixed.jsonl", "pairs_with_tools.jsonl", "kto.jsonl")
CORRECTED = "Refunds cover charges from the last 30 days; last year's cannot be refunded."


def settle(store: Store, tmp_path: Path, *, sample: bool) -> None:
    """Import the fixtures (and the sample data), then settle every example through a decisions file.

    Everything is approved but the planted negatives (and the fixture's refund reply), which are
    marked negative: corrected all of them without the sample, every other one with it.
    """
    paths = [DATA / name for name in FIXTURES]
    if sample:
        paths += sorted(p for p in SAMPLE.iterdir() if p.name.startswith("tallybook_"))
    for path in paths:
        import_file(store, path)
    lead = make_user(store, "lead", UserRole.LEAD)
    make_user(store, "ana")
    planted = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8")) if sample else []
    negative_places = {(p["file"], p["line"]) for p in planted if p["kind"] in ("negative", "ai-boilerplate")}
    negative_places.add(("mixed.jsonl", 7))
    with store.read() as conn:
        negatives = {eid for place in negative_places for eid in examples_repo.find_by_place(conn, *place)}
        ids = [row["id"] for row in examples_repo.iter_rows(conn, columns=["id"])]
    decisions = []
    for n, eid in enumerate(ids):
        line: dict[str, Any] = {"example_id": eid, "reviewer": "ana", "verdict": "approve"}
        if eid in negatives:
            line["verdict"] = "negative"
            if n % 2 or not sample:
                line["correction"] = {"reply": CORRECTED}
        decisions.append(line)
    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in decisions), encoding="utf-8")
    report = import_decisions(store, lead, path)
    assert report.errors == [] and report.applied == len(ids)


def export_everything(root: Path) -> tuple[Path, dict[str, Any]]:
    """The fixtures and the sample data, settled and exported in every format into root/out."""
    root.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{root / 'curator.db'}")
    try:
        settle(store, root, sample=True)
        manifest = export(store, root / "out", formats=list(EXPORT_FORMATS), seed=0)
    finally:
        store.close()
    return root / "out", manifest
