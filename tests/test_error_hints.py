"""Library errors say what is wrong; the command line adds its flag, the app its control."""

from __future__ import annotations

from curator.app.notices import with_control_hint
from curator.cli.base import with_flag_hint
from curator.errors import ConflictError, InvalidInputError, NotFoundError


def test_the_command_line_adds_the_flag_an_error_names() -> None:
    leak = ConflictError("the test split is contaminated", setting="allow_contamination")
    assert with_flag_hint(leak) == "the test split is contaminated; or pass --allow-contamination to export anyway"
    unknown = InvalidInputError("no known format in the first 3 records; name the format", file="u.jsonl", setting="format")
    assert with_flag_hint(unknown) == "u.jsonl: no known format in the first 3 records; name the format; pass --format"


def test_the_app_adds_its_control_and_nothing_it_does_not_have() -> None:
    unknown = InvalidInputError("no known format in the first 3 records; name the format", file="u.jsonl", setting="format")
    assert with_control_hint(unknown).endswith("; choose it in the Format box")
    assert "--" not in with_control_hint(ConflictError("x holds a curator export", setting="replace"))


def test_an_error_that_names_no_setting_is_left_as_it_is() -> None:
    missing = NotFoundError("no example 'abc'")
    assert with_flag_hint(missing) == with_control_hint(missing) == "no example 'abc'"
