"""Choosing the engine by name: in this process (the default) or on Ray."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from curator.dedup.engine import IN_PROCESS, Engine
from curator.dedup.ray_engine import RayEngine  # imports Ray only when one is made
from curator.errors import InvalidInputError

ENGINES = ("in-process", "ray")


@contextmanager
def engine_named(engine: str | Engine | None, *, address: str | None = None) -> Iterator[Engine]:
    """The engine named ("in-process", the default, or "ray"; an Engine is used as it is), closed
    afterwards if made here. address: the Ray cluster (else $RAY_ADDRESS, else a local Ray)."""
    if isinstance(engine, Engine):
        yield engine
        return
    name = engine or "in-process"
    if name not in ENGINES:
        raise InvalidInputError(f"unknown engine {name!r}; use {' or '.join(ENGINES)}", field="engine")
    if name == "in-process":
        if address:
            raise InvalidInputError("a Ray address goes with the ray engine", field="ray_address", setting="engine")
        yield IN_PROCESS
        return
    made = RayEngine(address)
    try:
        yield made
    finally:
        made.close()
