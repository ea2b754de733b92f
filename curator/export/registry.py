"""Format names (as `curator export --format` takes them) mapped to their writers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curator.errors import InvalidInputError
from curator.export.axolotl import AxolotlWriter
from curator.export.base import FormatWriter
from curator.export.hf import HfWriter
from curator.export.llama_factory import LlamaFactoryWriter
from curator.export.openai import OpenAIChatWriter, OpenAIPreferenceWriter
from curator.export.sharegpt import ShareGptWriter
from curator.export.trl import TrlDpoWriter, TrlKtoWriter, TrlSftWriter

WRITERS: dict[str, type[FormatWriter]] = {
    w.name: w
    for w in (
        OpenAIChatWriter,
        OpenAIPreferenceWriter,
        TrlSftWriter,
        TrlDpoWriter,
        TrlKtoWriter,
        ShareGptWriter,
        LlamaFactoryWriter,
        AxolotlWriter,
        HfWriter,
    )
}
EXPORT_FORMATS: tuple[str, ...] = tuple(WRITERS)
DEFAULT_FORMATS: tuple[str, ...] = ("openai",)


def check_formats(formats: list[str] | tuple[str, ...]) -> list[str]:
    """The requested formats, each once, in the order given; InvalidInputError names an unknown one."""
    if not formats:
        raise InvalidInputError("no export format given; choose from " + " | ".join(EXPORT_FORMATS), field="format", setting="format")
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise InvalidInputError(
            f"unknown export format {', '.join(repr(f) for f in unknown)}; known: {', '.join(EXPORT_FORMATS)}",
            field="format",
        )
    return list(dict.fromkeys(formats))


def open_writer(name: str, out_dir: Path, *, card: dict[str, Any] | None = None) -> FormatWriter:
    """The writer for format ``name``, writing into ``out_dir/<name>/``."""
    cls = WRITERS[name]
    folder = out_dir / name
    if cls is HfWriter:
        return HfWriter(folder, card=card)
    return cls(folder)
