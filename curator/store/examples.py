"""Examples: bulk insert for imports, lookups, keyset pages, and the derived outcome."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from curator.errors import NotFoundError
from curator.models import Example, Message, Outcome, Source, utcnow
from curator.store import search
from curator.store.dialect import insert_ignore
from curator.store.jsontext import dumps, loads
from curator.store.schema import decisions, example_sources, examples, flags, users

_INSERT_LOCK = 7262902  # PostgreSQL advisory lock key of insert_many (migrations use 7262901)


@dataclass
class ExampleRows:
    """Examples made into the values their rows take (no SQL yet): what an import's workers hand
    to the one process that writes. ``ids``, ``rows`` and ``places`` follow the examples' order."""

    ids: list[str]
    rows: list[dict[str, Any]]  # the examples table's values, but created_at and flags_version
    places: list[dict[str, Any]]  # example_sources' values, but import_id
    texts: list[str]  # what the text search index holds for each example


def example_rows(batch: Sequence[Example]) -> ExampleRows:
    """The values ``insert_rows`` stores for these examples."""
    rows = []
    for ex in batch:
        src = ex.source or Source(name="unknown")
        rows.append({
            "id": ex.id,
            "messages": ex.messages_json(),
            "tools": dumps(ex.tools) if ex.tools else None,
            "rejected": dumps(ex.rejected.dump()) if ex.rejected else None,
            # Most examples have neither: skip the encoder on the import's hot path.
            "metadata": dumps(ex.metadata) if ex.metadata else "{}",
            "source_name": src.name,
            "source_file": src.file,
            "source_line": src.line,
            "source_format": src.format,
            "n_messages": len(ex.messages),
            "tokens": ex.tokens,
            "tokens_encoding": ex.tokens_encoding,
            "warnings": dumps(ex.warnings) if ex.warnings else "[]",
        })
    places = [
        {
            "example_id": ex.id,
            "source_name": ex.source.name,
            "source_file": ex.source.file,
            "line": ex.source.line or 0,
            "format": ex.source.format,
        }
        for ex in batch
        if ex.source is not None
    ]
    texts = [search.searchable_text(ex.messages, ex.rejected) for ex in batch]
    return ExampleRows([ex.id for ex in batch], rows, places, texts)


