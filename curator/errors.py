"""One exception tree for curator, grouped by what the caller can do about it."""

from __future__ import annotations


class CuratorError(Exception):
    """Root of every error curator raises on purpose."""


class InvalidInputError(CuratorError, ValueError):
    """The caller's input is wrong: a file, a record, an argument. Fix the input and retry.

    ``file``, ``line`` and ``field`` locate the problem where they are known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.code = code
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
        if self.field:
            where += f"{' ' if where else ''}field {self.field!r}"
        return f"{where}: {self.reason}" if where else self.reason


class NotFoundError(CuratorError, LookupError):
    """Something named does not exist (example, user, rule, file)."""


class ConflictError(CuratorError):
    """The request conflicts with the current state (taken name, stale claim, contamination)."""


class PermissionDeniedError(CuratorError):
    """The signed-in user's role does not allow this action."""


class StorageError(CuratorError):
    """The database failed or is unreachable; the message says which and how to fix it."""


class TooManyAttemptsError(PermissionDeniedError):
    """Too many failed sign-ins for a name or from an address; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)
