"""Blind review: with overlap 2, a reviewer sees others' decisions only once an example is settled.

Service level on both databases, then every page a reviewer can open (AppTest). Leads and
admins see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import make_user
from curator.errors import PermissionDeniedError
from curator.models import Correction, Decision, Example, User, UserRole, Verdict
from curator.services import auth, gold
from curator.services import dashboard as dash
from curator.services import decisions as decisions_service
from curator.services.browse import browse, example_detail, history_rows, make_filter, outcome_choices
from curator.store import Store
from helpers import add_examples

SECRET_NOTE = "bo-private-note"  # bo's note on an example ana has still to decide
CONFLICT_NOTE = "bo-conflict-note"  # bo's note where he disagrees with ana
SETTLED_NOTE = "bo-settled-note"  # bo's note on an example both approved (settled)
SECRET_REPLY = "bo-private-desired-reply"


@dataclass
class Scene:
    store: Store
    exs: list[Example]
    lea: User
    ana: User
    bo: User


def _decide(store: Store, user: User, ex: Example, verdict: Verdict, **kw) -> None:
    decisions_service.record(store, user, Decision(example_id=ex.id, reviewer=user.name, verdict=verdict, **kw))


def _scene(store: Store) -> Scene:
    """Overlap 2. ex0: only bo decided (reject, with a note). ex1: ana approved, bo marked it
    negative (a conflict). ex2: both approved (settled). ex3: gold, undecided. ex4: untouched."""
    exs = add_examples(store, 5)
    lea = make_user(store, "lea", UserRole.LEAD)
    ana, bo = make_user(store, "ana"), make_user(store, "bo")
    decisions_service.set_overlap(store, lea, 2)
    _decide(store, bo, exs[0], Verdict.REJECT, rules=["R2"], note=SECRET_NOTE)
    _decide(store, ana, exs[1], Verdict.APPROVE)
    _decide(store, bo, exs[1], Verdict.NEGATIVE, note=CONFLICT_NOTE, correction=Correction(reply=SECRET_REPLY))
    _decide(store, ana, exs[2], Verdict.APPROVE)
    _decide(store, bo, exs[2], Verdict.APPROVE, note=SETTLED_NOTE)
    gold.mark_gold(store, lea, exs[3].id, Verdict.REJECT, note="gold answer")
    return Scene(store, exs, lea, ana, bo)


@pytest.fixture
def scene(store: Store) -> Scene:
    return _scene(store)


# --- services --------------------------------------------------------------------------------


def _ids(s: Scene, viewer: User, **kw) -> list[str]:
    return [r["id"] for r in browse(s.store, viewer, make_filter(**kw)).rows]


def test_browse_rows_reveal_no_unsettled_decision_to_a_reviewer(scene: Scene) -> None:
    s = scene
    rows = {r["id"]: r for r in browse(s.store, s.ana).rows}
    for ex in s.exs[:2]:  # bo alone; ana and bo disagreeing
        assert (rows[ex.id]["outcome"], rows[ex.id]["n_decisions"], rows[ex.id]["decided_at"]) == ("pending", None, None)
    assert (rows[s.exs[2].id]["outcome"], rows[s.exs[2].id]["n_decisions"]) == ("approve", 2)
    lead_rows = {r["id"]: r for r in browse(s.store, s.lea).rows}
    assert (lead_rows[s.exs[0].id]["n_decisions"], lead_rows[s.exs[1].id]["outcome"]) == (1, "conflict")


def test_filters_by_reviewer_and_verdict_match_only_settled_or_own_decisions(scene: Scene) -> None:
    s = scene
    e = [x.id for x in s.exs]
    assert _ids(s, s.ana, reviewer="bo") == [e[2]]
    assert _ids(s, s.ana, verdict="reject") == []  # bo's reject of ex0 stays hidden
    assert _ids(s, s.ana, verdict="negative") == []  # and his negative on the conflict
    assert _ids(s, s.ana, verdict="approve") == [e[1], e[2]]  # her own approve of ex1 counts
    assert _ids(s, s.ana, reviewer="ana") == [e[1], e[2]]
    assert _ids(s, s.ana, reviewer="bo", verdict="negative") == []
    assert browse(s.store, s.ana, make_filter(reviewer="bo")).total == 1
    # A lead sees every decision.
    assert _ids(s, s.lea, reviewer="bo") == e[:3]
    assert _ids(s, s.lea, verdict="reject") == [e[0]]
    assert _ids(s, s.lea, verdict="negative") == [e[1]]


def test_a_reviewer_sees_conflicts_as_pending_and_cannot_list_them(scene: Scene) -> None:
    s = scene
    e = [x.id for x in s.exs]
    assert "conflict" not in outcome_choices(s.ana) and "conflict" in outcome_choices(s.lea)
    assert _ids(s, s.ana, outcomes=["pending"]) == [e[0], e[1], e[3], e[4]]
    with pytest.raises(PermissionDeniedError):
        browse(s.store, s.ana, make_filter(outcomes=["conflict"]))
    assert _ids(s, s.lea, outcomes=["conflict"]) == [e[1]]
    assert _ids(s, s.lea, outcomes=["pending"]) == [e[0], e[3], e[4]]


def test_the_detail_of_an_unsettled_example_shows_a_reviewer_only_her_own_decisions(scene: Scene) -> None:
    s = scene
    d0 = example_detail(s.store, s.ana, s.exs[0].id)
    assert (d0.history, d0.live, d0.n_decisions, d0.decided_at, d0.outcome.value, d0.blind) == ([], [], 0, None, "pending", True)
    d1 = example_detail(s.store, s.ana, s.exs[1].id)
    assert [(d.reviewer, d.verdict.value) for d in d1.history] == [("ana", "approve")]
    assert (d1.n_decisions, d1.outcome.value, d1.blind) == (1, "pending", True)
    shown = str(history_rows(d1))
    assert CONFLICT_NOTE not in shown and SECRET_REPLY not in shown and "bo" not in shown
    d3 = example_detail(s.store, s.ana, s.exs[3].id)
    assert d3.gold is None  # the gold answer is a decision too
    settled = example_detail(s.store, s.ana, s.exs[2].id)
    assert [d.reviewer for d in settled.history] == ["ana", "bo"] and settled.blind is False
    assert SETTLED_NOTE in str(history_rows(settled))


def test_a_lead_sees_every_decision_and_the_gold_answer(scene: Scene) -> None:
    s = scene
    d0 = example_detail(s.store, s.lea, s.exs[0].id)
    assert [d.note for d in d0.history] == [SECRET_NOTE] and d0.blind is False
    d1 = example_detail(s.store, s.lea, s.exs[1].id)
    assert d1.outcome.value == "conflict" and d1.n_decisions == 2
    assert example_detail(s.store, s.lea, s.exs[3].id).gold["verdict"] == "reject"


def test_once_settled_the_reviewer_sees_the_other_decision(scene: Scene) -> None:
    s = scene
    _decide(s.store, s.ana, s.exs[0], Verdict.REJECT)  # agrees with bo: settled
    d0 = example_detail(s.store, s.ana, s.exs[0].id)
    assert [d.note for d in d0.history if d.reviewer == "bo"] == [SECRET_NOTE]
    assert _ids(s, s.ana, reviewer="bo") == [s.exs[0].id, s.exs[2].id]


def test_dashboard_figures_for_a_reviewer_take_in_settled_examples_only(scene: Scene) -> None:
    s = scene
    outcomes = dash.outcome_counts(s.store, s.ana)
    assert outcomes == {"pending": 4, "approve": 1, "negative": 0, "reject": 0}  # the conflict is pending
    # Her own two approvals, and bo's approval of the settled example.
    assert dash.verdict_counts(s.store, s.ana) == {"approve": 3, "negative": 0, "reject": 0}
    a = dash.agreement(s.store, s.ana)
    assert (a.n_items, a.percent) == (1, 1.0)
    full = dash.dashboard(s.store, s.lea)
    assert full.outcomes == {"pending": 3, "approve": 1, "negative": 0, "reject": 0, "conflict": 1}
    assert full.verdicts == {"approve": 3, "negative": 1, "reject": 1}
    assert (full.agreement.n_items, full.agreement.percent) == (2, 0.5)
    mine = dash.dashboard(s.store, s.ana)
    assert (mine.outcomes, mine.verdicts, mine.agreement.n_items) == (outcomes, dash.verdict_counts(s.store, s.ana), 1)


def test_browse_and_dashboard_services_need_a_signed_in_reviewer(scene: Scene) -> None:
    s = scene
    inactive = User(id=s.ana.id, name="ana", role=UserRole.REVIEWER, active=False)
    for call in (lambda: browse(s.store, inactive), lambda: example_detail(s.store, inactive, s.exs[0].id),
                 lambda: dash.dashboard(s.store, inactive), lambda: dash.outcome_counts(s.store, inactive)):
        with pytest.raises(PermissionDeniedError):
            call()


# --- pages (AppTest) -------------------------------------------------------------------------

MAIN = Path(__file__).resolve().parent.parent / "curator" / "app" / "main.py"


@pytest.fixture
def app_scene(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("CURATOR_DB", sqlite_url)
    return _scene(Store(sqlite_url))


def _page_script(page: str) -> None:
    import importlib

    importlib.import_module(f"curator.app.views.{page}").render()


def _page(s: Scene, page: str, user: User) -> AppTest:
    at = AppTest.from_function(_page_script, args=(page,), default_timeout=30)
    at.session_state["curator.session_token"] = auth.create_session(s.store, user)
    return at.run()


def _everything_shown(at: AppTest) -> str:
    """Every text, caption, metric, table cell, chart spec and option the page shows."""
    assert not at.exception, [e.value for e in at.exception]
    parts: list[str] = []
    for kind in ("text", "markdown", "caption", "title", "subheader", "info", "warning", "error", "success", "code"):
        parts += [str(el.value) for el in at.get(kind)]
    parts += [f"{m.label}={m.value}" for m in at.metric]
    parts += [el.value.to_string() for el in at.dataframe]
    parts += [str(el.proto) for el in at.get("vega_lite_chart")]
    for widget in list(at.multiselect) + list(at.selectbox):
        parts += [str(o) for o in widget.options]
    parts += [e.proto.json for e in at.get("bidi_component")]  # all a component is sent (the review card)
    return "\n".join(parts)


def _open(at: AppTest, example_id: str) -> str:
    at.text_input(key="browse_open_id").set_value(example_id).run()
    return _everything_shown(at)


def test_browse_page_keeps_unsettled_decisions_from_a_reviewer(app_scene: Scene) -> None:
    s = app_scene
    at = _page(s, "browse", s.ana)
    listing = _everything_shown(at)
    assert "conflict" not in at.multiselect(key="browse_outcomes").options
    assert "conflict" not in at.dataframe[0].value["outcome"].tolist()
    shown = _open(at, s.exs[0].id)
    assert SECRET_NOTE not in shown and "R2" not in shown and "reject" not in at.dataframe[0].value["outcome"].tolist()
    assert "No decisions of yours yet." in shown and "Blind review" in shown
    shown = _open(at, s.exs[1].id)
    assert CONFLICT_NOTE not in shown and SECRET_REPLY not in shown
    assert at.dataframe[1].value["reviewer"].tolist() == ["ana"]
    shown = _open(at, s.exs[3].id)
    assert "gold" not in shown.lower()
    assert SETTLED_NOTE in _open(at, s.exs[2].id)  # settled: bo's decision is shown
    at.text_input(key="browse_open_id").set_value("")
    at.text_input(key="browse_reviewer").set_value("bo").run()
    assert at.dataframe[0].value["id"].tolist() == [s.exs[2].id]
    at.text_input(key="browse_reviewer").set_value("")
    at.selectbox(key="browse_verdict").set_value("reject").run()
    assert at.dataframe[0].value["id"].tolist() == []
    assert SECRET_NOTE not in listing


def test_browse_page_shows_a_lead_everything(app_scene: Scene) -> None:
    s = app_scene
    at = _page(s, "browse", s.lea)
    assert "conflict" in at.multiselect(key="browse_outcomes").options
    assert SECRET_NOTE in _open(at, s.exs[0].id)
    assert "Gold example: known verdict reject" in _open(at, s.exs[3].id)


def test_dashboard_page_shows_a_reviewer_no_unsettled_decision(app_scene: Scene) -> None:
    s = app_scene
    at = _page(s, "dashboard", s.ana)
    shown = _everything_shown(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Examples with ≥ 2 decisions"] == "1"
    assert metrics["Percent agreement"] == "100.0%"
    assert b"conflict" not in _chart_data(at, 0) and b"pending" in _chart_data(at, 0)  # the outcomes chart
    assert SECRET_NOTE not in shown
    lead_at = _page(s, "dashboard", s.lea)
    lead = {m.label: m.value for m in lead_at.metric}
    assert (lead["Examples with ≥ 2 decisions"], lead["Percent agreement"]) == ("2", "50.0%")
    assert b"conflict" in _chart_data(lead_at, 0)


def _chart_data(at: AppTest, index: int) -> bytes:
    """The bytes of the data behind one chart (Arrow; its strings appear as they are)."""
    return b"".join(d.data.data for d in at.get("vega_lite_chart")[index].proto.datasets)


def test_review_page_shows_a_reviewer_no_other_decision(app_scene: Scene) -> None:
    s = app_scene
    at = AppTest.from_string(MAIN.read_text(encoding="utf-8"), default_timeout=30)
    at.session_state["curator.session_token"] = auth.create_session(s.store, s.ana)
    at.run()
    shown = _everything_shown(at)
    assert "Question number" in shown  # she is reviewing an example (bo's, or the gold one)
    for secret in (SECRET_NOTE, CONFLICT_NOTE, SECRET_REPLY, "gold answer"):
        assert secret not in shown
