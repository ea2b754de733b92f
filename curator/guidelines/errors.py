"""The load error of a guideline file: names the file, the rule and the field."""

from __future__ import annotations

from curator.errors import InvalidInputError


class GuidelineError(InvalidInputError):
    """A guideline file that cannot be loaded.

    Renders as ``guidelines/general.md:12: rule 'no-pii' field 'severity': <reason>``; ``rule``
    is the rule's id, or ``#3`` (1-based position) when the rule has no usable id.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str,
        rule: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.rule = rule
        super().__init__(message, file=file, line=line, field=field)

    def _render(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        parts = []
        if self.rule is not None:
            parts.append(f"rule {self.rule}" if self.rule.startswith("#") else f"rule {self.rule!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        located = " ".join(parts)
        if located:
            return f"{where}: {located}: {self.reason}" if where else f"{located}: {self.reason}"
        return f"{where}: {self.reason}" if where else self.reason
