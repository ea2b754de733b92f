"""Groups that a split must keep on one side: clusters and near-duplicate prompts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from curator.dedup.canonical import message_text, normalize_text
from curator.dedup.clusters import DedupResult, UnionFind, find_clusters
from curator.errors import InvalidInputError

if TYPE_CHECKING:
    from curator.split.features import SplitFeatures

GROUP_BY = ("prompt", "conversation", "none")
# A system or developer prompt is shared by design (often by every example); were it part of
# the prompt, it would pull unrelated examples into one group.
_SHARED_ROLES = frozenset({"system", "developer"})


def _role(message: Any) -> str:
    if isinstance(message, Mapping):
        return str(message.get("role", ""))
    return str(getattr(message, "role", ""))


def _as_dict(message: Any) -> Mapping[str, Any]:
    if isinstance(message, Mapping):
        return message
    return message.model_dump(mode="json", exclude_none=True)


def prompt_messages(messages: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The turns before the final assistant reply, without system and developer messages."""
    end = len(messages)
    for i in range(len(messages) - 1, -1, -1):
        if _role(messages[i]) == "assistant":
            end = i
            break
    return [_as_dict(m) for m in messages[:end] if _role(m) not in _SHARED_ROLES]


def has_prompt_text(messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a prompt has any text or tool call to compare (else grouping leaves it out)."""
    return any(normalize_text(message_text(m)) or m.get("tool_calls") for m in messages)


def _near_duplicates(
    ids: Sequence[str],
    messages: Sequence[Sequence[Any]],
    group_by: str,
    threshold: float,
    seed: int,
    features: SplitFeatures | None,
) -> list[DedupResult]:
    """The clusters of near-duplicate conversations and (with "prompt") prompts."""
    if group_by == "none":
        return []
    usable = features is not None and features.matches(seed=seed, threshold=threshold) and features.covers(ids)
    if features is not None and usable and (group_by == "conversation" or features.prompts is not None):
        found = [features.conversation_clusters()]
        if group_by == "prompt":
            found.append(features.prompt_clusters())
        return found
    passes: list[list[tuple[str, Sequence[Any]]]] = [[(ids[i], messages[i]) for i in range(len(ids))]]
    if group_by == "prompt":
        prompts = [(ids[i], prompt_messages(messages[i])) for i in range(len(ids))]
        passes.append([(ident, p) for ident, p in prompts if p and has_prompt_text(p)])
    return [
        find_clusters(items, threshold=threshold, casefold=True, seed=seed, exclude_roles=_SHARED_ROLES)
        for items in passes
    ]


def group_indices(
    ids: Sequence[str],
    messages: Sequence[Sequence[Any]],
    cluster_ids: Sequence[str | None],
    *,
    group_by: str = "prompt",
    threshold: float = 0.8,
    seed: int = 0,
    features: SplitFeatures | None = None,
) -> list[list[int]]:
    """Partition of range(len(ids)) into groups that never straddle train and test.

    Items sharing a cluster_id are together. With "conversation", so are near-duplicate
    conversations; with "prompt", near-duplicate conversations and near-duplicate prompts.
    Near duplicates are compared case-folded and without system or developer messages: for
    leaks, more grouping is the safe side, but a shared system prompt is not a leak.
    Features made over exactly these ids with this seed and threshold spare the hashing.
    """
    if group_by not in GROUP_BY:
        raise InvalidInputError(
            f"group_by must be one of {', '.join(GROUP_BY)}, not {group_by!r}", field="group_by"
        )
    forest = UnionFind(len(ids))
    first_of_cluster: dict[str, int] = {}
    for i, cluster_id in enumerate(cluster_ids):
        if cluster_id is not None:
            forest.union(first_of_cluster.setdefault(cluster_id, i), i)

    index = {ident: i for i, ident in enumerate(ids)}
    for result in _near_duplicates(ids, messages, group_by, threshold, seed, features):
        for cluster in result.clusters:
            head = index[cluster.members[0]]
            for member in cluster.members[1:]:
                forest.union(head, index[member])

    groups: dict[int, list[int]] = {}
    for i in range(len(ids)):
        groups.setdefault(forest.find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: ids[g[0]])
