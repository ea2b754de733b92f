"""Export writes only what it owns: a new or empty folder, or a previous export with --replace.

DESIGN.md, "Nothing destroyed": the database and a user's files are never inside what an export
replaces, whatever the flags.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.errors import ConflictError, InvalidInputError, PathError
from curator.services.export import export
from curator.store import Store
from export_builders import approved, read_tree


def run(db: str, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def settled(tmp_path: Path) -> str:
    """A SQLite database in tmp_path/work (the working folder) with 12 approved examples."""
    work = tmp_path / "work"
    work.mkdir()
    url = f"sqlite:///{work / 'curator.db'}"
    store = Store(url)
    approved(store, make_user(store, "ana"), 12)
    store.close()
    return url


@pytest.mark.parametrize("target", [".", "absolute"])
def test_export_into_the_working_folder_holding_the_database_is_refused(settled: str, tmp_path: Path, target: str) -> None:
    work = tmp_path / "work"
    (work / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.name in ("curator.db", "notes.txt")}
    code, stdout, stderr = run("sqlite:///curator.db", "export", "." if target == "." else str(work), cwd=work)
    assert code == 1 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("curator: error: ")
    assert "not empty" in stderr and "curator.db" in stderr and "notes.txt" in stderr
    assert "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.name in before} == before
    code, _, _ = run("sqlite:///curator.db", "stats", cwd=work)  # the database still opens, decisions kept
    assert code == 0


def test_replace_is_refused_in_a_folder_that_holds_no_export(settled: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    code, _, stderr = run("sqlite:///curator.db", "export", ".", "--replace", cwd=work)
    assert code == 1 and "holds no curator export" in stderr and stderr.count("\n") == 1
    assert (work / "curator.db").stat().st_size > 0


def test_export_into_an_empty_existing_folder_keeps_the_folder(settled: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    inode = out.stat().st_ino
    code, _, stderr = run(settled, "export", str(out))
    assert code == 0, stderr
    assert out.stat().st_ino == inode  # filled, not replaced
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["curator_export"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "openai"]


def test_a_previous_export_needs_replace_which_keeps_foreign_files(settled: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(settled, "export", str(out), "--format", "openai", "--format", "trl-dpo")[0] == 0
    (out / "README.txt").write_text("how we trained\n", encoding="utf-8")
    (out / "openai" / "mine.txt").write_text("a user's note\n", encoding="utf-8")
    (out / "runs").mkdir()
    (out / "runs" / "loss.csv").write_text("1,0.5\n", encoding="utf-8")

    code, stdout, stderr = run(settled, "export", str(out), "--format", "sharegpt")
    assert code == 1 and stdout == "" and stderr.count("\n") == 1
    assert "curator export" in stderr and "--replace" in stderr

    code, stdout, stderr = run(settled, "export", str(out), "--format", "sharegpt", "--replace", "--seed", "3")
    assert code == 0, stderr
    tree = read_tree(out)
    assert tree["README.txt"] == b"how we trained\n"
    assert tree["openai/mine.txt"] == b"a user's note\n"
    assert tree["runs/loss.csv"] == b"1,0.5\n"
    assert not (out / "openai" / "train.jsonl").exists() and not (out / "trl-dpo").exists()  # the old export's own files
    assert (out / "sharegpt" / "train.jsonl").exists()
    manifest = json.loads(tree["manifest.json"])
    assert set(manifest["files"]) == {"sharegpt/train.jsonl", "sharegpt/test.jsonl"}
    assert manifest["arguments"]["formats"] == ["sharegpt"]
    assert "kept" in stdout and "README.txt" in stdout and "openai/mine.txt" in stdout and "runs" in stdout
    assert not [p for p in out.rglob(".*")]  # no temporary folder left


def test_replace_refuses_a_file_changed_since_curator_wrote_it(settled: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(settled, "export", str(out))[0] == 0
    train = out / "openai" / "train.jsonl"
    train.write_text(train.read_text(encoding="utf-8") + '{"messages": []}\n', encoding="utf-8")
    edited = read_tree(out)
    code, _, stderr = run(settled, "export", str(out), "--replace")
    assert code == 1 and "openai/train.jsonl" in stderr and "changed" in stderr and stderr.count("\n") == 1
    assert read_tree(out) == edited


def test_a_manifest_can_never_make_an_export_replace_the_database(sqlite_store: Store, tmp_path: Path) -> None:
    approved(sqlite_store, make_user(sqlite_store, "ana"), 12)
    db = Path(sqlite_store.url[len("sqlite:///"):])
    out = db.parent
    # A forged manifest in the database's folder, listing the database with its current hash.
    from curator.digests import file_sha256

    forged = {"curator_export": 1, "manifest_version": 1, "files": {db.name: file_sha256(db)}}
    (out / "manifest.json").write_text(json.dumps(forged), encoding="utf-8")
    with pytest.raises((ConflictError, InvalidInputError), match="database"):
        export(sqlite_store, out, replace=True)
    assert db.exists()
    for bad in ("../x.jsonl", "/etc/passwd", "openai/../../x"):
        (out / "manifest.json").write_text(json.dumps({**forged, "files": {bad: "0" * 64}}), encoding="utf-8")
        with pytest.raises(InvalidInputError, match="never writes"):
            export(sqlite_store, out, replace=True)


def test_a_manifest_curator_did_not_write_is_a_foreign_file(sqlite_store: Store, tmp_path: Path) -> None:
    approved(sqlite_store, make_user(sqlite_store, "ana"), 12)
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "some other tool"}', encoding="utf-8")
    with pytest.raises(ConflictError, match="holds no curator export"):
        export(sqlite_store, out, replace=True)
    assert read_tree(out) == {"manifest.json": b'{"name": "some other tool"}'}


def test_an_export_made_before_the_marker_is_still_recognised(sqlite_store: Store, tmp_path: Path) -> None:
    approved(sqlite_store, make_user(sqlite_store, "ana"), 12)
    out = tmp_path / "out"
    export(sqlite_store, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del manifest["curator_export"]  # as the versions before it wrote
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    export(sqlite_store, out, replace=True, seed=5)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 5


def test_export_dot_in_an_empty_folder_and_a_file_in_the_way(settled: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, stderr = run(settled, "export", ".", cwd=empty)
    assert code == 0, stderr
    assert (empty / "manifest.json").exists()
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    code, _, stderr = run(settled, "export", str(afile))
    assert code == 2 and "is a file" in stderr  # a usage error, from the argument's type
    store = Store(settled)
    try:
        with pytest.raises(PathError, match="is a file, not a folder"):
            export(store, afile)
        with pytest.raises(PathError, match="is a file where a folder is expected"):
            export(store, afile / "out")
    finally:
        store.close()
    assert afile.read_text(encoding="utf-8") == "x"
