"""Full-text search over conversations: SQLite FTS5 with the trigram tokenizer, PostgreSQL pg_trgm.

Each example's searchable text lives in ``example_text`` (one row per example, keyed by
``examples.seq``): the text of every message, tool calls' names and arguments, and the
rejected reply. Source and metadata are left out: the source has its own filter, and metadata
is keys and values nobody reads as the conversation (a search for "user" would match them all).

Both indexes are of trigrams, so any substring of three or more characters is found through
the index, case-insensitively. A shorter query cannot use a trigram index and scans the text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from curator.errors import StorageError
from curator.models import Message
from curator.store.imports import NUL_SHOWN_AS
from curator.store.jsontext import loads
from curator.store.schema import examples

TABLE = "example_text"
# The FTS5 table's shadow tables (SQLite): curator's own, not another program's.
SHADOWS = tuple(f"{TABLE}_{s}" for s in ("data", "idx", "content", "docsize", "config"))
MIN_INDEXED = 3  # a trigram index serves a query of at least three characters
# FTS5 merges a level's segments once this many are there (its default: 4). Merging in larger
# steps rewrites each row's trigram lists fewer times as the index grows: importing 100,000
# conversations spent ~25% less CPU in the index, and a lookup still reads few enough segments
# (docs/benchmarks.md). 16 is the most FTS5 allows.
AUTOMERGE = 16
NUL_STANDIN = NUL_SHOWN_AS  # PostgreSQL text cannot hold NUL: the same stand-in in text and query


def searchable_text(messages: Sequence[Message], rejected: Message | None = None) -> str:
    """What a search looks in: every message's text and tool calls, and the rejected reply."""
    parts: list[str] = []
    for m in [*messages, *([rejected] if rejected is not None else [])]:
        if m.content:
            parts.append(m.text)
        for call in m.tool_calls or ():
            parts.append(f"{call.function.name} {call.function.arguments}")
        if m.function_call:
            parts.append(" ".join(str(v) for v in m.function_call.values()))
    return "\n".join(p for p in parts if p).replace("\x00", NUL_STANDIN)


def indexed(text: str) -> bool:
    """Whether the trigram index can serve a search for ``text`` (else it is a scan)."""
    return len(text) >= MIN_INDEXED


def fts5_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: every operator, bracket and quote in it is literal."""
    return '"' + text.replace("\x00", NUL_STANDIN).replace('"', '""') + '"'


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards and backslashes literal."""
    escaped = text.replace("\x00", NUL_STANDIN).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Matches(ColumnElement[bool]):
    """``examples.seq`` is the key of an example whose text contains ``text``."""

    # NullType, not Boolean: SQLite would get "... = 1", hiding the IN from its planner.
    type = sa.types.NullType()  # type: ignore[assignment]
    inherit_cache = False  # the statement depends on the query's length, not only its value

    def __init__(self, text: str) -> None:
        self.text = text


def matches(text: str) -> ColumnElement[bool]:
    """The condition "the example's conversation contains ``text``" (case-insensitive)."""
    return _Matches(text)


@compiles(_Matches, "sqlite")
def _sqlite_matches(element: _Matches, compiler: Any, **kw: Any) -> str:
    seq = compiler.process(examples.c.seq, **kw)
    if indexed(element.text):
        query = compiler.process(sa.bindparam("search_phrase", fts5_phrase(element.text), unique=True), **kw)
        return f"{seq} IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH {query})"
    pattern = compiler.process(sa.bindparam("search_like", like_pattern(element.text), unique=True), **kw)
    return f"{seq} IN (SELECT rowid FROM {TABLE} WHERE body LIKE {pattern} ESCAPE '\\')"


@compiles(_Matches, "postgresql")
def _postgresql_matches(element: _Matches, compiler: Any, **kw: Any) -> str:
    # Backslash is ILIKE's default escape; an explicit ESCAPE would hide the pattern from
    # pg_trgm behind a function call.
    seq = compiler.process(examples.c.seq, **kw)
    pattern = compiler.process(sa.bindparam("search_like", like_pattern(element.text), unique=True), **kw)
    return f"{seq} IN (SELECT seq FROM {TABLE} WHERE body ILIKE {pattern})"


def available(conn: Connection) -> bool:
    """Whether this database has the search index (SQLite without FTS5 trigram has none)."""
    if conn.dialect.name == "postgresql":
        return conn.scalar(sa.text(f"SELECT to_regclass('{TABLE}') IS NOT NULL")) is True
    return conn.scalar(sa.text(f"SELECT 1 FROM sqlite_master WHERE name = '{TABLE}'")) is not None


def require(conn: Connection) -> None:
    """StorageError saying how to get text search when this database has no index for it."""
    if not available(conn):
        raise StorageError(
            f"text search needs SQLite 3.34 or newer with FTS5 (this Python's SQLite is {sqlite3.sqlite_version}): "
            "run curator on a newer Python, or on PostgreSQL"
        )


