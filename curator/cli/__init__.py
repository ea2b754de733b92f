"""The `curator` command line: thin adapters from arguments to one service call each."""

from __future__ import annotations

from curator.cli import audit as _audit  # noqa: F401
from curator.cli import data as _data  # noqa: F401  (registers commands)
from curator.cli import demo as _demo  # noqa: F401
from curator.cli import export as _export  # noqa: F401
from curator.cli import people as _people  # noqa: F401
from curator.cli import rules as _rules  # noqa: F401
from curator.cli import serve as _serve  # noqa: F401
from curator.cli.base import main

__all__ = ["main"]
