"""The test harness itself: in CI a skipped test fails, so nothing can pass by not running."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _run(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text("import pytest\n\ndef test_probe():\n    pytest.skip('a dependency is missing')\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-o", "addopts=", str(probe)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_skip_fails_in_ci(tmp_path: Path) -> None:
    done = _run(tmp_path, ci=True)
    assert done.returncode == 1, done.stdout
    assert "skipped in CI, where every test must run: Skipped: a dependency is missing" in done.stdout


def test_a_skip_is_a_skip_elsewhere(tmp_path: Path) -> None:
    done = _run(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout


def test_ci_runs_the_readme_command_with_lint_and_types_first() -> None:
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    command = re.search(r"Run the tests.*?```bash\n(.+?)\n```", readme, re.S).group(1)
    assert command in (ROOT.parent / ".ci" / "run").read_text(encoding="utf-8")
    steps = [step.strip() for step in command.split("&&")]
    assert steps.index(".venv/bin/ruff check .") < steps.index(".venv/bin/python -m pytest")
    assert steps.index(".venv/bin/mypy curator") < steps.index(".venv/bin/python -m pytest")
