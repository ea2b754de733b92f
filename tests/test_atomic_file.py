"""atomic_file: the whole file or the old one, and its sweep of stale temporary files removes
only curator's own, of a process on this host that is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from curator.services.atomic import _host, atomic_file


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_sweep_removes_only_curators_own_temp_files_of_dead_processes(tmp_path: Path) -> None:
    dead, host = _dead_pid(), _host()
    ours = tmp_path / f".log.jsonl.curator-{host}-{dead}-abc.tmp"  # a write killed before its rename
    keep = {
        "user's file": tmp_path / "notes.tmp",
        "another name's temp": tmp_path / f".other.jsonl.curator-{host}-{dead}-abc.tmp",
        "a live process's temp": tmp_path / f".log.jsonl.curator-{host}-{os.getpid()}-abc.tmp",
        "another host's temp": tmp_path / f".log.jsonl.curator-elsewhere-{dead}-abc.tmp",
        "not ending .tmp": tmp_path / f".log.jsonl.curator-{host}-{dead}-abc.tmp.bak",
        "a host whose name starts with ours": tmp_path / f".log.jsonl.curator-{host}-2-{dead}-abc.tmp",
    }
    for p in [ours, *keep.values()]:
        p.write_text("x", encoding="utf-8")
    target = tmp_path / "precious.txt"
    target.write_text("the user's data", encoding="utf-8")
    link = tmp_path / f".log.jsonl.curator-{host}-{dead}-link.tmp"
    link.symlink_to(target)  # a link with our name: neither it nor what it points to is touched

    with atomic_file(tmp_path / "log.jsonl") as fh:
        fh.write("new\n")

    assert not ours.exists()
    assert [name for name, p in keep.items() if not p.exists()] == []
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "the user's data"
    assert (tmp_path / "log.jsonl").read_text(encoding="utf-8") == "new\n"


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("old\n", encoding="utf-8")
    try:
        with atomic_file(path) as fh:
            fh.write("half")
            raise RuntimeError("killed halfway")
    except RuntimeError:
        pass
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl"]