def existing_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are already stored."""
    wanted = list(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found.update(conn.scalars(sa.select(examples.c.id).where(examples.c.id.in_(chunk))))
    return found


_STORED_COUNTS = sa.select(examples.c.id, examples.c.tokens, examples.c.tokens_encoding).where(
    examples.c.id.in_(sa.bindparam("ids", expanding=True)))


def stored_counts(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[int | None, str | None]]:
    """(tokens, tokens_encoding) of those of ``ids`` already stored, by id (encoding NULL: before 0010)."""
    found: dict[str, tuple[int | None, str | None]] = {}
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), 900):
        for eid, tokens, encoding in conn.execute(_STORED_COUNTS, {"ids": wanted[start : start + 900]}):
            found[str(eid)] = (None if tokens is None else int(tokens), encoding)
    return found


def insert_many(conn: Connection, batch: Sequence[Example], *, import_id: int | None = None,
                flags_version: str | None = None) -> list[bool]:
    """Store new examples; for each input, True if this call stored it, False if it was there.

    Every record's place (source, line) is remembered, duplicates included, so a decision file
    that names a line of any imported file finds its example. ``flags_version`` is the guideline
    version whose flags the caller stores with the new examples, in the same transaction.
    """
    return insert_rows(conn, example_rows(batch), import_id=import_id, flags_version=flags_version)


def insert_rows(conn: Connection, prepared: ExampleRows, *, import_id: int | None = None,
                flags_version: str | None = None) -> list[bool]:
    """``insert_many`` for examples already made into rows (by ``example_rows``)."""
    now = utcnow()
    if conn.dialect.name == "postgresql":
        # One batch of examples at a time, as SQLite's write lock gives: concurrent imports of
        # overlapping files neither deadlock on each other's rows nor see stale existing_ids.
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_INSERT_LOCK)))
    seen = existing_ids(conn, prepared.ids)
    fresh: list[dict[str, Any]] = []
    fresh_texts: list[tuple[str, str]] = []
    is_new: list[bool] = []
    for ex_id, values, text in zip(prepared.ids, prepared.rows, prepared.texts, strict=True):
        new = ex_id not in seen
        is_new.append(new)
        if new:
            seen.add(ex_id)
            row = {**values, "created_at": now}
            if flags_version is not None:  # left out otherwise: the column is NULL, "not flagged yet"
                row["flags_version"] = flags_version
            fresh.append(row)
            fresh_texts.append((ex_id, text))
    places = [{**place, "import_id": import_id} for place in prepared.places]
    if conn.dialect.name == "sqlite":
        # The write transaction holds SQLite's lock from BEGIN, so what existing_ids saw is
        # still so and every row inserts; ON CONFLICT only keeps that promise explicit.
        _sqlite_bulk(conn, fresh, places)
        search.add(conn, fresh_texts)
        _rank_new(conn, fresh)
        return is_new
    # Any other writer of examples (one not taking the lock) is still no crash: ON CONFLICT DO
    # NOTHING skips a row stored meanwhile, and RETURNING says which rows this call stored.
    stored: set[str] = set()
    if fresh:
        stmt = insert_ignore(conn, examples).returning(examples.c.id)
        stored = set(conn.scalars(stmt, fresh))
        search.add(conn, [(ex_id, text) for ex_id, text in fresh_texts if ex_id in stored])
    if places:
        conn.execute(insert_ignore(conn, example_sources), places)
    _rank_new(conn, fresh)
    first: set[str] = set()
    for i, ex_id in enumerate(prepared.ids):
        is_new[i] = ex_id in stored and ex_id not in first
        first.add(ex_id)
    return is_new


def _rank_new(conn: Connection, fresh: list[dict[str, Any]]) -> None:
    """New examples join the queue in import order (rank = seq); a strategy re-ranks them later."""
    if fresh:
        conn.execute(examples.update()
                     .where(examples.c.outcome == Outcome.PENDING.value, examples.c.queue_rank.is_(None))
                     .values(queue_rank=examples.c.seq))


def _sqlite_bulk(conn: Connection, fresh: list[dict[str, Any]], places: list[dict[str, Any]]) -> None:
    """The import's hot path on SQLite: plain executemany, without per-row SQL compilation."""
    if fresh:
        to_db = examples.c.created_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        stamp = to_db(fresh[0]["created_at"]) if to_db else fresh[0]["created_at"]
        cols = [c for c in fresh[0] if c != "created_at"]
        sql = (f"INSERT INTO examples ({', '.join(cols)}, created_at) VALUES ({', '.join('?' * (len(cols) + 1))})"
               " ON CONFLICT (id) DO NOTHING")
        conn.exec_driver_sql(sql, [(*(row[c] for c in cols), stamp) for row in fresh])
    if places:
        cols = list(places[0])
        sql = f"INSERT OR IGNORE INTO example_sources ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        conn.exec_driver_sql(sql, [tuple(row[c] for c in cols) for row in places])


def row_to_example(row: Row[Any] | sa.RowMapping | dict[str, Any]) -> Example:
    """Rebuild an Example from its stored row."""
    m = row._mapping if isinstance(row, Row) else row
    rejected = loads(m["rejected"])
    return Example(
        id=m["id"],
        messages=[Message.model_validate(x) for x in loads(m["messages"])],
        tools=loads(m["tools"]),
        rejected=Message.model_validate(rejected) if rejected else None,
        source=Source(name=m["source_name"], file=m["source_file"], line=m["source_line"], format=m["source_format"]),
        metadata=loads(m["metadata"], {}),
        tokens=m["tokens"],
        tokens_encoding=m.get("tokens_encoding"),
        warnings=loads(m["warnings"], []),
    )


def get(conn: Connection, example_id: str) -> Example:
    """The example with this id, or NotFoundError."""
    row = conn.execute(sa.select(examples).where(examples.c.id == example_id)).first()
    if row is None:
        raise NotFoundError(f"no example {example_id!r}")
    return row_to_example(row)


def get_many(conn: Connection, example_ids: Sequence[str]) -> dict[str, Example]:
    """The examples with these ids (a few: one query), by id; NotFoundError if one is missing."""
    if not example_ids:
        return {}
    found = {r.id: row_to_example(r) for r in conn.execute(_GET_MANY, {"ids": list(example_ids)})}
    missing = [i for i in example_ids if i not in found]
    if missing:
        raise NotFoundError(f"no example {missing[0]!r}")
    return found


_GET_ROW = sa.select(examples).where(examples.c.id == sa.bindparam("eid"))
_GET_MANY = sa.select(examples).where(examples.c.id.in_(sa.bindparam("ids", expanding=True)))


def get_row(conn: Connection, example_id: str) -> sa.RowMapping:
    """The stored row (with outcome and counters), or NotFoundError."""
    row = conn.execute(_GET_ROW, {"eid": example_id}).mappings().first()
    if row is None:
        raise NotFoundError(f"no example {example_id!r}")
    return row


