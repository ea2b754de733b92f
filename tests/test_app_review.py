"""The review page and sign-in through AppTest: what the card is sent, claims, roles, landing pages.

What the card does with keys is proven in the real browser (test_review_card.py); the intents
it sends are carried out by services.review (test_review_intents.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from conftest import make_user
from curator.errors import PermissionDeniedError
from curator.models import Example, Source, User, UserRole
from curator.services import auth
from curator.services import decisions as decisions_service
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store.schema import claims, sessions
from helpers import add_examples, component_data, conversation_texts

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


def card(at: AppTest) -> dict:
    (data,) = [d for d in component_data(at) if d.get("mode") == "review"]
    return data


def test_sign_in_with_the_right_password_and_not_with_a_wrong_one(db: Store) -> None:
    make_user(db, "ana", password="correct-horse")
    at = new_app().run()
    at.text_input(key="signin_name").input("ana")
    at.text_input(key="signin_password").input("wrong-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong name or password."]
    assert "curator.session_token" not in at.session_state  # still at the sign-in form
    assert [b.label for b in at.button] == ["Sign in"]
    at.text_input(key="signin_password").input("correct-horse")
    at.button[0].click().run()
    assert not at.exception
    assert "Question number 0: how do I export invoice 0?" in conversation_texts(at)
    assert "curator.session_token" in at.session_state
    with db.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 1
    at.button(key="btn_signout").click().run()
    with db.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 0
        assert conn.scalar(sa.select(sa.func.count()).select_from(claims)) == 0  # sign-out gave them back
    assert [t.key for t in at.text_input] == ["signin_name", "signin_password"]  # back at the sign-in form


def test_the_card_is_sent_the_claimed_example_and_the_next_with_their_tokens(db: Store) -> None:
    at = signed_in(db, make_user(db, "ana"))
    data = card(at)
    with db.read() as conn:
        held = dict(conn.execute(sa.select(claims.c.example_id, claims.c.token)).all())
    current, following = data["current"], data["next"]
    assert (current["seq"], following["seq"]) == (1, 2)
    assert held == {current["example_id"]: current["token"], following["example_id"]: following["token"]}
    assert current["header"].startswith("Example 1 · test.jsonl:1 · 40 tokens")
    assert current["original_reply"] == "Open invoice 0, then choose Export > PDF."
    assert current["editable"] == {"0": "You are Tally, Tallybook's support assistant.", "1": "Question number 0: how do I export invoice 0?",
                                   "2": "Open invoice 0, then choose Export > PDF."}
    assert current["conversation"]["system"] == ["You are Tally, Tallybook's support assistant."]  # shown, not hidden
    assert data["ack"] is None and data["notice"] is None and data["recent"] == []
    at.run()  # a rerun renews the same claims: same tokens
    assert card(at)["current"]["token"] == current["token"]


def test_leads_and_admins_land_on_their_own_page_and_hold_nothing(db: Store) -> None:
    for name, role, title in [("lee", UserRole.LEAD, "Lead"), ("root", UserRole.ADMIN, "Admin")]:
        at = signed_in(db, make_user(db, name, role))
        assert [t.value for t in at.title] == [title]
        assert component_data(at) == []
    with db.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(claims)) == 0


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
    from curator.app.views import review

    def review_page() -> None:
        from curator.app.views import review

        review.render()

    anon = AppTest.from_function(review_page, default_timeout=30)
    anon.run()
    assert [w.value for w in anon.warning] == ["Sign in to use this page."]
    assert review.MIN_ROLE == UserRole.REVIEWER


def test_untrusted_text_reaches_the_renderer_verbatim_and_markdown_only_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
    # The renderer makes text nodes of these (test_review_card.py shows them inert in chromium).
    assert conversation_texts(at)[:2] == ["<script>alert(1)</script> and ![x](http://evil/x.png)", "[click](javascript:alert(1)) <img src=x onerror=alert(1)> $x$ :red[hi]"]
    assert card(at)["current"]["header"].startswith("Example 1 · <b>evil</b>.jsonl:1")
    for body in [m.value for m in at.markdown] + [c.value for c in at.caption]:
        assert "alert" not in body and "evil" not in body  # no conversation text goes to markdown
    assert all(not m.proto.allow_html for m in at.markdown)


def test_the_page_opens_with_the_queue_count_not_a_counting_placeholder(db: Store) -> None:
    """The count runs off the keypress path; the first one is waited for a moment, so the page
    does not say "counting the queue…" until the reviewer's first action."""
    at = signed_in(db, make_user(db, "ana"))
    assert [p.text for p in at.get("progress")] == ["0 / 3 decided in this queue · 0 by you today"]
