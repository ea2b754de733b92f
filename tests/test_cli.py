"""The command line as users meet it: exit statuses, --json contracts, documented commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "formats"


def run(db: str, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_import_json_counts_add_up(sqlite_url: str) -> None:
    code, out, _ = run(sqlite_url, "import", str(DATA / "bad.jsonl"), "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["format"] == "openai"
    assert summary["records"] == summary["examples"] + summary["duplicates"] + summary["problems"]
    code, out, _ = run(sqlite_url, "problems", "--json")
    problems = json.loads(out)
    assert len(problems) == summary["problems"]
    assert set(problems[0]) >= {"source", "line", "code", "message"}


def test_stats_json(sqlite_url: str) -> None:
    run(sqlite_url, "import", str(DATA / "openai.jsonl"))
    code, out, _ = run(sqlite_url, "stats", "--json")
    s = json.loads(out)
    assert code == 0 and s["examples"] == 3 and s["tokens"]["min"] > 0 and s["cost"]["epochs"] >= 1


def test_users_add_from_stdin_then_list(sqlite_url: str) -> None:
    code, out, _ = run(sqlite_url, "users", "add", "ana", "--role", "reviewer", "--password-stdin", input="correct-horse\n")
    assert code == 0 and "ana" in out
    code, _, err = run(sqlite_url, "users", "add", "ana", "--role", "lead", "--password-stdin", input="correct-horse\n")
    assert code == 1 and err.strip() == "curator: error: user 'ana' already exists"
    code, out, _ = run(sqlite_url, "users", "list", "--json")
    assert json.loads(out) == [{"id": 1, "name": "ana", "role": "reviewer", "active": True}]


def test_decisions_import_reports_bad_lines_and_export_writes_the_log(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "import", str(DATA / "openai.jsonl"))
    run(sqlite_url, "users", "add", "ana", "--role", "reviewer", "--password-stdin", input="correct-horse\n")
    f = tmp_path / "d.jsonl"
    f.write_text(
        json.dumps({"source": "openai.jsonl", "line": 1, "reviewer": "ana", "verdict": "approve"}) + "\n"
        + json.dumps({"source": "openai.jsonl", "line": 99, "reviewer": "ana", "verdict": "approve"}) + "\n"
    )
    code, out, err = run(sqlite_url, "decisions", "import", str(f))
    assert code == 1
    assert "1 applied" in out and f"{f}:2:" in err and "line 99" in err
    out_file = tmp_path / "log.jsonl"
    code, _, _ = run(sqlite_url, "decisions", "export", str(out_file))
    (row,) = [json.loads(x) for x in out_file.read_text().splitlines()]
    assert code == 0 and row["reviewer"] == "ana" and row["verdict"] == "approve" and row["line"] == 1


def test_missing_file_is_a_one_line_error_with_status_1(sqlite_url: str) -> None:
    code, out, err = run(sqlite_url, "import", "/nonexistent/x.jsonl")
    assert code == 1 and out == ""
    assert err.startswith("curator: error: ") and "/nonexistent/x.jsonl" in err and err.count("\n") == 1


def test_usage_error_is_status_2(sqlite_url: str) -> None:
    assert run(sqlite_url, "import", "--format", "nope", "x")[0] == 2


def test_entry_point_runs_as_a_subprocess_with_env_database(tmp_path: Path) -> None:
    env = {**os.environ, "CURATOR_DB": f"sqlite:///{tmp_path / 'env.db'}"}
    proc = subprocess.run([sys.executable, "-m", "curator", "import", str(DATA / "openai.jsonl"), "--json"], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["examples"] == 3
    assert (tmp_path / "env.db").exists()
    assert proc.stderr == ""  # no progress bar when piped


def _commands(group, prefix=""):  # type: ignore[no-untyped-def]
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        yield full
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, full + " ")


@pytest.mark.parametrize("command", sorted(_commands(main)))
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    assert f"curator {command}" in (ROOT / "README.md").read_text(encoding="utf-8")
