"""Opening the database: the one way the web app and the command line reach it.

A ``Store`` is the handle every service takes; the app and the command line hold one and pass
it on, and never read or write through it themselves.
"""

from __future__ import annotations

from curator.store import DEFAULT_URL, Store, resolve_url

__all__ = ["DEFAULT_URL", "Store", "database_url", "open_database"]


def database_url(url: str | None) -> str:
    """The database to use: ``url``, else $CURATOR_DB, else the local SQLite file."""
    return resolve_url(url)


def open_database(url: str | None) -> Store:
    """The database at ``url`` (resolved as database_url does), migrated to the current schema."""
    return Store(resolve_url(url))
