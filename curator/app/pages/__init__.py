"""The app's pages. Each module exposes TITLE, ICON, MIN_ROLE and render()."""

from __future__ import annotations

import importlib
from types import ModuleType

# In navigation order; the first page a user may open is their landing page.
PAGE_MODULES = ("review", "browse", "dashboard", "lead", "admin")


def load_pages() -> tuple[list[tuple[str, ModuleType]], list[str]]:
    """(name, module) of every page that imports, and the names of those that do not (yet)."""
    found: list[tuple[str, ModuleType]] = []
    missing: list[str] = []
    for name in PAGE_MODULES:
        try:
            found.append((name, importlib.import_module(f"curator.app.pages.{name}")))
        except ImportError:
            missing.append(name)
    return found, missing
