"""SHA-256 of a file, read in blocks: memory stays flat whatever the file's size."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1 << 20


def file_sha256(path: Path | str) -> str:
    """The hex SHA-256 of the file's bytes (OSError as opening or reading it raises)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
