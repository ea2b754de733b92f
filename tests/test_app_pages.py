"""Browse, dashboard, lead and admin pages (AppTest), and the admin service behind them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from curator.app.chat import plain
from curator.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from curator.models import (
    Correction,
    Decision,
    DecisionKind,
    Example,
    Source,
    UserRole,
    Verdict,
)
from curator.services import admin as admin_service
from curator.services import decisions as decisions_service
from curator.services import gold
from curator.services import users as users_service
from curator.store import Store
from curator.store import examples as examples_repo
from tests.conftest import make_user
from tests.helpers import add_examples, conversation, conversation_texts

GOOD = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]}
UPLOAD = (json.dumps(GOOD) + "\n" + "{not json\n" + json.dumps(GOOD) + "\n").encode()


def _approve_all(store: Store, exs: list[Example]) -> None:
    from curator.store import users as users_repo

    with store.read() as conn:
        try:
            ana = users_repo.get_by_name(conn, "ana")
        except NotFoundError:
            ana = None
    ana = ana or make_user(store, "ana")
    for ex in exs:
        decisions_service.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict=Verdict.APPROVE))


# --- admin service ------------------------------------------------------------------------------


def test_admin_manages_users_and_a_reviewer_cannot(sqlite_store: Store) -> None:
    store = sqlite_store
    root = make_user(store, "root", UserRole.ADMIN)
    ana = make_user(store, "ana")
    bo = admin_service.add_user(store, root, "bo", "lead", "long-enough-pw")
    assert (bo.name, bo.role) == ("bo", UserRole.LEAD)
    assert users_service.authenticate(store, "bo", "long-enough-pw") is not None
    admin_service.change_user(store, root, "bo", role="reviewer", password="another-password")
    assert users_service.authenticate(store, "bo", "long-enough-pw") is None
    assert users_service.authenticate(store, "bo", "another-password").role == UserRole.REVIEWER
    off = admin_service.change_user(store, root, "bo", active=False)
    assert off.active is False and users_service.authenticate(store, "bo", "another-password") is None
    with pytest.raises(PermissionDeniedError):
        admin_service.add_user(store, ana, "eve", "admin", "long-enough-pw")
    with pytest.raises(PermissionDeniedError):
        admin_service.change_user(store, ana, "ana", role="admin")
    with pytest.raises(PermissionDeniedError, match="yourself"):
        admin_service.change_user(store, root, "root", active=False)
    with pytest.raises(ConflictError):
        admin_service.add_user(store, root, "bo", "lead", "long-enough-pw")
    with pytest.raises(InvalidInputError, match="too short"):
        admin_service.add_user(store, root, "cy", "lead", "short")


def test_upload_imports_under_the_original_name_and_lists_problems(sqlite_store: Store) -> None:
    store = sqlite_store
    root = make_user(store, "root", UserRole.ADMIN)
    result = admin_service.import_upload(store, root, "../../etc/support chats.jsonl", UPLOAD)
    s = result.summary
    assert (s.source, s.path, s.records, s.examples, s.duplicates, s.problems) == ("support chats.jsonl", "support chats.jsonl", 3, 1, 1, 1)
    assert [(p.source, p.line) for p in result.problems] == [("support chats.jsonl", 2)]
    with pytest.raises(PermissionDeniedError):
        admin_service.import_upload(store, make_user(store, "ana"), "x.jsonl", UPLOAD)


@pytest.mark.parametrize("name", ["", ".", "..", "dir/", ".hidden"])
def test_upload_refuses_names_that_are_not_plain_files(name: str) -> None:
    with pytest.raises(InvalidInputError):
        admin_service.safe_file_name(name)


def test_export_zip_offers_every_exported_file(sqlite_store: Store, tmp_path: Path) -> None:
    store = sqlite_store
    root = make_user(store, "root", UserRole.ADMIN)
    with pytest.raises(PermissionDeniedError):
        admin_service.export_zip(store, make_user(store, "ana"))
    _approve_all(store, add_examples(store, 10))
    bundle = admin_service.export_zip(store, root, formats=["openai", "sharegpt"], test_size=2, seed=1)
    names = zipfile.ZipFile(io.BytesIO(bundle.zip_bytes)).namelist()
    assert names == bundle.files
    assert {"manifest.json", "openai/train.jsonl", "openai/test.jsonl", "sharegpt/train.jsonl", "sharegpt/test.jsonl"} <= set(names)
    test_lines = zipfile.ZipFile(io.BytesIO(bundle.zip_bytes)).read("openai/test.jsonl").decode().splitlines()
    assert len(test_lines) == 2
    again = admin_service.export_zip(store, root, formats=["openai", "sharegpt"], test_size=2, seed=1)
    assert again.zip_bytes == bundle.zip_bytes  # same database and seed, same bytes


# --- pages (AppTest) ------------------------------------------------------------------------------


def _page_script(page: str) -> None:
    import importlib

    importlib.import_module(f"curator.app.views.{page}").render()


def _upload_script(name: str, data: bytes) -> None:
    from curator.app import deps
    from curator.app.views import admin

    admin.handle_upload(deps.get_store(), deps.require_role(admin.MIN_ROLE), name, data, format="auto", source="")


@pytest.fixture
def app_store(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The store the app opens through $CURATOR_DB, with one user of each role."""
    monkeypatch.setenv("CURATOR_DB", sqlite_url)
    store = Store(sqlite_url)
    for name, role in [("root", UserRole.ADMIN), ("lea", UserRole.LEAD), ("ana", UserRole.REVIEWER), ("bo", UserRole.REVIEWER)]:
        make_user(store, name, role)
    return store


