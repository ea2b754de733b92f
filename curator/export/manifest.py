"""manifest.json: what an export holds, what it left out and why, and a SHA-256 of every file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from curator.digests import file_sha256

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# The key that says "curator wrote this folder": only a folder whose manifest has it is ever
# written over by an export (and then only the files listed under "files").
EXPORT_MARKER = "curator_export"




def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (but the manifest), keyed by its POSIX path relative to it."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel != MANIFEST_NAME:
            out[rel] = file_sha256(path)
    return out


def render(manifest: dict[str, Any]) -> str:
    """The manifest as text: sorted keys, two-space indent, a final newline (equal content, equal bytes)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_manifest(root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Add the file hashes and write ``root/manifest.json``; returns the manifest as written."""
    full = {EXPORT_MARKER: 1, "manifest_version": MANIFEST_VERSION, **manifest, "files": file_hashes(root)}
    (root / MANIFEST_NAME).write_text(render(full), encoding="utf-8", newline="\n")
    return full
