"""Full-text search: the trigram index on SQLite (FTS5) and PostgreSQL (pg_trgm), the search
service, `curator search`, and the index kept in step by the migration and every import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from curator.cli import main
from curator.errors import InvalidInputError, StorageError
from curator.models import Decision, Example, Source, UserRole, Verdict, utcnow
from curator.services import admin as admin_service
from curator.services import decisions as decisions_service
from curator.services.browse import browse, make_filter, search, snippet
from curator.services.demo import set_up_demo
from curator.services.importing import import_file
from curator.store import Store, contents, migrate, schema
from curator.store import examples as examples_repo
from curator.store import search as search_repo
from tests.conftest import make_user
from tests.helpers import add_examples, conversation

TEXTS = {
    "plain": "The parcel left Rotterdam on Tuesday.",
    "upper": "ZEBRA CROSSING AHEAD",
    "unicode": "Der Straßenbahnfahrer in Zürich sagte: ÉCOLE fermée.",
    "quotes": 'He said "hello" and it\'s fine; a -b OR c AND NEAR(x y) col:z ^start * (paren)',
    "wild": "Fees are 5% a_month \\ backslash",
    "nul": "before\x00after",
    "cjk": "東京の天気は晴れです",
}


def _store_texts(store: Store) -> dict[str, Example]:
    made = {k: Example.create([{"role": "user", "content": "hi"}, {"role": "assistant", "content": t}], source=Source(name=k))
            for k, t in TEXTS.items()}
    with store.write() as conn:
        examples_repo.insert_many(conn, list(made.values()))
    return made


def _ids(store: Store, text: str, **kw) -> set[str]:
    return {h["id"] for h in search(store, text, **kw).hits}


def test_hits_no_hits_case_and_unicode(store: Store) -> None:
    made = _store_texts(store)
    assert _ids(store, "rotterdam") == {made["plain"].id}  # a rare substring, any case
    assert _ids(store, "otterd") == {made["plain"].id}  # inside a word, not only whole words
    assert _ids(store, "zebra crossing") == {made["upper"].id}
    assert _ids(store, "zürich") == {made["unicode"].id}
    assert _ids(store, "ZÜRICH") == {made["unicode"].id}  # case folded beyond ASCII
    assert _ids(store, "école") == {made["unicode"].id}
    assert _ids(store, "straßen") == {made["unicode"].id}
    assert _ids(store, "天気は") == {made["cjk"].id}
    assert _ids(store, "amsterdam") == set()
    assert _ids(store, "Rotterdam Tuesday") == set()  # a phrase, not any of its words
    hit = search(store, "rotterdam").hits[0]
    assert hit["snippet"] == "hi The parcel left Rotterdam on Tuesday."  # messages on one line
    assert (hit["source_name"], hit["outcome"]) == ("plain", "pending")


@pytest.mark.parametrize("query", [
    '"hello"', 'it\'s', '-b OR c', 'AND NEAR(x y)', 'col:z', '^start', '* (paren)', '5%', 'a_m', '\\ back',
    'before\x00after',
])
def test_hostile_queries_match_only_their_literal_text(store: Store, query: str) -> None:
    made = _store_texts(store)
    want = {e.id for k, e in made.items() if query.replace("\x00", search_repo.NUL_STANDIN).lower()
            in TEXTS[k].replace("\x00", search_repo.NUL_STANDIN).lower()}
    assert want  # each query is in one of the texts
    assert _ids(store, query) == want


@pytest.mark.parametrize("query", ['"', '""', "''", '%', '_', '\\', '*', 'OR NOT', 'NOT', '"a" OR "b"', "'); DROP TABLE examples; --",
                                   '\x00', 'NEAR(', ')', '%%%', '___'])
def test_hostile_queries_that_match_nothing_are_no_error(store: Store, query: str) -> None:
    add_examples(store, 3)
    assert _ids(store, query) == set()
    with store.read() as conn:
        assert examples_repo.count(conn) == 3


def test_short_queries_scan_and_are_not_counted(store: Store) -> None:
    """Fewer than 3 characters: the trigram index cannot serve them; they still match, by a scan."""
    made = _store_texts(store)
    lead = make_user(store, "lead", UserRole.LEAD)
    assert _ids(store, "5%") == {made["wild"].id}
    assert _ids(store, "東京") == {made["cjk"].id}
    assert _ids(store, "ze") == {made["upper"].id}  # case-insensitive (ASCII) in the scan too
    short = browse(store, lead, make_filter(text="5%"))
    assert (short.total, short.total_label) == (None, "not counted (text search of fewer than 3 characters)")
    indexed = browse(store, lead, make_filter(text="rotterdam"))
    assert ([r["id"] for r in indexed.rows], indexed.total) == ([made["plain"].id], 1)  # an indexed search is counted


def test_rejected_reply_and_tool_calls_are_searched_source_and_metadata_are_not(store: Store) -> None:
    pair = Example.create([{"role": "user", "content": "Summarise"}, {"role": "assistant", "content": "A summary."}],
                          rejected={"role": "assistant", "content": "Refusing: quokka policy."},
                          source=Source(name="pairs-marmot.jsonl"), metadata={"topic": "wombat"})
    tool = Example.create([
        {"role": "user", "content": "Look it up"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_invoice", "arguments": "{\"id\": 4711}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"paid\"}"},
    ], source=Source(name="tools.jsonl"))
    with store.write() as conn:
        examples_repo.insert_many(conn, [pair, tool])
    assert _ids(store, "quokka") == {pair.id}
    assert _ids(store, "lookup_invoice") == {tool.id}
    assert _ids(store, "4711") == {tool.id}
    assert _ids(store, "marmot") == set()
    assert _ids(store, "wombat") == set()
    assert _ids(store, "role") == set()  # the JSON's keys are not text


def test_browse_filters_narrow_a_search(store: Store) -> None:
    a = add_examples(store, 5, source="a.jsonl")
    b = add_examples(store, 5, source="b.jsonl", start=100)
    ana = make_user(store, "ana")
    decisions_service.record(store, ana, Decision(example_id=a[1].id, reviewer="ana", verdict=Verdict.APPROVE))
    assert [h["id"] for h in search(store, "export invoice").hits] == [e.id for e in a + b]
    assert [h["id"] for h in search(store, "export invoice", make_filter(sources=["b.jsonl"])).hits] == [e.id for e in b]
    assert [h["id"] for h in search(store, "invoice", make_filter(outcomes=["approve"])).hits] == [a[1].id]
    assert [h["id"] for h in search(store, "invoice", make_filter(reviewer="ana")).hits] == [a[1].id]
    limited = search(store, "invoice", limit=3)
    assert ([h["id"] for h in limited.hits], limited.more) == ([e.id for e in a[:3]], True)
    assert search(store, "invoice 104").more is False


def test_a_blind_reviewer_sees_no_other_decision_in_a_search(sqlite_store: Store) -> None:
    exs = add_examples(sqlite_store, 2)
    ana, bo = make_user(sqlite_store, "ana"), make_user(sqlite_store, "bo")
    decisions_service.set_overlap(sqlite_store, make_user(sqlite_store, "lead", UserRole.LEAD), 2)
    decisions_service.record(sqlite_store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE))
    assert search(sqlite_store, "invoice", make_filter(reviewer="ana"), viewer=bo).hits == []
    assert [h["id"] for h in search(sqlite_store, "invoice", make_filter(reviewer="ana"), viewer=ana).hits] == [exs[0].id]


def test_bad_arguments_are_refused(sqlite_store: Store) -> None:
    with pytest.raises(InvalidInputError, match="text to search for"):
        search(sqlite_store, "   ")
    with pytest.raises(InvalidInputError, match="limit"):
        search(sqlite_store, "abc", limit=0)


def test_every_import_path_keeps_the_index_in_step(store: Store, tmp_path: Path) -> None:
    lines = [json.dumps({"messages": [{"role": "user", "content": f"Where is parcel {i}?"},
                                      {"role": "assistant", "content": f"Parcel {i} is in Gdańsk{'-kryptonite' if i == 2 else ''}."}]})
             for i in range(4)]
    path = tmp_path / "parcels.jsonl"
    path.write_text("\n".join(lines + lines[:2]) + "\n")  # two duplicates: stored, and indexed, once
    summary = import_file(store, path)
    assert (summary.examples, summary.duplicates) == (4, 2)
    assert len(search(store, "gdańsk").hits) == 4
    assert len(search(store, "kryptonite").hits) == 1
    admin = make_user(store, "root", UserRole.ADMIN)
    upload = json.dumps({"messages": [{"role": "user", "content": "Uploaded"}, {"role": "assistant", "content": "Via the web: xylophone."}]})
    admin_service.import_upload(store, admin, "web.jsonl", (upload + "\n").encode())
    assert [h["source_name"] for h in search(store, "xylophone").hits] == ["web.jsonl"]
    with store.read() as conn:
        indexed = conn.scalar(sa.text(f"SELECT count(*) FROM {search_repo.TABLE}"))
        assert indexed == examples_repo.count(conn) == 5


def test_the_demo_data_is_searchable(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    set_up_demo(store)
    with store.read() as conn:
        total = examples_repo.count(conn)
        assert conn.scalar(sa.text(f"SELECT count(*) FROM {search_repo.TABLE}")) == total > 0
        first = examples_repo.get(conn, examples_repo.page(conn, limit=1)[0]["id"])
    word = max(first.messages[-1].text.split(), key=len)
    assert first.id in _ids(store, word, limit=500)
    store.close()


@pytest.mark.parametrize("blank_db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_the_migration_indexes_an_existing_database(blank_db_url: str) -> None:
    engine = Store(blank_db_url, upgrade=False).engine
    migrate.upgrade(engine, "0010")
    old = [Example.create(conversation(i, reply=f"Old reply {i} mentions the aardvark."), source=Source(name="old")) for i in range(3)]
    pair = Example.create(conversation(9), rejected={"role": "assistant", "content": "A rejected pangolin."}, source=Source(name="old"))
    with engine.begin() as conn:
        conn.execute(schema.examples.insert(), [{**row, "created_at": utcnow()} for row in examples_repo.example_rows([*old, pair]).rows])
    upgraded = Store(blank_db_url)  # opening upgrades to head, filling the index
    assert migrate.current_revision(upgraded.engine) == migrate.head_revision()
    assert [h["id"] for h in search(upgraded, "AARDVARK").hits] == [e.id for e in old]
    assert _ids(upgraded, "pangolin") == {pair.id}
    migrate.downgrade(upgraded.engine, "0010")
    with upgraded.read() as conn:
        assert not search_repo.available(conn)
    migrate.upgrade(upgraded.engine)
    assert len(search(upgraded, "aardvark").hits) == 3
    upgraded.close()
    engine.dispose()


def _automerge(conn: sa.Connection) -> int | None:
    value = conn.scalar(sa.text(f"SELECT v FROM {search_repo.TABLE}_config WHERE k = 'automerge'"))
    return None if value is None else int(value)


def test_the_sqlite_index_merges_in_large_steps_new_and_upgraded(tmp_path: Path) -> None:
    """FTS5's automerge at 16, not its default 4: an import indexes ~25% cheaper at 100,000
    conversations (docs/benchmarks.md). A new database has it, and so does one whose index an
    earlier revision built with the default."""
    fresh = Store(f"sqlite:///{tmp_path / 'new.db'}")
    with fresh.read() as conn:
        assert _automerge(conn) == search_repo.AUTOMERGE == 16
    fresh.close()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = Store(url, upgrade=False).engine
    migrate.upgrade(engine, "0013")
    with engine.begin() as conn:  # as revision 0013 left an index before this change: FTS5's default
        search_repo.set_automerge(conn, None)
        assert _automerge(conn) is None
    engine.dispose()
    upgraded = Store(url)
    with upgraded.read() as conn:
        assert _automerge(conn) == 16
    add_examples(upgraded, 3)
    assert len(search(upgraded, "invoice 2?").hits) == 1  # the index still takes rows and answers
    migrate.downgrade(upgraded.engine, "0013")
    with upgraded.read() as conn:
        assert _automerge(conn) is None
    upgraded.close()


def test_without_the_index_a_search_says_what_it_needs(sqlite_store: Store) -> None:
    """Where SQLite lacks FTS5's trigram tokenizer the migration makes no index (dropped here)."""
    add_examples(sqlite_store, 2)
    with sqlite_store.write() as conn:
        search_repo.drop(conn)
    with pytest.raises(StorageError, match=r"text search needs SQLite 3\.34 or newer with FTS5 \(this Python's SQLite is 3\.\d+"):
        search(sqlite_store, "invoice")
    lead = make_user(sqlite_store, "lead", UserRole.LEAD)
    with pytest.raises(StorageError, match="text search needs SQLite"):
        browse(sqlite_store, lead, make_filter(text="invoice"))
    assert len(browse(sqlite_store, lead).rows) == 2  # everything else works; imports too
    add_examples(sqlite_store, 1, start=50)
    with sqlite_store.read() as conn:
        assert search_repo.trigram_supported(conn)  # this machine's SQLite has it