def _app(store: Store, page: str, user: str, *, script=_page_script, args: tuple = ()) -> AppTest:
    """AppTest of one page, signed in as ``user`` through a real session row."""
    from curator.app import state
    from curator.services import auth
    from curator.store import users as users_repo

    with store.read() as conn:
        who = users_repo.get_by_name(conn, user)
    at = AppTest.from_function(script, args=args or (page,), default_timeout=30)
    at.session_state[state.TOKEN] = auth.create_session(store, who)
    return at.run()


def _user(store: Store, name: str):
    from curator.store import users as users_repo

    with store.read() as conn:
        return users_repo.get_by_name(conn, name)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_browse_paginates_filters_and_opens_an_example_with_its_history(app_store: Store) -> None:
    exs = add_examples(app_store, 120)
    decisions_service.record(app_store, _user(app_store, "ana"), Decision(example_id=exs[3].id, reviewer="ana", verdict=Verdict.APPROVE))
    decisions_service.record(app_store, _user(app_store, "bo"), Decision(example_id=exs[3].id, reviewer="bo", verdict=Verdict.REJECT, rules=["R2"], note="off-topic"))
    at = _app(app_store, "browse", "lea")  # a lead sees every decision (reviewers: test_blind_review)
    _ok(at)
    assert list(at.dataframe[0].value["id"]) == [e.id for e in exs[:50]]
    at.number_input(key="browse_page").set_value(2).run()
    assert list(at.dataframe[0].value["id"]) == [e.id for e in exs[50:100]]
    at.number_input(key="browse_page").set_value(1)
    at.text_input(key="browse_text").set_value("invoice 117?").run()
    assert list(at.dataframe[0].value["id"]) == [exs[117].id]
    at.text_input(key="browse_text").set_value("")
    at.multiselect(key="browse_outcomes").set_value(["conflict"]).run()
    assert list(at.dataframe[0].value["id"]) == [exs[3].id]
    at.text_input(key="browse_open_id").set_value(exs[3].id).run()
    _ok(at)
    history = at.dataframe[1].value
    assert list(zip(history["reviewer"], history["verdict"], history["rules"], history["note"])) == [
        ("ana", "approve", "", ""), ("bo", "reject", "R2", "off-topic"),
    ]
    assert "Question number 3: how do I export invoice 3?" in conversation_texts(at)


def test_browse_shows_conversation_text_as_plain_text(app_store: Store) -> None:
    hostile = "<img src=x onerror=alert(1)> ![t](http://tracker.example/p.png) [click](javascript:alert(1))"
    ex = Example.create(conversation(1, reply=hostile), source=Source(name="s"))
    with app_store.write() as conn:
        examples_repo.insert_many(conn, [ex])
    at = _app(app_store, "browse", "ana")
    at.text_input(key="browse_open_id").set_value(ex.id).run()
    _ok(at)
    assert hostile in conversation_texts(at)  # verbatim: the renderer makes text nodes of it
    assert not any("tracker.example" in m.value for m in at.markdown)


def test_browse_refuses_a_visitor_who_is_not_signed_in(app_store: Store) -> None:
    at = AppTest.from_function(_page_script, args=("browse",), default_timeout=30).run()
    assert [w.value for w in at.warning] == ["Sign in to use this page."]
    assert not at.dataframe


