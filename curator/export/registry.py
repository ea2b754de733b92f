"""Format names (as `curator export --format` takes them) mapped to their writers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from curator.errors import InvalidInputError
from curator.export.base import FormatWriter

# One line per format, in the order `--format` lists them: the writer class, by its dotted path
# (the class's ``name`` is the format's name). A new format is a new module plus its line here.
_WRITER_CLASSES = (
    "curator.export.openai.OpenAIChatWriter",
    "curator.export.openai.OpenAIPreferenceWriter",
    "curator.export.trl.TrlSftWriter",
    "curator.export.trl.TrlDpoWriter",
    "curator.export.trl.TrlKtoWriter",
    "curator.export.sharegpt.ShareGptWriter",
    "curator.export.llama_factory.LlamaFactoryWriter",
    "curator.export.axolotl.AxolotlWriter",
    "curator.export.hf.HfWriter",
)


def _writer_class(path: str) -> type[FormatWriter]:
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, FormatWriter)):
        raise TypeError(f"{path} is not a FormatWriter")
    return cls


WRITERS: dict[str, type[FormatWriter]] = {w.name: w for w in map(_writer_class, _WRITER_CLASSES)}
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
    return WRITERS[name](out_dir / name, card=card)
