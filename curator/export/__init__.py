"""Training-file writers, one module per trainer family, and the export manifest."""

from curator.export.base import SPLITS, FormatWriter, JsonlWriter, json_line
from curator.export.manifest import MANIFEST_NAME, file_hashes, render, write_manifest
from curator.export.records import (
    ExportRecord,
    Pair,
    Unpaired,
    build_from_messages,
    build_record,
)
from curator.export.registry import (
    DEFAULT_FORMATS,
    EXPORT_FORMATS,
    WRITERS,
    check_formats,
    open_writer,
)

__all__ = [
    "DEFAULT_FORMATS",
    "EXPORT_FORMATS",
    "MANIFEST_NAME",
    "SPLITS",
    "WRITERS",
    "ExportRecord",
    "FormatWriter",
    "JsonlWriter",
    "Pair",
    "Unpaired",
    "build_from_messages",
    "build_record",
    "check_formats",
    "file_hashes",
    "json_line",
    "open_writer",
    "render",
    "write_manifest",
]
