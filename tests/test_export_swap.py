"""Whole or nothing: an export killed (SIGKILL) at any step of putting its files in place leaves
the previous export intact or the new one whole, and the next export finishes the job.

The step-by-step test forks a process per step (a real kill -9, no interpreter start-up); the
command-line tests run the real `curator export` and kill it the same way (CURATOR_CRASH_AT).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_user
from curator import crashpoint
from curator.export.manifest import MANIFEST_NAME, write_manifest
from curator.services.export import export
from curator.services.export_dest import ExportDestination
from curator.services.staging import clean_stale, is_temp_name, make_temp
from curator.store import Store
from export_builders import approved, read_tree

OLD = {"openai/train.jsonl": b"old train\n", "openai/test.jsonl": b"old test\n", "trl-dpo/train.jsonl": b"old dpo\n", "trl-dpo/test.jsonl": b""}
NEW = {"openai/train.jsonl": b"new train\n", "openai/test.jsonl": b"new test\n", "hf/data/train.parquet": b"PAR1", "hf/README.md": b"# card\n"}
FOREIGN = {"notes.txt": b"mine\n", "openai/keep.txt": b"also mine\n"}


def write_export(root: Path, files: dict[str, bytes], tag: str) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    write_manifest(root, {"tag": tag})


def visible(folder: Path) -> dict[str, bytes]:
    """The folder as a user sees it: every file but curator's hidden staging folders."""
    return {rel: data for rel, data in read_tree(folder).items() if not is_temp_name(rel.split("/")[0])}


def expected(files: dict[str, bytes], tag: str, tmp_path: Path) -> dict[str, bytes]:
    ref = tmp_path / f"ref-{tag}"
    ref.mkdir()
    write_export(ref, files, tag)
    return {**read_tree(ref), **FOREIGN}


def killed_at(step: int, out: Path) -> int:
    """Replace out's export by NEW in a forked process killed at the swap's ``step``; its status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.environ[crashpoint.ENV_VAR] = f"export-swap:{step}"
            with ExportDestination(out, replace=True).writing() as root:
                write_export(root, NEW, "new")
        finally:
            os._exit(0)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the forked export at step {step} hung")
        time.sleep(0.01)


def test_a_kill_at_every_step_of_the_swap_leaves_one_whole_export(tmp_path: Path) -> None:
    old_tree, new_tree = expected(OLD, "old", tmp_path), expected(NEW, "new", tmp_path)
    shutil.rmtree(make_temp(tmp_path))  # tempfile's name generator made here, not under a lock in a fork
    steps = 1 + (len(OLD) + 1) + (len(NEW) + 1)  # journal written, each old file out, each new file in
    for step in range(1, steps + 2):
        out = tmp_path / f"out{step}"
        out.mkdir()
        write_export(out, OLD, "old")
        for rel, data in FOREIGN.items():
            (out / rel).write_bytes(data)
        status = killed_at(step, out)
        if step <= steps:
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, step
        now = visible(out)
        if MANIFEST_NAME in now:  # the commit point: a manifest always comes with its whole export
            assert now in (old_tree, new_tree), step
        else:
            assert all(now[rel] == data for rel, data in FOREIGN.items()), step
        # The next export into the folder (or its parent) finishes the interrupted one first.
        left = [p.name for p in out.iterdir() if is_temp_name(p.name)]
        assert len(left) == (0 if step > steps else 1), step
        assert clean_stale(out) == left
        assert read_tree(out) == (new_tree if step >= steps else old_tree), step
        with ExportDestination(out, replace=True).writing() as root:
            write_export(root, NEW, "new")
        assert read_tree(out) == new_tree, step


def test_stale_staging_is_removed_only_when_it_is_curators_and_its_process_is_gone(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = make_temp(tmp_path)
    (stale / "owner.json").write_text(json.dumps({"curator_temp": 1, "pid": dead.pid, "host": socket.gethostname()}))
    (stale / "new").mkdir()
    (stale / "new" / "half.jsonl").write_text("{}\n")
    live = make_temp(tmp_path)  # this process's: still writing
    elsewhere = make_temp(tmp_path)
    (elsewhere / "owner.json").write_text(json.dumps({"curator_temp": 1, "pid": dead.pid, "host": "another-host"}))
    users = [tmp_path / ".build.tmp", tmp_path / ".curator-export.notes.tmp"]
    users[0].mkdir()
    users[1].mkdir()
    (users[1] / "x").write_text("a user's\n")
    assert clean_stale(tmp_path) == [stale.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [live, elsewhere, *users])


def cli(db: str, *args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != crashpoint.ENV_VAR}
    if crash:
        env[crashpoint.ENV_VAR] = crash
    return subprocess.run([sys.executable, "-m", "curator", "--db", db, *args], env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def twelve(sqlite_url: str) -> str:
    store = Store(sqlite_url)
    approved(store, make_user(store, "ana"), 12)
    store.close()
    return sqlite_url


def test_kill_9_while_an_export_replaces_a_previous_one(twelve: str, tmp_path: Path) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    store = Store(twelve)
    export(store, out, formats=["openai", "trl-dpo"])
    (out / "notes.txt").write_text("mine\n")
    new_args = ["--replace", "--format", "sharegpt", "--seed", "4"]
    killed = cli(twelve, "export", str(out), *new_args, crash="export-swap:3")  # old manifest and one file moved out
    assert killed.returncode == -signal.SIGKILL
    assert MANIFEST_NAME not in visible(out) and visible(out)["notes.txt"] == b"mine\n"
    rerun = cli(twelve, "export", str(out), *new_args)
    assert rerun.returncode == 0, rerun.stderr
    assert "temporary folder" in rerun.stdout and "notes.txt" in rerun.stdout
    export(store, clean, formats=["sharegpt"], seed=4)  # the uninterrupted run, in this process
    store.close()
    assert read_tree(out) == {**read_tree(clean), "notes.txt": b"mine\n"}
    # Killed again before its first rename: the previous export stays exactly as it was.
    before = read_tree(out)
    assert cli(twelve, "export", str(out), "--replace", crash="export-swap:1").returncode == -signal.SIGKILL
    assert visible(out) == before


def test_kill_9_before_a_new_folder_is_renamed_into_place(twelve: str, tmp_path: Path) -> None:
    parent = tmp_path / "exports"
    parent.mkdir()
    killed = cli(twelve, "export", str(parent / "v1"), crash="export-swap:1")
    assert killed.returncode == -signal.SIGKILL
    (leftover,) = parent.iterdir()
    assert is_temp_name(leftover.name)  # the staged export, hidden, beside where v1 would be
    done = cli(twelve, "export", str(parent / "v2"))  # any later export into that parent cleans it
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in parent.iterdir()) == ["v2"]
