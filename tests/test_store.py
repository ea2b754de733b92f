"""The store on SQLite and PostgreSQL: migrations, idempotent inserts, pages in SQL."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from curator.models import Example, Problem, Source, utcnow
from curator.store import Store, migrate, schema
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.store.examples import ExampleFilter
from tests.helpers import add_examples, make_examples


def test_fresh_store_is_at_head(store: Store) -> None:
    assert migrate.current_revision(store.engine) == migrate.head_revision()


@pytest.mark.parametrize("blank_db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_upgrade_from_first_revision_keeps_data(blank_db_url: str) -> None:
    db_url = blank_db_url
    engine = Store(db_url, upgrade=False).engine
    migrate.upgrade(engine, "0001")
    ex = make_examples(1)[0]
    with engine.begin() as conn:
        row = {**examples_repo.example_rows([ex]).rows[0], "created_at": utcnow()}
        row.pop("tokens_encoding")  # 0010's column
        conn.execute(schema.examples.insert(), [row])
    assert migrate.current_revision(engine) == "0001"
    upgraded = Store(db_url)  # opening upgrades to head
    assert migrate.current_revision(upgraded.engine) == migrate.head_revision()
    with upgraded.read() as conn:
        assert examples_repo.get(conn, ex.id).messages == ex.messages
        tables = set(sa.inspect(conn).get_table_names())
    assert {"sessions", "claims", "flags", "clusters"} <= tables
    upgraded.close()
    engine.dispose()


def test_insert_many_reports_duplicates_and_keeps_every_place(store: Store) -> None:
    a, b = make_examples(2)
    again = Example.create(a.messages, source=Source(name="other.jsonl", line=9))
    with store.write() as conn:
        assert examples_repo.insert_many(conn, [a, b, a]) == [True, True, False]
        assert examples_repo.insert_many(conn, [again]) == [False]
    with store.read() as conn:
        assert examples_repo.count(conn) == 2
        assert examples_repo.find_by_place(conn, "other.jsonl", 9) == [a.id]
        assert [p["source_name"] for p in examples_repo.places(conn, a.id)] == ["test.jsonl", "other.jsonl"]


def test_example_round_trips_through_the_database(store: Store) -> None:
    ex = Example.create(
        [
            {"role": "user", "content": "Look up invoice 7 ✓"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_invoice", "arguments": "{\"id\": 7}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"paid\"}"},
            {"role": "assistant", "content": "Invoice 7 is paid.", "weight": 1},
        ],
        tools=[{"type": "function", "function": {"name": "lookup_invoice", "parameters": {"type": "object"}}}],
        rejected={"role": "assistant", "content": "No idea."},
        source=Source(name="s", file="s.jsonl", line=3, format="openai"),
        metadata={"category": "billing"},
        tokens=55,
        warnings=["no_system_message"],
    )
    with store.write() as conn:
        examples_repo.insert_many(conn, [ex])
    with store.read() as conn:
        assert examples_repo.get(conn, ex.id) == ex


def test_page_filters_and_paginates_in_sql(store: Store) -> None:
    add_examples(store, 120, source="a.jsonl")
    add_examples(store, 30, source="b.jsonl", start=500)
    with store.read() as conn:
        first = examples_repo.page(conn, ExampleFilter(sources=["a.jsonl"]), limit=50)
        second = examples_repo.page(conn, ExampleFilter(sources=["a.jsonl"]), offset=50, limit=50)
        assert len(first) == 50 and len(second) == 50
        assert first[-1]["seq"] < second[0]["seq"]
        assert "messages" not in first[0]
        assert examples_repo.count(conn, ExampleFilter(sources=["b.jsonl"])) == 30
        assert examples_repo.count(conn, ExampleFilter(text="invoice 507?")) == 1
        assert examples_repo.count(conn, ExampleFilter(text="100%")) == 0
        assert examples_repo.count(conn, ExampleFilter(outcomes=["pending"])) == 150


def test_iter_examples_streams_in_import_order(store: Store) -> None:
    exs = add_examples(store, 25)
    with store.read() as conn:
        assert [e.id for e in examples_repo.iter_examples(conn, batch=7)] == [e.id for e in exs]


def test_problems_are_kept_once_per_place(store: Store) -> None:
    p = Problem(source="f.jsonl", file="f.jsonl", line=4, code="invalid_json", message="not JSON", raw="{oops")
    with store.write() as conn:
        imports_repo.add_problems(conn, [p, p])
        imports_repo.add_problems(conn, [p])
    with store.read() as conn:
        assert imports_repo.list_problems(conn) == [p]


def test_a_new_sqlite_database_and_its_wal_files_are_private_to_their_owner(tmp_path) -> None:
    """It holds password hashes and the cookie-signing key: 0600, whatever the umask says."""
    import os
    import stat

    from curator.services import auth

    old = os.umask(0o022)
    try:
        store = Store(f"sqlite:///{tmp_path / 'curator.db'}")
        auth.cookie_secret(store)  # a write: the -wal and -shm files exist from here on
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        store.close()
    finally:
        os.umask(old)
    assert modes == {"curator.db": 0o600, "curator.db-wal": 0o600, "curator.db-shm": 0o600}


def test_an_existing_sqlite_file_keeps_its_permissions(tmp_path) -> None:
    """curator never changes what it did not create (a team may share a file by group)."""
    import os
    import stat

    path = tmp_path / "shared.db"
    path.touch()
    os.chmod(path, 0o660)
    Store(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o660


@pytest.mark.postgres
def test_a_pooled_connection_the_server_closed_while_idle_is_replaced_not_used(pg_url: str, monkeypatch) -> None:
    """A connection killed server-side (a restart, an idle timeout) is found on checkout after idling."""
    from curator.store import engine as engine_module

    monkeypatch.setattr(engine_module, "PING_AFTER", 0.2)
    store = Store(pg_url)
    try:
        with store.read() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as a:
            assert a.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar()
        admin.dispose()
        time.sleep(0.3)
        with store.read() as conn:  # the dead connection is pinged, dropped and replaced
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    finally:
        store.close()


@pytest.mark.postgres
def test_a_connection_in_use_a_moment_ago_is_not_pinged_again(pg_url: str) -> None:
    """Checking every checkout cost a round trip per transaction; a hot connection goes straight to work."""
    store = Store(pg_url)
    try:
        with store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        pings: list[int] = []
        original = store.engine.dialect.do_ping
        store.engine.dialect.do_ping = lambda c: pings.append(1) or original(c)  # type: ignore[method-assign]
        for _ in range(5):
            with store.read() as conn:
                conn.exec_driver_sql("SELECT 2")
        assert pings == []
    finally:
        store.close()
