"""curator: curate fine-tuning data for chat models.

The package exports library objects only; the command line lives in ``curator.cli``.
"""

from curator.errors import (
    ConflictError,
    CuratorError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
)
from curator.models import (
    Correction,
    Decision,
    DecisionKind,
    Example,
    Message,
    Outcome,
    Problem,
    Role,
    Source,
    UserRole,
    Verdict,
)

__version__ = "0.1.0"

__all__ = [
    "ConflictError",
    "Correction",
    "CuratorError",
    "Decision",
    "DecisionKind",
    "Example",
    "InvalidInputError",
    "Message",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "Problem",
    "Role",
    "Source",
    "StorageError",
    "UserRole",
    "Verdict",
    "__version__",
]
