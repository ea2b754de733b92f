"""The app's pages. Each module exposes TITLE, ICON, MIN_ROLE and render()."""

from __future__ import annotations

import importlib
from types import ModuleType

# In navigation order; the first page a user may open is their landing page.
PAGE_MODULES = ("review", "browse", "dashboard", "lead", "admin")


def load_pages() -> list[tuple[str, ModuleType]]:
    """(name, module) of every page, in navigation order."""
    return [(name, importlib.import_module(f"curator.app.pages.{name}")) for name in PAGE_MODULES]
