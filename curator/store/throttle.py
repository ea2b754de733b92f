"""Failed sign-ins per key (a user name, a client address), each key stored as a SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import as_utc
from curator.store.dialect import insert
from curator.store.schema import sign_in_failures as failures


def count_failure(conn: Connection, key_hash: str, *, now: datetime, forget_before: datetime) -> tuple[int, datetime | None]:
    """Add one failure to the key, starting from one if its last failure is older than
    ``forget_before``; returns the new count and the key's lock as it stood.

    One statement that holds the key's row until commit: concurrent attempts on PostgreSQL
    queue behind it and each see the count and lock the one before left.
    """
    stmt = insert(conn, failures).values(key_hash=key_hash, failures=1, last_failure_at=now, locked_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key_hash"],
        set_={
            "failures": sa.case((failures.c.last_failure_at < forget_before, 1), else_=failures.c.failures + 1),
            "last_failure_at": now,
        },
    ).returning(failures.c.failures, failures.c.locked_until)
    count, until = conn.execute(stmt).one()
    return int(count), as_utc(until)


def lock(conn: Connection, key_hash: str, until: datetime) -> None:
    conn.execute(failures.update().where(failures.c.key_hash == key_hash).values(locked_until=until))


def uncount_failure(conn: Connection, key_hash: str, *, free: int) -> None:
    """Take back one counted failure (the attempt succeeded); the lock goes below ``free``."""
    conn.execute(
        failures.update()
        .where(failures.c.key_hash == key_hash, failures.c.failures > 0)
        .values(
            failures=failures.c.failures - 1,
            locked_until=sa.case((failures.c.failures - 1 < free, None), else_=failures.c.locked_until),
        )
    )


def clear(conn: Connection, key_hash: str) -> None:
    conn.execute(failures.delete().where(failures.c.key_hash == key_hash))


def purge(conn: Connection, *, before: datetime) -> int:
    """Forget keys last failed before ``before`` whose lock (if any) ended by then.

    Rows another attempt holds are skipped (SKIP LOCKED on PostgreSQL), so tidying never waits
    for, or deadlocks with, a sign-in in progress.
    """
    old = (
        sa.select(failures.c.key_hash)
        .where(
            failures.c.last_failure_at < before,
            sa.or_(failures.c.locked_until.is_(None), failures.c.locked_until < before),
        )
        .with_for_update(skip_locked=True)
    )
    return int(conn.execute(failures.delete().where(failures.c.key_hash.in_(old))).rowcount)
