"""The review page and sign-in through AppTest: every decision path, undo, roles, safety."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from conftest import make_user
from helpers import add_examples
from curator.errors import PermissionDeniedError
from curator.models import Example, Source, User, UserRole
from curator.services import auth, decisions as decisions_service
from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store.schema import sessions

MAIN = Path(__file__).resolve().parent.parent / "curator" / "app" / "main.py"


def new_app() -> AppTest:
    # from_string: main.py's own folder holds pages/ (our modules), which AppTest would treat
    # as Streamlit v1 page scripts; a copy of the entry script elsewhere runs as the server does.
    return AppTest.from_string(MAIN.read_text(encoding="utf-8"), default_timeout=30)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    monkeypatch.setenv("CURATOR_DB", url)
    store = Store(url)
    add_examples(store, 3)
    return store


def signed_in(store: Store, user: User) -> AppTest:
    """An app whose tab holds a session for ``user`` (what the sign-in form leaves behind)."""
    at = new_app()
    at.session_state["curator.session_token"] = auth.create_session(store, user)
    at.run()
    assert not at.exception
    return at


def history(store: Store, example_id: str):  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return decisions_repo.for_example(conn, example_id)


def first_id(store: Store) -> str:
    with store.read() as conn:
        return str(conn.scalar(sa.text("SELECT id FROM examples ORDER BY seq LIMIT 1")))


def test_sign_in_with_the_right_password_and_not_with_a_wrong_one(db: Store) -> None:
    make_user(db, "ana", password="correct-horse")
    at = new_app().run()
    at.text_input(key="signin_name").input("ana")
    at.text_input(key="signin_password").input("wrong-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong name or password."]
    assert at.button(key="FormSubmitter:signin-Sign in") is not None
    at.text_input(key="signin_password").input("correct-horse")
    at.button[0].click().run()
    assert not at.exception
    assert "Question number 0" in " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "curator.session_token" in at.session_state
    with db.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 1
    at.button(key="btn_signout").click().run()
    with db.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 0
    assert at.text_input(key="signin_name") is not None


def test_every_decision_button_has_its_shortcut(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    shortcuts = {b.key: b.proto.shortcut for b in at.button if b.key and b.key.startswith("btn_") and b.key != "btn_signout"}
    assert shortcuts == {"btn_approve": "a", "btn_negative": "n", "btn_reject": "x", "btn_edit": "e", "btn_skip": "s", "btn_undo": "u"}  # normalised by Streamlit


def test_approve_records_the_note_and_moves_to_the_next_example(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    eid = first_id(db)
    at.text_input(key="review_note").input("clear and correct")
    at.button(key="btn_approve").click().run()
    (d,) = history(db, eid)
    assert (d.reviewer, d.verdict.value, d.note) == ("ana", "approve", "clear and correct")
    from curator.app import deps

    assert d.guideline_version == (deps._guidelines.__wrapped__(db.url).version if deps._guidelines.__wrapped__(db.url) else None)
    assert "Question number 1" in " ".join(m.value for m in at.markdown).replace("\\", "")
    assert at.text_input(key="review_note").value == ""


def test_negative_with_a_corrected_reply(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    eid = first_id(db)
    at.button(key="btn_negative").click().run()
    at.text_area(key="review_desired_reply").input("Open the invoice and choose Export, then PDF.")
    save = at.button(key="btn_save")
    assert save.proto.shortcut == "ctrl+enter"
    save.click().run()
    (d,) = history(db, eid)
    assert d.verdict.value == "negative"
    assert d.correction is not None and d.correction.reply is not None
    assert d.correction.reply.content == "Open the invoice and choose Export, then PDF."


def test_edit_shows_the_diff_before_saving(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    eid = first_id(db)
    at.button(key="btn_edit").click().run()
    assert at.button(key="btn_save").disabled  # nothing changed yet
    at.text_area(key=f"edit_{eid}_2").input("Open invoice 0 and choose Export > PDF.").run()
    diffs = [c.value for c in at.code]
    assert len(diffs) == 1
    assert "-Open invoice 0, then choose Export > PDF." in diffs[0]
    assert "+Open invoice 0 and choose Export > PDF." in diffs[0]
    assert history(db, eid) == []  # shown, not saved
    at.button(key="btn_save").click().run()
    (d,) = history(db, eid)
    assert d.verdict.value == "approve"
    assert d.correction is not None and d.correction.messages is not None
    assert d.correction.messages[2].content == "Open invoice 0 and choose Export > PDF."
    assert d.correction.messages[1].content == "Question number 0: how do I export invoice 0?"


def test_reject_with_the_violated_rules(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    eid = first_id(db)
    at.button(key="btn_reject").click().run()
    rules = at.multiselect(key="review_rules")
    rule = rules.options[0]
    rules.select(rule).run()
    at.button(key="btn_save").click().run()
    (d,) = history(db, eid)
    assert (d.verdict.value, d.rules) == ("reject", [rule])


def test_skip_then_undo_returns_to_the_decided_example(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    eid = first_id(db)
    text = lambda: " ".join(m.value for m in at.markdown).replace("\\", "")  # noqa: E731
    at.button(key="btn_skip").click().run()
    assert "Question number 1" in text()
    assert history(db, eid) == []
    at.button(key="btn_approve").click().run()
    assert "Question number 2" in text()
    at.button(key="btn_undo").click().run()
    assert "Question number 1" in text()
    with db.read() as conn:
        second = examples_repo.page(conn, limit=2)[1]
    assert [d.kind.value for d in history(db, second["id"])] == ["decision", "retraction"]
    assert second["outcome"] == "pending"


def test_a_reviewer_cannot_open_or_call_lead_and_admin_functions(db: Store) -> None:
    ana = make_user(db, "ana")
    at = signed_in(db, ana)
    titles = {info["page_name"] for info in at._registered_pages.values()}
    assert "Review" in titles and not titles & {"Lead", "Admin", "Adjudicate", "Users"}
    with pytest.raises(PermissionDeniedError):
        decisions_service.set_overlap(db, ana, 2)

    def lead_only() -> None:
        from curator.app import deps
        from curator.models import UserRole

        deps.require_role(UserRole.LEAD)
        import streamlit as st

        st.write("lead secrets")

    page = AppTest.from_function(lead_only, default_timeout=30)
    page.session_state["curator.session_token"] = auth.create_session(db, ana)
    page.run()
    assert [e.value for e in page.error] == ["This page needs a lead or above; you are signed in as a reviewer."]
    assert "lead secrets" not in [m.value for m in page.markdown]
    # Signed out, the review page itself refuses.
    from curator.app.pages import review

    def review_page() -> None:
        from curator.app.pages import review

        review.render()

    anon = AppTest.from_function(review_page, default_timeout=30)
    anon.run()
    assert [w.value for w in anon.warning] == ["Sign in to use this page."]
    assert review.MIN_ROLE == UserRole.REVIEWER


def test_conversation_text_is_never_html_or_a_remote_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'evil.db'}"
    monkeypatch.setenv("CURATOR_DB", url)
    db = Store(url)
    evil = Example.create(
        [
            {"role": "user", "content": "<script>alert(1)</script> and ![x](http://evil/x.png)"},
            {"role": "assistant", "content": "[click](javascript:alert(1)) <img src=x onerror=alert(1)> $x$ :red[hi]"},
        ],
        source=Source(name="<b>evil</b>.jsonl", line=1),
    )
    with db.write() as conn:
        examples_repo.insert_many(conn, [evil])
    at = signed_in(db, make_user(db, "ana"))
    bodies = [m.value for m in at.markdown] + [c.value for c in at.caption]
    joined = "\n".join(bodies)
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in joined
    untrusted = [b for b in bodies if "alert" in b or "evil" in b]
    assert len(untrusted) >= 3  # both messages and the source name
    for body in untrusted:  # every character markdown/HTML could act on is escaped
        assert not re.search(r"(?<!\\)[<>\[\]()!:$]", body), body
    assert "\\$x\\$" in joined and "\\:red\\[hi\\]" in joined
    assert all(not m.proto.allow_html for m in at.markdown)