def test_the_index_tables_are_curators_own(sqlite_store: Store) -> None:
    with sqlite_store.read() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert search_repo.TABLE in tables
        assert contents.foreign_tables(conn) == []


def test_snippet_shows_the_text_around_the_hit() -> None:
    body = "a" * 100 + " the Needle is here\nand then " + "b" * 100
    assert snippet(body, "needle", context=10) == "\u2026aaaaa the Needle is here a\u2026"
    assert snippet("short\x1b[31m text", "text") == "short [31m text"  # no control characters
    assert snippet("İstanbul is big", "big", context=3) .endswith("big")


def test_cli_search(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    exs = add_examples(store, 4)
    store.close()
    runner = CliRunner()
    out = runner.invoke(main, ["--db", sqlite_url, "search", "invoice 2", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["query"] == "invoice 2" and data["more"] is False
    assert [h["id"] for h in data["hits"]] == [exs[2].id]
    assert "Question number 2: how do I export invoice 2?" in data["hits"][0]["snippet"]
    limited = json.loads(runner.invoke(main, ["--db", sqlite_url, "search", "INVOICE", "--limit", "2", "--json"]).output)
    assert ([h["id"] for h in limited["hits"]], limited["more"]) == ([exs[0].id, exs[1].id], True)
    text = runner.invoke(main, ["--db", sqlite_url, "search", "invoice", "--limit", "1"])
    assert text.exit_code == 0
    assert exs[0].id in text.output and "more examples match: showing the first 1" in text.output
    none = runner.invoke(main, ["--db", sqlite_url, "search", "zeppelin", "--source", "test.jsonl", "--outcome", "pending"])
    assert (none.exit_code, none.output) == (0, "no examples match\n")
    blank = runner.invoke(main, ["--db", sqlite_url, "search", " "])
    assert (blank.exit_code, blank.output.strip()) == (1, "curator: error: field 'text': give the text to search for")
    assert runner.invoke(main, ["--db", sqlite_url, "search", "x", "--limit", "0"]).exit_code == 2


def test_sqlite_looks_up_the_hits_instead_of_scanning_every_example(sqlite_store: Store) -> None:
    """The match condition must reach SQLite as "seq IN (...)": wrapped as "(...) = 1" it hid
    the IN from the planner, which then scanned every example (1.2 s at 100,000)."""
    add_examples(sqlite_store, 3)
    cols = [c for c in schema.examples.c if c.name != "messages"]
    stmt = sa.select(*cols).where(*examples_repo.where(make_filter(text="invoice 2"))).order_by(schema.examples.c.seq).limit(21)
    with sqlite_store.read() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "SEARCH examples USING INTEGER PRIMARY KEY" in plan, plan
    assert "SCAN examples" not in plan, plan
