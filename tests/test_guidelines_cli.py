"""Guidelines through the CLI: load, show, diff between folders and stored versions; demo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from curator.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def changed_copy(tmp_path: Path) -> Path:
    """A copy of the guidelines where rule no-ai-boilerplate has a new text."""
    folder = tmp_path / "guidelines-v2"
    shutil.copytree(ROOT / "guidelines", folder)
    general = folder / "general.md"
    text = general.read_text(encoding="utf-8")
    marker = "  - id: no-ai-boilerplate\n"
    assert marker in text
    general.write_text(text.replace(marker, marker + "    # reworded\n", 1).replace("title: No AI boilerplate", "title: No AI boilerplate or disclaimers", 1), encoding="utf-8")
    return folder


def test_load_show_and_diff(sqlite_url: str, tmp_path: Path) -> None:
    code, out, _ = run(sqlite_url, "guidelines", "load", str(ROOT / "guidelines"), "--json")
    first = json.loads(out)
    assert code == 0 and first["previous"] is None
    code, out, _ = run(sqlite_url, "guidelines", "show", "--json")
    shown = json.loads(out)
    assert shown["version"] == first["version"] and "no-pii" in [r["id"] for r in shown["rules"]]

    v2 = changed_copy(tmp_path)
    code, out, _ = run(sqlite_url, "guidelines", "diff", str(ROOT / "guidelines"), str(v2), "--json")
    d = json.loads(out)
    assert code == 0 and d["added"] == [] and d["removed"] == []
    assert [c["id"] for c in d["changed"]] == ["no-ai-boilerplate"]

    code, out, _ = run(sqlite_url, "guidelines", "load", str(v2), "--json")
    second = json.loads(out)
    assert second["previous"] == first["version"] and second["version"] != first["version"]
    assert [c["id"] for c in second["diff"]["changed"]] == ["no-ai-boilerplate"]
    # Stored versions can be compared by name too.
    code, out, _ = run(sqlite_url, "guidelines", "diff", first["version"], second["version"])
    assert code == 0 and "~ no-ai-boilerplate (title)" in out


def test_unknown_version_is_a_clear_error(sqlite_url: str) -> None:
    code, _, err = run(sqlite_url, "guidelines", "diff", "nope@1", "nope@2")
    assert code == 1 and "neither a guidelines folder nor a version" in err


def test_demo_without_app_loads_everything(sqlite_url: str) -> None:
    code, out, _ = run(sqlite_url, "demo", "--no-app", "--json")
    setup = json.loads(out)
    assert code == 0
    assert sum(s["examples"] for s in setup["imports"]) >= 300
    assert setup["users"] == ["admin", "lead", "ana", "ben"]
    assert setup["flags"] > 0 and setup["guideline_version"].startswith("general@")
    code, out, _ = run(sqlite_url, "demo", "--no-app", "--json")
    again = json.loads(out)
    assert again["users"] == [] and sum(s["examples"] for s in again["imports"]) == 0


def test_reopen_sends_a_decided_example_back(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "import", str(ROOT / "tests" / "data" / "formats" / "openai.jsonl"))
    CliRunner().invoke(main, ["--db", sqlite_url, "users", "add", "ana", "--role", "reviewer", "--password-stdin"], input="correct-horse\n")
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps({"source": "openai.jsonl", "line": 1, "reviewer": "ana", "verdict": "approve"}) + "\n")
    assert run(sqlite_url, "decisions", "import", str(f))[0] == 0
    code, out, _ = run(sqlite_url, "stats", "--json")
    assert json.loads(out)["by_outcome"]["approve"] == 1
    log = tmp_path / "log.jsonl"
    run(sqlite_url, "decisions", "export", str(log))
    example_id = json.loads(log.read_text())["example_id"]
    code, out, _ = run(sqlite_url, "reopen", example_id, "--note", "rule changed")
    assert code == 0 and out.strip() == "reopened 1 examples"
    code, out, _ = run(sqlite_url, "stats", "--json")
    assert "approve" not in json.loads(out)["by_outcome"]
    run(sqlite_url, "decisions", "export", str(log))
    last = json.loads(log.read_text().splitlines()[-1])
    assert (last["kind"], last["reviewer"], last["note"]) == ("reopen", "cli", "rule changed")
