"""Project settings kept in the database (overlap, claim timeout...), as JSON values."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.store.dialect import upsert
from curator.store.jsontext import dumps, loads
from curator.store.schema import settings

_GET = sa.select(settings.c.value).where(settings.c.key == sa.bindparam("key"))  # built once: read on every card


def get(conn: Connection, key: str, default: Any = None) -> Any:
    value = conn.scalar(_GET, {"key": key})
    return default if value is None else loads(value)


_GET_MANY = sa.select(settings.c.key, settings.c.value).where(settings.c.key.in_(sa.bindparam("keys", expanding=True)))


def get_many(conn: Connection, keys: list[str]) -> dict[str, Any]:
    """The stored values of these keys, in one statement (keys not set are left out)."""
    return {str(k): loads(v) for k, v in conn.execute(_GET_MANY, {"keys": keys}) if v is not None}


def put(conn: Connection, key: str, value: Any) -> None:
    upsert(conn, settings, ["key"], {"key": key, "value": dumps(value)})
