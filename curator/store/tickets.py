"""One-time sign-in tickets: stored by SHA-256, taken at most once, whichever process asks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from curator.store.schema import sign_in_tickets


def add(conn: Connection, ticket_hash: str, sealed_token: str, *, expires_at: datetime) -> None:
    conn.execute(sign_in_tickets.insert().values(ticket_hash=ticket_hash, sealed_token=sealed_token, expires_at=expires_at))


def take(conn: Connection, ticket_hash: str, *, now: datetime) -> str | None:
    """The sealed token of a live ticket, deleting the ticket in the same statement.

    DELETE ... RETURNING is atomic on both databases: of two processes redeeming one ticket at
    once, exactly one gets the token.
    """
    stmt = (
        sign_in_tickets.delete()
        .where(sign_in_tickets.c.ticket_hash == ticket_hash, sign_in_tickets.c.expires_at > now)
        .returning(sign_in_tickets.c.sealed_token)
    )
    return conn.execute(stmt).scalar()


def purge_expired(conn: Connection, *, now: datetime) -> int:
    return int(conn.execute(sign_in_tickets.delete().where(sign_in_tickets.c.expires_at <= now)).rowcount)
