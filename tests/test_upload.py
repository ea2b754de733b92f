"""The admin page's upload goes through the import service, guideline flags included, and its
errors name the uploaded file, never the server's temporary path (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from curator.app.chat import plain
from curator.models import UserRole
from curator.services import guideline_sync
from curator.store import Store
from curator.store import examples as examples_repo
from tests.conftest import make_user

PII_GUIDELINE = """---
name: pii-only
version: "1"
language: en
target_model: gpt-4o-mini-2024-07-18
rules:
  - id: no-pii
    title: No personal data
    severity: blocker
    text: No message may contain an e-mail address.
    check: {name: pii, params: {kinds: [email]}}
---
# PII only
"""
WITH_EMAIL = {"messages": [{"role": "user", "content": "Mail the invoice to maria.lopez@gmail.com please."},
                           {"role": "assistant", "content": "Done, it is on its way."}]}
CLEAN = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]}


def _page(page: str) -> None:
    import importlib

    importlib.import_module(f"curator.app.views.{page}").render()


@pytest.fixture
def admin_app(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Store, AppTest]:
    """The admin page signed in as an admin, on a database with a PII guideline in force."""
    from curator.app import state
    from curator.services import auth

    monkeypatch.setenv("CURATOR_DB", sqlite_url)
    store = Store(sqlite_url)
    admin = make_user(store, "root", UserRole.ADMIN)
    (tmp_path / "guidelines").mkdir()
    (tmp_path / "guidelines" / "pii.md").write_text(PII_GUIDELINE, encoding="utf-8")
    guideline_sync.load_into_store(store, tmp_path / "guidelines")
    at = AppTest.from_function(_page, args=("admin",), default_timeout=30)
    at.session_state[state.TOKEN] = auth.create_session(store, admin)
    return store, at.run()


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="admin_upload_file").set_value((name, data, "application/octet-stream"))
    at.run()
    return at.button(key="admin_upload_go").click().run()


def test_an_uploaded_example_gets_the_guideline_flags_an_imported_one_gets(admin_app: tuple[Store, AppTest]) -> None:
    store, at = admin_app
    _upload(at, "support chats.jsonl", (json.dumps(WITH_EMAIL) + "\n" + json.dumps(CLEAN) + "\n").encode())
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    with store.read() as conn:
        stored = {ex.messages[0].text: ex for ex in examples_repo.iter_examples(conn)}
    flagged = stored[WITH_EMAIL["messages"][0]["content"]]
    assert [f["rule_id"] for f in guideline_sync.flags_for(store, flagged.id)] == ["no-pii"]
    assert guideline_sync.flags_for(store, stored["Hi"].id) == []
    assert flagged.source is not None and flagged.source.file == "support chats.jsonl"  # not a temporary path
    assert at.success[0].value.startswith(plain("support chats.jsonl: 2 records → 2 new examples"))
    assert plain("1 guideline flags") in at.success[0].value


@pytest.mark.parametrize("name, data", [
    ("notes.txt", b"\x00\x01 not data"),  # no record at all
    ("table.parquet", b"not parquet"),  # a reader that fails while reading
])
def test_an_upload_error_names_the_uploaded_file_not_the_servers_path(admin_app: tuple[Store, AppTest], name: str, data: bytes) -> None:
    _store, at = admin_app
    _upload(at, name, data)
    assert not at.exception
    (error,) = at.error
    assert plain(name) in error.value
    for secret in ("curator-upload-", "/tmp"):  # as written, and as the page escapes it
        assert secret not in error.value and plain(secret) not in error.value
