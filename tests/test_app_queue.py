"""The lead page's Queue tab and what the review page says about the queue (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from curator.app.chat import plain
from curator.models import UserRole
from curator.ordering import Strategy
from curator.services import auth, queue_order, sampling
from curator.store import Store
from helpers import add_examples
from tests.conftest import make_user
from tests.test_app_pages import _app, _ok, app_store  # noqa: F401  (fixture)

MAIN = Path(__file__).resolve().parent.parent / "curator" / "app" / "main.py"


def test_a_lead_sets_the_strategy_for_everyone_and_for_one_source(app_store: Store) -> None:  # noqa: F811
    add_examples(app_store, 5, source="a.jsonl")
    add_examples(app_store, 5, source="b.jsonl", start=10)
    at = _app(app_store, "lead", "lea")
    _ok(at)
    at.selectbox(key="lead_queue_strategy").set_value("diverse")
    at.button(key="lead_queue_set").click().run()
    _ok(at)
    assert queue_order.get(app_store).everyone.strategy == Strategy.DIVERSE
    at.selectbox(key="lead_queue_strategy").set_value("random")
    at.selectbox(key="lead_queue_scope").set_value("b.jsonl")
    at.number_input(key="lead_queue_seed").set_value(4)
    at.button(key="lead_queue_set").click().run()
    _ok(at)
    s = queue_order.get(app_store)
    assert s.everyone.strategy == Strategy.DIVERSE and s.sources["b.jsonl"] == queue_order.Choice(Strategy.RANDOM, 4)
    table = at.dataframe[0].value  # the first table of the page: conflicts have none, gold none yet
    assert list(table["for"]) == ["everyone", "b.jsonl"]
    assert table["strategy"][1] == "random (seed 4): a seeded random order"
    at.selectbox(key="lead_queue_default_pick").set_value("b.jsonl").run()  # enables the button
    at.button(key="lead_queue_default").click().run()
    _ok(at)
    assert queue_order.get(app_store).sources == {}


def test_a_reviewer_cannot_open_the_queue_tab(app_store: Store) -> None:  # noqa: F811
    at = _app(app_store, "lead", "ana")
    assert not [b for b in at.button if b.key == "lead_queue_set"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    monkeypatch.setenv("CURATOR_DB", url)
    return Store(url)


def review(store: Store, name: str) -> AppTest:
    with store.read() as conn:
        from curator.store import users as users_repo

        user = users_repo.get_by_name(conn, name)
    at = AppTest.from_string(MAIN.read_text(encoding="utf-8"), default_timeout=30)
    at.session_state["curator.session_token"] = auth.create_session(store, user)
    return at.run()


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_the_review_page_says_which_strategy_serves_the_reviewer(db: Store) -> None:
    add_examples(db, 6)
    lead, _ = make_user(db, "lea", UserRole.LEAD), make_user(db, "ana")
    at = review(db, "ana")
    assert not at.exception
    assert plain("Queue order: fixed: import order") in captions(at)
    queue_order.set_strategy(db, lead, "random", seed=2)
    at.run()
    assert plain("Queue order: random (seed 2): a seeded random order") in captions(at)
    batch = sampling.draw_sample(db, lead, 6, seed=1)  # everything sampled: whatever comes next is sampled
    assert batch.size == 6
    at.run()
    assert any("this example is in a quality sample, served first" in c for c in captions(at))
