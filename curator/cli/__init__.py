"""The `curator` command line: thin adapters from arguments to one service call each.

One module per command (or command group); importing it registers the command. The table in
docs/architecture.md maps each command to its module.
"""

from __future__ import annotations

from curator.cli import audit as _audit  # noqa: F401  (registers commands)
from curator.cli import decisions as _decisions  # noqa: F401
from curator.cli import dedup as _dedup  # noqa: F401
from curator.cli import demo as _demo  # noqa: F401
from curator.cli import export as _export  # noqa: F401
from curator.cli import guidelines as _guidelines  # noqa: F401
from curator.cli import imports as _imports  # noqa: F401
from curator.cli import queue as _queue  # noqa: F401
from curator.cli import search as _search  # noqa: F401
from curator.cli import serve as _serve  # noqa: F401
from curator.cli import stats as _stats  # noqa: F401
from curator.cli import suggestions as _suggestions  # noqa: F401
from curator.cli import users as _users  # noqa: F401
from curator.cli.base import main

__all__ = ["main"]
