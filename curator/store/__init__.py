"""Persistence. The only layer that talks SQL; everything else calls these modules."""

from sqlalchemy.engine import Connection  # the open transaction services pass to store functions

from curator.store.database import Store, open_store
from curator.store.engine import DEFAULT_URL, resolve_url

__all__ = ["DEFAULT_URL", "Connection", "Store", "open_store", "resolve_url"]
