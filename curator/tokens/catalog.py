"""The fine-tunable models curator knows, read from the editable ``models.toml``."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from curator.errors import InvalidInputError, NotFoundError
from curator.tokens.vocab import VOCABULARY_SHA256


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One fine-tunable model snapshot and what training on it costs."""

    name: str
    family: str
    encoding: str
    max_example_tokens: int
    price_per_million: float | None  # USD per 1M training tokens; None when not listed
    default: bool = False


def read_model_table(path: Traversable | Path) -> dict[str, ModelInfo]:
    """Parse and check a models.toml file: snapshot name -> ModelInfo."""
    file = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read the model table ({exc})", file=file) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"not valid TOML ({exc})", file=file) from exc
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise InvalidInputError("needs at least one [models.\"<name>\"] table", file=file)
    table = {name: _model(name, entry, file=file) for name, entry in models.items()}
    defaults = [info.name for info in table.values() if info.default]
    if len(defaults) != 1:
        raise InvalidInputError(
            f"exactly one model must have default = true, found {len(defaults)}"
            + (f" ({', '.join(defaults)})" if defaults else ""),
            file=file,
        )
    return table


def model_info(model: str) -> ModelInfo:
    """The table entry for ``model``: a snapshot, a family prefix or a fine-tuned model id."""
    table = _shipped_table()
    name = model.strip()
    if name.startswith("ft:"):
        # "ft:gpt-4o-mini-2024-07-18:org:suffix:id" is trained from the snapshot after "ft:".
        name = name[3:].split(":", 1)[0]
    if name in table:
        return table[name]
    best: ModelInfo | None = None
    for info in table.values():
        if name == info.family or name.startswith(info.family + "-"):
            # The longest family wins, so "gpt-4.1-mini" is not read as "gpt-4.1".
            if best is None or len(info.family) > len(best.family):
                best = info
    if best is None:
        raise NotFoundError(
            f"unknown model {model!r}; known models: {', '.join(table)} "
            "(add it to curator/tokens/models.toml)"
        )
    return best


def known_models() -> list[ModelInfo]:
    """Every model in the shipped table, in file order."""
    return list(_shipped_table().values())


def _model(name: str, entry: Any, *, file: str) -> ModelInfo:
    if not isinstance(entry, dict):
        raise InvalidInputError("must be a table", file=file, field=f"models.{name}")

    def field(key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise InvalidInputError(
                f"{key} is {value!r}, expected {getattr(kind, '__name__', 'a number')}",
                file=file,
                field=f"models.{name}.{key}",
            )
        return value

    encoding = field("encoding", str)
    if encoding not in VOCABULARY_SHA256:
        raise InvalidInputError(
            f"encoding {encoding!r} is not shipped; use one of {', '.join(sorted(VOCABULARY_SHA256))}",
            file=file,
            field=f"models.{name}.encoding",
        )
    max_tokens = field("max_example_tokens", int)
    price = field("price_per_million", (int, float), required=False)
    if max_tokens <= 0 or (price is not None and price < 0):
        raise InvalidInputError(
            "max_example_tokens must be positive and price_per_million not negative",
            file=file,
            field=f"models.{name}",
        )
    return ModelInfo(
        name=name,
        family=field("family", str, required=False) or name,
        encoding=encoding,
        max_example_tokens=max_tokens,
        price_per_million=None if price is None else float(price),
        default=bool(field("default", bool, required=False)),
    )


@functools.cache
def _shipped_table() -> dict[str, ModelInfo]:
    return read_model_table(resources.files("curator.tokens").joinpath("models.toml"))


DEFAULT_MODEL: str = next(info.name for info in _shipped_table().values() if info.default)
