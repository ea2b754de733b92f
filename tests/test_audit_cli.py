"""`curator audit`: --json parses, --html writes a page, bad predictions and usage errors exit non-zero."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import ROOT, make_user
from curator.audit import AuditReport
from curator.cli import main
from curator.models import Decision, Verdict
from curator.services import decisions as decisions_service
from curator.services import guideline_sync
from curator.store import Store
from helpers import add_examples

GUIDELINES = ROOT / "guidelines"


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _seed(url: str) -> list[str]:
    store = Store(url)
    guideline_sync.load_into_store(store, GUIDELINES)
    exs = add_examples(store, 4)
    version = guideline_sync.current_version(store)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    for reviewer, verdict in ((ana, Verdict.APPROVE), (ben, Verdict.REJECT)):
        decisions_service.record(store, reviewer, Decision(example_id=exs[0].id, reviewer=reviewer.name, verdict=verdict,
                                                           rules=["tb-tone"], guideline_version=version))
    store.close()
    return [e.id for e in exs]


def test_json_is_the_report(sqlite_url: str) -> None:
    _seed(sqlite_url)
    code, out, err = run(sqlite_url, "audit", "--json")
    assert (code, err) == (0, "")
    report = AuditReport.from_json(out)
    assert report.summary.examples == 4 and report.summary.decisions == 2
    assert json.loads(out)["summary"]["outcomes"] == {"conflict": 1, "pending": 3}


def test_text_summary_and_html_file(sqlite_url: str, tmp_path: Path) -> None:
    _seed(sqlite_url)
    page = tmp_path / "out" / "audit.html"
    page.parent.mkdir()  # the folder must exist: a mistyped path never creates folders
    code, out, _ = run(sqlite_url, "audit", "--html", str(page))
    assert code == 0
    assert out.startswith("curator audit")
    assert "Rules" in out and f"wrote {page}" in out
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert list(page.parent.iterdir()) == [page]  # no temporary file left behind


def test_stale_decisions_print_the_reopen_command_and_reopen_stale_sends_them_back(sqlite_url: str, tmp_path: Path) -> None:
    ids = _seed(sqlite_url)
    folder = tmp_path / "guidelines"
    folder.mkdir()
    for f in GUIDELINES.glob("*.md"):
        text = f.read_text(encoding="utf-8")
        (folder / f.name).write_text(text.replace("title: Friendly, concise, no blame", "title: Friendly and concise, no blame"), encoding="utf-8")
    assert "Friendly and concise, no blame" in (folder / "tallybook.md").read_text(encoding="utf-8")
    assert run(sqlite_url, "guidelines", "load", str(folder))[0] == 0
    code, out, _ = run(sqlite_url, "audit")
    assert code == 0
    assert f"curator reopen {ids[0]}" in out
    code, out, err = run(sqlite_url, "audit", "--reopen-stale", "--json")
    assert code == 0
    assert [s["example_id"] for s in json.loads(out)["stale"]] == [ids[0], ids[0]]
    assert err == "reopened 1 examples with stale decisions\n"
    code, out, _ = run(sqlite_url, "audit", "--json")
    assert json.loads(out)["stale"] == []
    assert json.loads(out)["summary"]["outcomes"] == {"pending": 4}


def test_bad_prediction_lines_are_reported_and_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    ids = _seed(sqlite_url)
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"example_id": ids[1], "reply": "Open invoice 1, then choose Export > PDF."}) + "\n"
                     + json.dumps({"example_id": ids[2], "answer": "x"}) + "\n", encoding="utf-8")
    code, out, err = run(sqlite_url, "audit", "--predictions", str(preds), "--json")
    assert code == 1
    assert json.loads(out)["predictions"]["predictions"] == 1
    assert f"{preds}:2 field 'reply'" in err
    assert err.strip().splitlines()[-1] == f"curator: error: 1 bad line(s) in {preds}; the other predictions were audited"


def test_missing_predictions_file_and_usage_errors(sqlite_url: str, tmp_path: Path) -> None:
    _seed(sqlite_url)
    code, _, err = run(sqlite_url, "audit", "--predictions", str(tmp_path / "nope.jsonl"))
    assert code == 1 and "no such file" in err
    assert run(sqlite_url, "audit", "--no-such-option")[0] == 2


def test_json_carries_the_reopen_command_and_bad_prediction_lines(sqlite_url: str, tmp_path: Path) -> None:
    ids = _seed(sqlite_url)
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"example_id": ids[1], "reply": "Open Settings > Team."}) + "\n{broken\n", encoding="utf-8")
    code, out, err = run(sqlite_url, "audit", "--json", "--predictions", str(preds))
    report = json.loads(out)
    assert code == 1 and f"{preds}:2" in err
    assert report["predictions"]["predictions"] == 1
    assert len(report["predictions"]["errors"]) == 1 and f"{preds}:2" in report["predictions"]["errors"][0]
    assert report["reopen_command"] is None  # nothing is stale under the version in force
