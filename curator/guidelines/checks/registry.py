"""The check registry: a check is a pure function (example, params) -> flags, registered by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from curator.guidelines.model import Severity
from curator.models import Example, Message, Role


class Flag(BaseModel):
    """One thing a check found. Checks flag; people decide.

    ``message_index`` is 0-based (messages say "message 3" to people, 1-based); ``span`` is a
    (start, end) character range in that message's text when the check knows it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str = ""  # filled by the runner
    check: str
    message: str
    message_index: int | None = None
    span: tuple[int, int] | None = None
    severity: Severity | None = None  # filled by the runner, from the rule


class CheckParams(BaseModel):
    """Base of every check's params: unknown keys are errors, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(CheckParams):
    """For checks that take no params."""


P = TypeVar("P", bound=CheckParams)
CheckFunction = Callable[[Example, Any], list[Flag]]
F = TypeVar("F", bound=CheckFunction)

# Keys a guideline supplies to every check whose params declare them, unless the rule sets them.
CONTEXT_KEYS = ("language", "model")

# A check reads at most this many characters of a message, so a hostile message costs bounded
# time: 400,000 characters are over 65,536 tokens (the largest training limit in the model table)
# at any plausible density, so a longer message cannot be trained on as it stands anyway. It is
# checked in its first part, and the check says so with a flag.
MAX_SCAN_CHARS = 400_000


@dataclass(frozen=True, slots=True)
class CheckDef:
    """A registered check: its name, its function and the pydantic model of its params."""

    name: str
    func: CheckFunction
    params: type[CheckParams]
    summary: str


_REGISTRY: dict[str, CheckDef] = {}


def check(name: str, *, params: type[CheckParams] = NoParams) -> Callable[[F], F]:
    """Register a check function under ``name``; its params are validated with ``params``."""

    def register(func: F) -> F:
        if name in _REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        _REGISTRY[name] = CheckDef(name=name, func=func, params=params, summary=summary)
        return func

    return register


def check_names() -> list[str]:
    """The names of all registered checks, sorted."""
    return sorted(_REGISTRY)


def get_check(name: str) -> CheckDef:
    """The registered check called ``name``; KeyError names the known checks otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown check {name!r}; known checks: {', '.join(check_names())}") from None


def build_params(name: str, raw: Mapping[str, Any], *, context: Mapping[str, Any] | None = None) -> CheckParams:
    """Validate a rule's params for check ``name``; context fills declared keys the rule omits.

    Raises KeyError for an unknown check and pydantic.ValidationError for bad params.
    """
    definition = get_check(name)
    values = dict(raw)
    for key, value in (context or {}).items():
        if key in definition.params.model_fields and key not in values and value is not None:
            values[key] = value
    return definition.params.model_validate(values)


def messages_with_roles(example: Example, roles: Iterable[Role] | None) -> Iterator[tuple[int, Message]]:
    """(0-based index, message) of the example's messages whose role is in ``roles`` (None: all)."""
    wanted = None if roles is None else set(roles)
    for i, m in enumerate(example.messages):
        if wanted is None or m.role in wanted:
            yield i, m


def scanned(text: str) -> str:
    """The part of a message's text a check reads: its first MAX_SCAN_CHARS characters."""
    return text if len(text) <= MAX_SCAN_CHARS else text[:MAX_SCAN_CHARS]


def partly_read(check_name: str, index: int, text: str) -> list[Flag]:
    """A flag saying a message was only read in part (none when it was read whole)."""
    if len(text) <= MAX_SCAN_CHARS:
        return []
    return [Flag(check=check_name, message_index=index,
                 message=f"message {index + 1} has {len(text):,} characters: only the first "
                         f"{MAX_SCAN_CHARS:,} were checked; check the rest by hand")]
