"""A test hook for crash safety: kill this process with SIGKILL at a named point.

``CURATOR_CRASH_AT=write:3`` kills the process the third time ``reached("write")`` runs (the
store calls it just before each write transaction commits); ``export-swap:2`` at the second
step of an export's swap. Without the variable this does nothing. The crash-safety tests run
the real command line with it, so a "kill -9 halfway" lands at the same place every run.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV_VAR = "CURATOR_CRASH_AT"
_seen: Counter[str] = Counter()


def reached(point: str) -> None:
    """Count one passage through ``point``; SIGKILL this process at the passage the variable names."""
    spec = os.environ.get(ENV_VAR)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    _seen[point] += 1
    if _seen[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