def trigram_supported(conn: Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34 and later)."""
    try:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE temp.curator_trigram_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:
        return False
    conn.exec_driver_sql("DROP TABLE temp.curator_trigram_probe")
    return True


def add(conn: Connection, texts: Iterable[tuple[str, str]]) -> None:
    """Index the text of newly stored examples: (example id, searchable text) pairs."""
    rows = list(texts)
    if not rows or not available(conn):
        return
    # Keys first, then plain VALUES: SQLite's FTS5 takes rows from an INSERT ... SELECT at
    # half the speed of the same rows as VALUES (13.6 s against 6.3 s for 20,000 conversations).
    seq_of: dict[str, int] = {}
    ids = [i for i, _ in rows]
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        seq_of.update((str(i), int(s)) for i, s in conn.execute(sa.select(examples.c.id, examples.c.seq).where(examples.c.id.in_(chunk))))
    found = [(seq_of[i], b) for i, b in rows if i in seq_of]
    if not found:
        return
    if conn.dialect.name == "postgresql":
        stmt = sa.text(f"INSERT INTO {TABLE} (seq, body) VALUES (:seq, :body) ON CONFLICT (seq) DO NOTHING")
        conn.execute(stmt, [{"seq": s, "body": b} for s, b in found])
        return
    conn.exec_driver_sql(f"INSERT INTO {TABLE} (rowid, body) VALUES (?, ?)", found)


def _insert(conn: Connection, rows: list[tuple[int, str]]) -> None:
    key = "seq" if conn.dialect.name == "postgresql" else "rowid"
    conn.execute(sa.text(f"INSERT INTO {TABLE} ({key}, body) VALUES (:seq, :body)"), [{"seq": s, "body": b} for s, b in rows])


def bodies(conn: Connection, seqs: Sequence[int]) -> dict[int, str]:
    """The searchable text of the examples with these keys."""
    if not seqs:
        return {}
    key = "seq" if conn.dialect.name == "postgresql" else "rowid"
    stmt = sa.text(f"SELECT {key}, body FROM {TABLE} WHERE {key} IN :keys").bindparams(sa.bindparam("keys", expanding=True))
    return {int(k): str(b) for k, b in conn.execute(stmt, {"keys": list(seqs)})}


def create(conn: Connection) -> bool:
    """Create the index and fill it from every stored example; False where SQLite cannot (the
    search then says what it needs). PostgreSQL builds its GIN index after the rows are in."""
    if conn.dialect.name == "postgresql":
        _require_pg_trgm(conn)
        conn.exec_driver_sql(f"CREATE TABLE {TABLE} (seq INTEGER PRIMARY KEY REFERENCES examples (seq), body TEXT NOT NULL)")
        _fill(conn)
        conn.exec_driver_sql(f"CREATE INDEX ix_{TABLE}_trgm ON {TABLE} USING gin (body gin_trgm_ops)")
        return True
    if not trigram_supported(conn):
        return False
    # columnsize=0: no per-row token counts (nothing ranks by them).
    conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(body, tokenize='trigram', columnsize=0)")
    set_automerge(conn)
    _fill(conn)
    # One b-tree instead of the many segments a long fill leaves: a lookup reads each of its
    # trigrams once (100,000 examples: a rare-string search 1.3 ms -> 0.9 ms; 2.8 s to merge).
    optimize(conn)
    return True


def set_automerge(conn: Connection, segments: int | None = AUTOMERGE) -> None:
    """How many segments the SQLite index gathers before merging them (None: FTS5's default).

    Kept in the index's own config table, so every connection and program writing to it merges
    the same way. PostgreSQL's GIN index has no such setting.
    """
    if conn.dialect.name != "sqlite" or not available(conn):
        return
    if segments is None:
        conn.exec_driver_sql(f"DELETE FROM {TABLE}_config WHERE k = 'automerge'")
        return
    conn.exec_driver_sql(f"INSERT INTO {TABLE} ({TABLE}, rank) VALUES ('automerge', {int(segments)})")


def optimize(conn: Connection) -> None:
    """Merge the SQLite index's segments into one (PostgreSQL's GIN index needs nothing)."""
    if conn.dialect.name == "sqlite" and available(conn):
        conn.exec_driver_sql(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")


def drop(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


def _require_pg_trgm(conn: Connection) -> None:
    if conn.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        raise StorageError(
            "text search needs PostgreSQL's pg_trgm extension, which this user may not create: "
            "ask the database's owner to run CREATE EXTENSION pg_trgm, then start curator again"
        ) from exc


def _fill(conn: Connection, batch: int = 2000) -> None:
    last = 0
    while True:
        stmt = (sa.select(examples.c.seq, examples.c.messages, examples.c.rejected)
                .where(examples.c.seq > last).order_by(examples.c.seq).limit(batch))
        rows = conn.execute(stmt).all()
        if not rows:
            return
        texts = []
        for seq, messages, rejected in rows:
            msgs = [Message.model_validate(m) for m in loads(messages)]
            rej = loads(rejected)
            texts.append((seq, searchable_text(msgs, Message.model_validate(rej) if rej else None)))
        _insert(conn, texts)
        last = rows[-1][0]