def lock(conn: Connection, example_id: str) -> sa.RowMapping:
    """The example's row, held until commit (FOR UPDATE on PostgreSQL; on SQLite the write
    transaction's lock already covers it). Deciding reads an example's history and writes its
    counters: without the lock, two reviewers deciding at once each count only their own."""
    row = conn.execute(_LOCK, {"eid": example_id}).mappings().first()
    if row is None:
        raise NotFoundError(f"no example {example_id!r}")
    return row


_LOCK = sa.select(examples).where(examples.c.id == sa.bindparam("eid")).with_for_update()


def find_by_place(conn: Connection, source: str, line: int) -> list[str]:
    """Ids of the examples imported from ``source`` at ``line`` (usually one)."""
    stmt = (
        sa.select(example_sources.c.example_id)
        .where(example_sources.c.source_name == source, example_sources.c.line == line)
        .distinct()
    )
    return list(conn.scalars(stmt))


def places(conn: Connection, example_id: str) -> list[dict[str, Any]]:
    """Every (source, file, line, format) an example was imported from."""
    stmt = (
        sa.select(example_sources.c.source_name, example_sources.c.source_file, example_sources.c.line, example_sources.c.format)
        .where(example_sources.c.example_id == example_id)
        .order_by(example_sources.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


_SET_OUTCOME = (examples.update().where(examples.c.id == sa.bindparam("eid"))
                .values(outcome=sa.bindparam("outcome"), n_decisions=sa.bindparam("n"),
                        decided_at=sa.bindparam("at", type_=examples.c.decided_at.type)))


def set_outcome(conn: Connection, example_id: str, outcome: Outcome, n_decisions: int, decided_at: datetime | None) -> None:
    conn.execute(_SET_OUTCOME, {"eid": example_id, "outcome": outcome.value, "n": n_decisions, "at": decided_at})


def set_tokens(conn: Connection, values: Sequence[tuple[str, int]]) -> None:
    """Store recomputed token counts: (example_id, tokens) pairs."""
    if values:
        stmt = examples.update().where(examples.c.id == sa.bindparam("eid")).values(tokens=sa.bindparam("tok"))
        conn.execute(stmt, [{"eid": e, "tok": t} for e, t in values])


@dataclass
class ExampleFilter:
    """What narrows a list of examples; every field optional, all must hold."""

    outcomes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rule: str | None = None  # flagged by this rule's check
    reviewer: str | None = None  # decided by this reviewer
    verdict: str | None = None  # with a live decision of this verdict
    text: str | None = None  # substring of the conversation
    ids: list[str] | None = None
    has_rejected: bool | None = None
    # Blind review: the id of a viewer who may see other reviewers' decisions only on settled
    # examples. The reviewer and verdict conditions then match only such decisions or theirs.
    blind_to: int | None = None


SETTLED = [o.value for o in Outcome if o.settled]


def where(f: ExampleFilter) -> list[sa.ColumnElement[bool]]:
    """The filter's conditions on ``examples``.

    "Flagged by R" and "decided by X" are IN-lists over the flags and decisions indexes, not
    correlated EXISTS: SQLite runs an EXISTS once per example (minutes at 1,000,000), an IN-list
    once, so the cost follows the matches, not the table.
    """
    conds: list[sa.ColumnElement[bool]] = []
    if f.outcomes:
        conds.append(examples.c.outcome.in_(f.outcomes))
    if f.sources:
        conds.append(examples.c.source_name.in_(f.sources))
    if f.rule:
        conds.append(examples.c.id.in_(sa.select(flags.c.example_id).where(flags.c.rule_id == f.rule)))
    if f.reviewer or f.verdict:
        sub = sa.select(decisions.c.example_id)
        if f.reviewer:
            sub = sub.join(users, users.c.id == decisions.c.reviewer_id).where(users.c.name == f.reviewer)
        if f.verdict:
            sub = sub.where(decisions.c.verdict == f.verdict)
        if f.blind_to is not None:
            decided = examples.alias("decided")
            sub = sub.join(decided, decided.c.id == decisions.c.example_id).where(
                sa.or_(decisions.c.reviewer_id == f.blind_to, decided.c.outcome.in_(SETTLED))
            )
        conds.append(examples.c.id.in_(sub))
    if f.text:
        conds.append(search.matches(f.text))
    if f.ids is not None:
        conds.append(examples.c.id.in_(f.ids))
    if f.has_rejected is not None:
        conds.append(examples.c.rejected.isnot(None) if f.has_rejected else examples.c.rejected.is_(None))
    return conds


def scans_text(f: ExampleFilter) -> bool:
    """True when the filter reads every conversation (a text search too short for the index):
    counting it is a full scan."""
    return f.text is not None and f.text != "" and not search.indexed(f.text)


def count_upto(conn: Connection, flt: ExampleFilter, cap: int) -> int:
    """How many examples match, counting no further than ``cap``."""
    inner = sa.select(sa.literal(1).label("one")).select_from(examples).where(*where(flt)).limit(cap).subquery()
    return int(conn.scalar(sa.select(sa.func.count()).select_from(inner)) or 0)


SORTS = {
    "imported": examples.c.seq,
    "tokens": examples.c.tokens,
    "decided": examples.c.decided_at,
}


def page(
    conn: Connection,
    flt: ExampleFilter | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
    sort: str = "imported",
    descending: bool = False,
) -> list[sa.RowMapping]:
    """One page of example rows (without the bulky message text), filtered and sorted in SQL."""
    cols = [c for c in examples.c if c.name not in ("messages", "tools", "rejected")]
    key = SORTS[sort]
    order = [key.desc() if descending else key.asc(), examples.c.seq.desc() if descending else examples.c.seq.asc()]
    stmt = sa.select(*cols).where(*where(flt or ExampleFilter())).order_by(*order).offset(offset).limit(limit)
    return list(conn.execute(stmt).mappings())


def count(conn: Connection, flt: ExampleFilter | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(examples).where(*where(flt or ExampleFilter()))
    return int(conn.scalar(stmt) or 0)


def iter_examples(conn: Connection, *, batch: int = 2000, flt: ExampleFilter | None = None) -> Iterator[Example]:
    """Every example in import order, read in keyset batches (memory stays flat)."""
    for row in iter_rows(conn, batch=batch, flt=flt):
        yield row_to_example(row)


def iter_rows(conn: Connection, *, batch: int = 2000, flt: ExampleFilter | None = None, columns: Sequence[str] | None = None) -> Iterator[sa.RowMapping]:
    """Example rows in import order, read in keyset batches."""
    cols = [examples.c[c] for c in columns] if columns else list(examples.c)
    if columns and "seq" not in columns:
        cols.append(examples.c.seq)
    last = 0
    conds = where(flt or ExampleFilter())
    while True:
        stmt = sa.select(*cols).where(examples.c.seq > last, *conds).order_by(examples.c.seq).limit(batch)
        rows = list(conn.execute(stmt).mappings())
        if not rows:
            return
        yield from rows
        last = rows[-1]["seq"]


_ROW_COLUMNS = ("id", "messages", "tools", "rejected", "source_name", "source_file", "source_line", "source_format",
                "metadata", "tokens", "tokens_encoding", "warnings")


def rows_of(conn: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The stored rows of these examples in import order, as plain values (``row_to_example`` reads them)."""
    flt = ExampleFilter(ids=list(ids))
    return [{c: row[c] for c in _ROW_COLUMNS} for row in iter_rows(conn, batch=max(1, len(ids)), flt=flt, columns=_ROW_COLUMNS)]


def counts_by(conn: Connection, column: str) -> dict[str, int]:
    """Number of examples per value of ``column`` (outcome, source_name, ...)."""
    col = examples.c[column]
    return {k: int(v) for k, v in conn.execute(sa.select(col, sa.func.count()).group_by(col))}


def token_counts(conn: Connection) -> list[int]:
    """Token counts of every example that has one (for distributions and cost)."""
    return [int(t) for t in conn.scalars(sa.select(examples.c.tokens).where(examples.c.tokens.isnot(None)))]


def counted_in(encoding: str, *, default: str) -> sa.ColumnElement[bool]:
    """Rows whose stored count is in ``encoding`` (NULL: counted before 0010, in ``default``)."""
    col = examples.c.tokens_encoding
    if encoding == default:
        return sa.or_(col.is_(None), col == encoding)
    return col == encoding


def token_counts_in(conn: Connection, encoding: str, *, default: str) -> list[int]:
    """Stored token counts that are in ``encoding``."""
    stmt = sa.select(examples.c.tokens).where(examples.c.tokens.isnot(None), counted_in(encoding, default=default))
    return [int(t) for t in conn.scalars(stmt)]


def conversations_counted_otherwise(conn: Connection, encoding: str, *, default: str, batch: int = 2000) -> Iterator[list[tuple[str, str | None]]]:
    """(messages JSON, tools JSON) of the examples whose count is not in ``encoding``, in batches."""
    last = 0
    cond = sa.not_(sa.and_(examples.c.tokens.isnot(None), counted_in(encoding, default=default)))
    while True:
        stmt = (sa.select(examples.c.seq, examples.c.messages, examples.c.tools)
                .where(examples.c.seq > last, cond).order_by(examples.c.seq).limit(batch))
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield [(r[1], r[2]) for r in rows]
        last = rows[-1][0]
