"""Text similarity, to tell whether a model's reply is closer to the undesired reply or the desired one."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

Method = Literal["trigram", "jaccard"]
Closer = Literal["desired", "undesired", "tie"]

_WORD = re.compile(r"\w+")


def token_jaccard(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' lower-cased word sets (1.0 for two empty texts)."""
    sa, sb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _trigrams(text: str) -> Counter[str]:
    folded = " " + " ".join(text.lower().split()) + " "
    return Counter(folded[i : i + 3] for i in range(len(folded) - 2))


def trigram_cosine(a: str, b: str) -> float:
    """Cosine similarity of the texts' character 3-gram counts (whitespace folded, lower case)."""
    ca, cb = _trigrams(a), _trigrams(b)
    if not a.strip() and not b.strip():
        return 1.0
    dot = sum(n * cb[g] for g, n in ca.items())
    norm = math.sqrt(sum(n * n for n in ca.values())) * math.sqrt(sum(n * n for n in cb.values()))
    return dot / norm if norm else 0.0


def similarity(a: str, b: str, *, method: Method = "trigram") -> float:
    """Similarity in [0, 1] by the named method."""
    if method == "trigram":
        return trigram_cosine(a, b)
    if method == "jaccard":
        return token_jaccard(a, b)
    raise ValueError(f"unknown similarity method {method!r}; use 'trigram' or 'jaccard'")


@dataclass(frozen=True, slots=True)
class ReplyComparison:
    """How similar a reply is to the desired and to the undesired reply, and which it is closer to."""

    desired: float
    undesired: float
    closer: Closer


def compare_reply(reply: str, *, desired: str, undesired: str, method: Method = "trigram",
                  margin: float = 0.02) -> ReplyComparison:
    """Compare a model's reply with the desired and undesired replies; within ``margin`` is a tie."""
    to_desired = similarity(reply, desired, method=method)
    to_undesired = similarity(reply, undesired, method=method)
    closer: Closer = "tie"
    if to_undesired - to_desired > margin:
        closer = "undesired"
    elif to_desired - to_undesired > margin:
        closer = "desired"
    return ReplyComparison(desired=to_desired, undesired=to_undesired, closer=closer)


def closer_to_undesired(reply: str, *, desired: str, undesired: str, method: Method = "trigram",
                        margin: float = 0.02) -> bool:
    """True when the reply is clearly closer to the undesired reply than to the desired one."""
    return compare_reply(reply, desired=desired, undesired=undesired, method=method, margin=margin).closer == "undesired"