def test_dashboard_draws_charts_from_the_service_numbers(app_store: Store) -> None:
    exs = add_examples(app_store, 6)
    lead = _user(app_store, "lea")
    decisions_service.set_overlap(app_store, lead, 2)
    for name, verdict in [("ana", Verdict.APPROVE), ("bo", Verdict.APPROVE)]:
        decisions_service.record(app_store, _user(app_store, name), Decision(example_id=exs[0].id, reviewer=name, verdict=verdict))
    decisions_service.record(app_store, _user(app_store, "ana"), Decision(example_id=exs[1].id, reviewer="ana", verdict=Verdict.NEGATIVE))
    decisions_service.record(app_store, _user(app_store, "bo"), Decision(example_id=exs[1].id, reviewer="bo", verdict=Verdict.REJECT))
    at = _app(app_store, "dashboard", "lea")  # a lead sees the conflict too (reviewers: test_blind_review)
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Examples"] == "6"
    assert metrics["Settled"] == "1"
    assert metrics["Approved : negative"] == "1 : 0"
    assert metrics["Percent agreement"] == "50.0%"
    assert metrics["Examples with ≥ 2 decisions"] == "2"
    assert len(at.get("vega_lite_chart")) == 5  # outcomes, verdicts, tokens, throughput, pairs


def test_lead_adjudicates_a_conflict_seeing_every_decision(app_store: Store) -> None:
    exs = add_examples(app_store, 3)
    decisions_service.set_overlap(app_store, _user(app_store, "lea"), 2)
    decisions_service.record(app_store, _user(app_store, "ana"), Decision(example_id=exs[1].id, reviewer="ana", verdict=Verdict.APPROVE, note="looks right"))
    negative = Decision(example_id=exs[1].id, reviewer="bo", verdict=Verdict.NEGATIVE, correction=Correction(reply="Ask for the invoice number first."))
    decisions_service.record(app_store, _user(app_store, "bo"), negative)
    at = _app(app_store, "lead", "lea")
    _ok(at)
    assert at.selectbox(key="lead_conflict_pick").value == exs[1].id
    texts = [t.value for t in at.text]
    assert "looks right" in texts and "Ask for the invoice number first." in texts
    assert conversation_texts(at).count("Question number 1: how do I export invoice 1?") == 1  # conversation shown once
    at.radio(key="lead_adj_verdict").set_value("negative")
    at.text_area(key="lead_adj_reply").set_value("Ask which invoice they mean.")
    at.text_input(key="lead_adj_note").set_value("bo is right")
    at.button(key="lead_adj_submit").click().run()
    _ok(at)
    with app_store.read() as conn:
        assert examples_repo.get_row(conn, exs[1].id)["outcome"] == "negative"
    last = decisions_service.history(app_store, exs[1].id)[-1]
    assert (last.kind, last.reviewer, last.note, last.correction.reply.text) == (DecisionKind.ADJUDICATION, "lea", "bo is right", "Ask which invoice they mean.")
    assert "No conflicts" in at.success[0].value


def test_lead_applies_a_representatives_decision_to_its_cluster_and_undoes_it(app_store: Store) -> None:
    from curator.services import cluster_decisions
    from curator.store import cluster_store

    exs = add_examples(app_store, 4)
    with app_store.write() as conn:
        cluster_store.replace_clusters(conn, [{"example_id": e.id, "cluster_id": "c", "kind": "near", "similarity": 0.9,
                                                "is_representative": i == 0} for i, e in enumerate(exs)])
    decision_id, _ = decisions_service.record(app_store, _user(app_store, "ana"), Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.REJECT, rules=["R2"]))
    decisions_service.record(app_store, _user(app_store, "bo"), Decision(example_id=exs[3].id, reviewer="bo", verdict=Verdict.APPROVE))
    at = _app(app_store, "lead", "lea")
    at.text_input(key="lead_cluster_rep").set_value(exs[0].id).run()
    _ok(at)
    assert at.radio(key="lead_cluster_decision").value == decision_id
    assert any("already decided by bo" in w.value and "approve" in w.value for w in at.warning)  # a lead is told who
    members = [d for d in map(json.loads, (e.proto.json for e in at.get("bidi_component"))) if d.get("mode") == "members"]
    assert {m["example_id"] for m in members[0]["members"] if m["status"] == "open"} == {exs[1].id, exs[2].id}
    at.button(key="lead_cluster_apply").click().run()
    _ok(at)
    for e in exs[1:3]:
        (copy,) = decisions_service.history(app_store, e.id)
        assert (copy.reviewer, copy.verdict, copy.via_cluster) == ("lea", Verdict.REJECT, decision_id)
    assert decisions_service.history(app_store, exs[3].id)[-1].reviewer == "bo"
    (shown,) = cluster_decisions.propagations(app_store, _user(app_store, "lea"))
    assert shown.standing == 2
    at.button(key="lead_propagation_undo").click().run()
    _ok(at)
    assert cluster_decisions.propagations(app_store, _user(app_store, "lea")) == []
    with app_store.read() as conn:
        assert [examples_repo.get_row(conn, e.id)["outcome"] for e in exs] == ["reject", "pending", "pending", "approve"]


