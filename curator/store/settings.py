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


def put(conn: Connection, key: str, value: Any) -> None:
    upsert(conn, settings, ["key"], {"key": key, "value": dumps(value)})
