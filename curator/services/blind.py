"""Blind review: reviewers see other reviewers' decisions on an example only once it is settled.

Leads and admins see everything. A reviewer sees, on an unsettled example (pending or in
conflict), only their own decisions: not who else decided, what, why, nor that the decisions
disagree (a conflict shows as pending), nor a gold answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from curator.errors import PermissionDeniedError
from curator.models import Decision, Outcome, User, UserRole
from curator.services.users import require


def sees_everything(viewer: User) -> bool:
    """Leads and admins see every decision at once."""
    return viewer.role.at_least(UserRole.LEAD)


def blind_to(viewer: User) -> int | None:
    """The viewer's id when blind review applies to them (the store filters by it), else None."""
    require(viewer, UserRole.REVIEWER)
    return None if sees_everything(viewer) else viewer.id


def outcome_shown(outcome: Outcome, viewer: User) -> Outcome:
    """The outcome as the viewer may see it: a conflict is pending to a reviewer."""
    if outcome == Outcome.CONFLICT and not sees_everything(viewer):
        return Outcome.PENDING
    return outcome


def outcomes_visible(viewer: User) -> list[Outcome]:
    """The outcomes the viewer may filter by."""
    return [o for o in Outcome if sees_everything(viewer) or o != Outcome.CONFLICT]


def outcome_filter(outcomes: Sequence[str], viewer: User) -> list[str]:
    """The stored outcomes a viewer's outcome filter means (their "pending" takes in conflicts)."""
    wanted = list(outcomes)
    if sees_everything(viewer) or not wanted:
        return wanted
    if Outcome.CONFLICT.value in wanted:
        raise PermissionDeniedError("listing conflicts is for leads: reviewers see a conflict as pending")
    if Outcome.PENDING.value in wanted:
        wanted.append(Outcome.CONFLICT.value)
    return wanted


def history_shown(history: Sequence[Decision], outcome: Outcome, viewer: User) -> list[Decision]:
    """The decision history the viewer may see: all once settled, else only their own entries."""
    if sees_everything(viewer) or outcome.settled:
        return list(history)
    return [d for d in history if d.reviewer == viewer.name]


def suggestions_visible(viewer: User, *, required: int, gold: bool) -> bool:
    """Whether the viewer may see model suggestions on an example.

    A suggestion is a judgement too: where blind review keeps reviewers' judgements apart (an
    example that needs more than one decision, so their agreement is measured) a suggestion
    would anchor every reviewer to the same answer, and on a gold example it would give the
    answer away. Reviewers see suggestions only where one decision settles the example and it
    is not gold; leads and admins always see them.
    """
    if sees_everything(viewer):
        return True
    return required <= 1 and not gold
