"""One exception tree for curator, grouped by what the caller can do about it."""

from __future__ import annotations

import errno
import os


class CuratorError(Exception):
    """Root of every error curator raises on purpose.

    Messages say what is wrong in the domain's words. ``setting`` names the argument of the
    call that decides the matter, where one does (``allow_contamination``, ``replace``,
    ``format``): the command line adds its flag to the message, the app its control.
    """

    setting: str | None = None


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
        setting: str | None = None,
    ) -> None:
        self.setting = setting
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

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        self.setting = setting
        super().__init__(message)


class PermissionDeniedError(CuratorError):
    """The signed-in user's role does not allow this action."""


class StorageError(CuratorError):
    """The database or a file could not be used; the message says which and how to fix it."""


class TooManyAttemptsError(PermissionDeniedError):
    """Too many failed sign-ins for a name or from an address; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class PathError(StorageError):
    """A file or folder cannot be read or written: missing, of the wrong kind, not permitted,
    or the disk is full. ``path`` names it; ``reason`` says what is wrong and what to do."""

    def __init__(self, path: str | os.PathLike[str] | None, reason: str, *, errno: int | None = None) -> None:
        self.path = os.fspath(path) if path is not None else None
        self.reason = reason
        self.errno = errno
        super().__init__(f"{self.path}: {reason}" if self.path is not None else reason)


# What to do about the OSErrors a user can fix, by errno.
_ADVICE = {
    errno.ENOENT: "no such file or folder; check the path",
    errno.ENOTDIR: "a file is in the way where a folder is expected; check the path",
    errno.EISDIR: "is a folder; give a file name",
    errno.EEXIST: "already exists; choose another name",
    errno.ENOTEMPTY: "the folder is not empty; choose another",
    errno.EACCES: "permission denied; change its permissions or choose another place",
    errno.EPERM: "operation not permitted; change its permissions or choose another place",
    errno.EROFS: "the file system is read-only; choose another place",
    errno.ENOSPC: "no space left on the device; free some space and run again",
    errno.EDQUOT: "disk quota exceeded; free some space and run again",
    errno.EFBIG: "the file is too large for this file system; choose another place",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
}


def path_error(exc: OSError, path: str | os.PathLike[str] | None = None) -> PathError:
    """The PathError for an OSError: ``path`` (else the one the error names) and what to do.

    Callers pass the path the user gave where the OSError names a temporary one of curator's.
    """
    where = path if path is not None else exc.filename
    reason = _ADVICE.get(exc.errno or 0) or (exc.strerror or str(exc) or type(exc).__name__).lower()
    return PathError(where, reason, errno=exc.errno)
