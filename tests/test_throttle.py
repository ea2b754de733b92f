"""The sign-in throttle: stored in the database, per user name and per client address."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.errors import TooManyAttemptsError
from curator.models import utcnow
from curator.services import auth, throttle
from curator.store import Store
from curator.store.schema import sign_in_failures


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower free-attempt counts: argon2 is slow on purpose, and the logic is the same."""
    monkeypatch.setattr(throttle, "FREE_PER_NAME", 2)
    monkeypatch.setattr(throttle, "FREE_PER_CLIENT", 3)


def _try(store: Store, name: str, password: str, **kw) -> str:
    """'ok', 'wrong' or 'locked'."""
    try:
        return "ok" if auth.sign_in(store, name, password, **kw) is not None else "wrong"
    except TooManyAttemptsError:
        return "locked"


def test_fifty_wrong_passwords_then_the_right_one_is_refused(store: Store) -> None:
    make_user(store, "ana", password="correct-horse")
    now = utcnow()
    seen = [_try(store, "ana", f"guess-{i}", now=now) for i in range(50)]
    assert seen == ["wrong"] * throttle.FREE_PER_NAME + ["locked"] * (50 - throttle.FREE_PER_NAME)
    with pytest.raises(TooManyAttemptsError, match="try again in 1 seconds") as caught:
        auth.sign_in(store, "ana", "correct-horse", now=now)
    assert caught.value.retry_after == 1
    # Once the lock ends the right password works, and the name starts afresh.
    later = now + timedelta(seconds=1)
    assert _try(store, "ana", "correct-horse", now=later) == "ok"
    with store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sign_in_failures)) == 0


def test_each_further_failure_doubles_the_lock_up_to_a_ceiling() -> None:
    free = throttle.FREE_PER_NAME
    assert throttle.lock_for(free - 1, free) is None
    spans = [throttle.lock_for(free + i, free) for i in range(12)]
    assert spans[:4] == [timedelta(seconds=s) for s in (1, 2, 4, 8)]
    assert spans[-1] == throttle.MAX_LOCK and max(spans) == throttle.MAX_LOCK  # type: ignore[type-var]


def test_unknown_names_are_throttled_exactly_like_real_ones(store: Store, small_limits: None) -> None:
    make_user(store, "ana", password="correct-horse")
    now = utcnow()
    real = [_try(store, "ana", f"guess-{i}", now=now) for i in range(4)]
    ghost = [_try(store, "nobody", f"guess-{i}", now=now) for i in range(4)]
    assert real == ["wrong", "wrong", "locked", "locked"]
    assert real == ghost  # the throttle does not tell which names exist


def test_one_address_guessing_many_names_is_locked(store: Store, small_limits: None) -> None:
    make_user(store, "ana", password="correct-horse")
    now = utcnow()
    # A different name each time: no name reaches its limit, the address does.
    seen = [_try(store, f"user{i}", "password1", client="203.0.113.9", now=now) for i in range(throttle.FREE_PER_CLIENT + 3)]
    assert seen == ["wrong"] * throttle.FREE_PER_CLIENT + ["locked"] * 3
    assert _try(store, "ana", "correct-horse", client="203.0.113.9", now=now) == "locked"
    assert _try(store, "ana", "correct-horse", client="198.51.100.4", now=now) == "ok"  # another address


def test_successful_sign_ins_from_a_shared_address_never_lock_it(store: Store, small_limits: None) -> None:
    make_user(store, "ana", password="correct-horse")
    now = utcnow()
    for _ in range(throttle.FREE_PER_CLIENT + 2):
        assert _try(store, "ana", "correct-horse", client="192.0.2.1", now=now) == "ok"


def test_old_failures_are_forgotten(store: Store, small_limits: None) -> None:
    make_user(store, "ana", password="correct-horse")
    now = utcnow()
    for i in range(throttle.FREE_PER_NAME - 1):
        assert _try(store, "ana", f"guess-{i}", now=now) == "wrong"
    later = now + throttle.FORGET_AFTER + timedelta(seconds=1)
    assert [_try(store, "ana", f"more-{i}", now=later) for i in range(throttle.FREE_PER_NAME)] == ["wrong"] * throttle.FREE_PER_NAME


def test_the_throttle_stores_no_name_or_address_in_clear(store: Store) -> None:
    make_user(store, "ana", password="correct-horse")
    _try(store, "ana-secret-typo", "x", client="203.0.113.77")
    with store.read() as conn:
        rows = [tuple(map(str, r)) for r in conn.execute(sa.select(sign_in_failures))]
    assert len(rows) == 2
    assert not any("ana-secret-typo" in c or "203.0.113.77" in c for r in rows for c in r)


def test_parallel_guesses_each_count(db_url: str, small_limits: None) -> None:
    """Threads with their own engines (as app processes would) guess at once: the count is
    kept in the database, so no more than the free attempts get a password check."""
    stores = [Store(db_url) for _ in range(4)]
    make_user(stores[0], "ana", password="correct-horse")
    now = utcnow()
    results: list[str] = []
    lock = threading.Lock()

    def guess(s: Store, i: int) -> None:
        for j in range(2):
            r = _try(s, "ana", f"guess-{i}-{j}", now=now)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=guess, args=(s, i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sorted(results) == sorted(["wrong"] * throttle.FREE_PER_NAME + ["locked"] * (8 - throttle.FREE_PER_NAME))


def test_the_sign_in_page_says_when_to_try_again(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, small_limits: None) -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CURATOR_DB", sqlite_url)
    monkeypatch.setattr(throttle, "FIRST_LOCK", timedelta(minutes=1))  # outlasts a slow test run
    store = Store(sqlite_url)
    make_user(store, "ana", password="correct-horse")
    main = Path(__file__).resolve().parent.parent / "curator" / "app" / "main.py"
    at = AppTest.from_string(main.read_text(encoding="utf-8"), default_timeout=30).run()
    errors = []
    for password in ["guess-1", "guess-2", "correct-horse"]:
        at.text_input(key="signin_name").input("ana")
        at.text_input(key="signin_password").input(password)
        at.button[0].click().run()
        errors.append([e.value for e in at.error])
    assert errors[:2] == [["Wrong name or password."]] * 2
    assert len(errors[2]) == 1 and "too many failed sign-ins; try again in" in errors[2][0]
    assert "curator.session_token" not in at.session_state
