"""Every file error is one line naming the path and what to do, exit status 1, on every command;
a traceback only with --debug."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.export import registry
from curator.export.openai import OpenAIChatWriter
from curator.store import Store
from export_builders import approved


def run(db: str, *args: str, debug: bool = False) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *(["--debug"] if debug else []), *args], catch_exceptions=debug)
    if debug:
        return result.exit_code, repr(result.exception), result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def settled(sqlite_url: str) -> str:
    store = Store(sqlite_url)
    approved(store, make_user(store, "ana"), 12)
    store.close()
    return sqlite_url


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and stderr.startswith("curator: error: "), stderr
    assert "Traceback" not in stderr
    return stderr


@pytest.mark.parametrize("command", ["export", "decisions export", "audit --html"])
def test_permission_denied_is_one_line_naming_the_path(settled: str, unwritable_dir: Path, command: str) -> None:
    target = unwritable_dir / ("out" if command == "export" else "file.out")
    code, _, stderr = run(settled, *command.split(), str(target))
    assert code == 1
    line = one_line(stderr)
    assert str(unwritable_dir) in line
    assert "permission denied" in line or "not permitted" in line


@pytest.mark.parametrize("command", ["decisions export", "audit --html"])
def test_a_missing_folder_is_reported_not_created(settled: str, tmp_path: Path, command: str) -> None:
    target = tmp_path / "nonexistent" / "x" / "a.html"
    code, _, stderr = run(settled, *command.split(), str(target))
    assert code == 1
    line = one_line(stderr)
    assert str(target.parent) in line and "no such folder" in line and "create the folder first" in line
    assert not (tmp_path / "nonexistent").exists()


def test_a_file_where_a_folder_is_expected(settled: str, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    code, _, stderr = run(settled, "decisions", "export", str(tmp_path / "afile" / "log.jsonl"))
    assert code == 1 and "is a file where a folder is expected" in one_line(stderr)


class _DiskFull(OpenAIChatWriter):
    def add(self, split: str, record) -> int:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / f"{split}.jsonl"))


def test_a_full_disk_is_one_line_and_leaves_nothing(settled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.WRITERS, "openai", _DiskFull)
    out = tmp_path / "exports" / "out"
    code, _, stderr = run(settled, "export", str(out))
    assert code == 1
    line = one_line(stderr)
    assert str(out) in line and "no space left on the device; free some space and run again" in line
    assert list((tmp_path / "exports").iterdir()) == []


def test_an_untranslated_os_error_is_one_line_and_debug_shows_it_whole(settled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from curator.services import stats

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/models/o200k.tiktoken")

    monkeypatch.setattr(stats, "dataset_stats", broken)
    monkeypatch.setattr("curator.cli.stats.dataset_stats", broken)
    code, _, stderr = run(settled, "stats")
    assert code == 1
    assert one_line(stderr) == "curator: error: /srv/models/o200k.tiktoken: permission denied; change its permissions or choose another place\n"
    code, exception, _ = run(settled, "stats", debug=True)
    assert code == 1 and exception.startswith("PermissionError")


def test_debug_keeps_the_traceback_of_curators_own_errors(settled: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    code, exception, _ = run(settled, "export", str(tmp_path), debug=True)
    assert code == 1 and exception.startswith("ConflictError")
    code, _, stderr = run(settled, "export", str(tmp_path))
    assert json.dumps(stderr) and one_line(stderr)