def test_lead_changes_overlap_marks_gold_and_reopens_stale_examples(app_store: Store) -> None:
    exs = add_examples(app_store, 2)
    decisions_service.record(app_store, _user(app_store, "ana"), Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE))
    at = _app(app_store, "lead", "lea")
    at.number_input(key="lead_overlap").set_value(3).run()  # the button is enabled once the value changes
    at.button(key="lead_overlap_save").click().run()
    _ok(at)
    assert decisions_service.get_overlap(app_store) == 3
    with app_store.read() as conn:  # settled again under the new overlap
        assert examples_repo.get_row(conn, exs[0].id)["outcome"] == "pending"
    at.text_input(key="lead_gold_id").set_value(exs[1].id)
    at.radio(key="lead_gold_verdict").set_value("reject")
    at.button(key="lead_gold_submit").click().run()
    _ok(at)
    assert gold.gold_answers(app_store) == {exs[1].id: "reject"}
    at.text_area(key="lead_stale_ids").set_value(f"{exs[0].id}\nmissing-id").run()
    at.button(key="lead_stale_reopen").click().run()
    assert [s.value for s in at.success][-1] == "1 examples sent back to the queue"
    assert "missing-id" in [t.value for t in at.text]
    assert decisions_service.history(app_store, exs[0].id)[-1].kind == DecisionKind.REOPEN


@pytest.mark.parametrize(("page", "user", "needs"), [("lead", "ana", "lead"), ("admin", "lea", "admin"), ("admin", "ana", "admin")])
def test_pages_refuse_a_lower_role(app_store: Store, page: str, user: str, needs: str) -> None:
    at = _app(app_store, page, user)
    assert len(at.error) == 1 and f"needs a {needs} or above" in at.error[0].value
    assert not at.tabs and not at.button


def test_admin_adds_changes_and_deactivates_users(app_store: Store) -> None:
    at = _app(app_store, "admin", "root")
    _ok(at)
    assert list(at.dataframe[0].value["name"]) == ["ana", "bo", "lea", "root"]
    at.text_input(key="admin_new_name").set_value("cy")
    at.selectbox(key="admin_new_role").set_value("lead")
    at.text_input(key="admin_new_password").set_value("cy-password-1")
    at.button(key="admin_add_submit").click().run()
    _ok(at)
    assert users_service.authenticate(app_store, "cy", "cy-password-1").role == UserRole.LEAD
    at.selectbox(key="admin_edit_name").set_value("bo")
    at.selectbox(key="admin_edit_role").set_value("lead")
    at.radio(key="admin_edit_active").set_value("deactivated")
    at.button(key="admin_edit_submit").click().run()
    _ok(at)
    bo = {u.name: u for u in users_service.list_users(app_store)}["bo"]
    assert (bo.role, bo.active) == (UserRole.LEAD, False)
    at.selectbox(key="admin_edit_name").set_value("root")
    at.radio(key="admin_edit_active").set_value("deactivated")
    at.button(key="admin_edit_submit").click().run()
    assert plain("cannot demote or deactivate yourself") in at.error[0].value


def test_admin_upload_imports_the_file_and_shows_its_problems(app_store: Store) -> None:
    at = _app(app_store, "admin", "root")
    at.file_uploader(key="admin_upload_file").set_value(("chats.jsonl", UPLOAD, "application/jsonl"))
    at.run()
    at.button(key="admin_upload_go").click().run()
    _ok(at)
    assert at.success[0].value.startswith(plain("chats.jsonl: 3 records → 1 new examples, 1 duplicates, 1 problems"))
    problems = at.dataframe[-1].value
    assert list(problems["line"]) == [2]
    with app_store.read() as conn:
        assert examples_repo.count(conn) == 1


def test_admin_upload_handler_reports_an_unreadable_file(app_store: Store) -> None:
    at = _app(app_store, "admin", "root", script=_upload_script, args=("notes.txt", b"\x00\x01 not data"))
    assert not at.exception
    assert len(at.error) == 1


def test_admin_export_offers_a_download(app_store: Store) -> None:
    at = _app(app_store, "admin", "root")
    _ok(at)
    _approve_all(app_store, add_examples(app_store, 10))
    at.button(key="admin_export_go").click().run()
    _ok(at)
    assert at.download_button(key="admin_export_download").label == "Download export (zip)"
