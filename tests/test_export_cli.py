"""`curator dedup` and `curator export` as users meet them: --json contracts and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.models import Verdict
from curator.store import Store
from export_builders import add, approved, chat, decide, words


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_export_json_prints_the_manifest(sqlite_url: str, tmp_path: Path) -> None:
    store = Store(sqlite_url)
    approved(store, make_user(store, "ana"), 12)
    store.close()
    out = tmp_path / "out"
    code, stdout, _ = run(sqlite_url, "export", str(out), "--format", "openai", "--format", "trl-sft", "--test-size", "3", "--seed", "2", "--json")
    assert code == 0
    manifest = json.loads(stdout)
    assert manifest == json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["counts"]["train"], manifest["counts"]["test"]) == (9, 3)
    assert manifest["arguments"]["formats"] == ["openai", "trl-sft"] and manifest["seed"] == 2
    assert set(manifest["files"]) == {"openai/train.jsonl", "openai/test.jsonl", "trl-sft/train.jsonl", "trl-sft/test.jsonl", "trl-sft/README.md"}


def test_dedup_json_reports_clusters(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    ana = make_user(store, "ana")
    approved(store, ana, 3)
    reply = words(5, 50)
    a = add(store, chat(50, reply=reply), line=50)
    b = add(store, chat(50, reply=reply + " too"), line=51)
    decide(store, ana, a, Verdict.APPROVE)
    store.close()
    code, stdout, _ = run(sqlite_url, "dedup", "--threshold", "0.8", "--json")
    assert code == 0
    report = json.loads(stdout)
    assert (report["examples"], report["clusters"], report["duplicates"]) == (5, 1, 1)
    assert report["cluster_list"][0]["members"] == sorted([a, b])
    assert report["cluster_list"][0]["representative"] == a


def test_contamination_exits_1_with_one_line(sqlite_url: str, tmp_path: Path) -> None:
    store = Store(sqlite_url)
    ana = make_user(store, "ana")
    for k in range(6):
        passage = words(700 + k, 40)
        for side in range(2):
            i = 2000 + 10 * k + side
            eid = add(store, chat(i, reply=f"{words(i, 30)} {passage}", question=f"Q {i}: {words(i + 3, 40)}?"), line=i)
            decide(store, ana, eid, Verdict.APPROVE)
    store.close()
    code, stdout, stderr = run(sqlite_url, "export", str(tmp_path / "out"), "--group-by", "none", "--test-size", "0.5")
    assert code == 1 and stdout == ""
    assert stderr.startswith("curator: error: the test split is contaminated") and stderr.count("\n") == 1
    assert stderr.endswith("; or pass --allow-contamination to export anyway\n")  # the library names no flag; the CLI adds it
    assert not (tmp_path / "out").exists()
    code, _, _ = run(sqlite_url, "export", str(tmp_path / "out"), "--group-by", "none", "--test-size", "0.5", "--allow-contamination")
    assert code == 0 and (tmp_path / "out" / "manifest.json").exists()


def test_usage_errors_exit_2(sqlite_url: str, tmp_path: Path) -> None:
    assert run(sqlite_url, "export", str(tmp_path / "o"), "--format", "nope")[0] == 2
    assert run(sqlite_url, "export", str(tmp_path / "o"), "--test-size", "lots")[0] == 2
    assert run(sqlite_url, "dedup", "--threshold", "0")[0] == 2
