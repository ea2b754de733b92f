"""The web admin's export follows `curator export`'s rules: its own folder only, cleaned up after a
killed server process, and a file error as one line that does not show the server's paths."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import make_user
from curator.errors import CuratorError
from curator.export import registry
from curator.export.openai import OpenAIChatWriter
from curator.models import UserRole
from curator.services import admin as admin_service
from curator.store import Store
from export_builders import approved


@pytest.fixture
def server_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "server-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_killed_servers_export_folder_is_removed_by_the_next_export(sqlite_store: Store, server_tmp: Path) -> None:
    from curator.services.staging import make_temp

    admin = make_user(sqlite_store, "root", UserRole.ADMIN)
    approved(sqlite_store, make_user(sqlite_store, "ana"), 12)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = make_temp(server_tmp)  # as a server process killed mid-export leaves it
    (left / "owner.json").write_text(json.dumps({"curator_temp": 1, "pid": gone.pid, "host": socket.gethostname()}))
    (left / "export").mkdir()
    (left / "export" / "half.jsonl").write_text("{}\n")
    (server_tmp / "someone-elses").mkdir()
    bundle = admin_service.export_zip(sqlite_store, admin, formats=["openai"])
    assert "manifest.json" in bundle.files
    assert [p.name for p in server_tmp.iterdir()] == ["someone-elses"]


class _DiskFull(OpenAIChatWriter):
    def add(self, split: str, record) -> int:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / f"{split}.jsonl"))


def test_a_full_disk_is_one_message_without_the_servers_paths(sqlite_store: Store, server_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = make_user(sqlite_store, "root", UserRole.ADMIN)
    approved(sqlite_store, make_user(sqlite_store, "ana"), 12)
    monkeypatch.setitem(registry.WRITERS, "openai", _DiskFull)
    with pytest.raises(CuratorError) as caught:
        admin_service.export_zip(sqlite_store, admin, formats=["openai"])
    message = str(caught.value)
    assert "no space left" in message and str(server_tmp) not in message and "\n" not in message
    assert list(server_tmp.iterdir()) == []
