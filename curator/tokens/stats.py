"""Token-count distribution and training-cost estimate, by the OpenAI cookbook's rules."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from curator.errors import InvalidInputError
from curator.tokens.catalog import DEFAULT_MODEL, model_info

# The defaults OpenAI's fine-tuning API picks epochs by (cookbook, Chat_finetuning_data_prep):
# aim at TARGET_EPOCHS passes, but see at least MIN_TARGET_EXAMPLES and at most
# MAX_TARGET_EXAMPLES examples in total.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """What fine-tuning on a set of examples would bill."""

    model: str
    n_examples: int
    billing_tokens: int  # per epoch: each example counted up to the model's limit
    epochs: int
    training_tokens: int  # billing_tokens x epochs
    usd: float | None  # None when the model has no public training price
    over_limit: int  # examples longer than the limit (truncated in training)


def distribution(counts: Sequence[int]) -> dict[str, float | int | None]:
    """min, p10, median, p90, max, mean and total of ``counts`` (None for an empty sequence)."""
    if not counts:
        return dict.fromkeys(("min", "p10", "median", "p90", "max", "mean"), None) | {"total": 0}
    ordered = sorted(counts)
    total = sum(ordered)
    return {
        "min": ordered[0],
        "p10": _quantile(ordered, 0.1),
        "median": _quantile(ordered, 0.5),
        "p90": _quantile(ordered, 0.9),
        "max": ordered[-1],
        "mean": total / len(ordered),
        "total": total,
    }


def default_epochs(n_examples: int) -> int:
    """Epochs OpenAI picks by default for ``n_examples`` training examples (0 for none)."""
    if n_examples <= 0:
        return 0
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def estimate_cost(
    counts: Sequence[int], *, model: str = DEFAULT_MODEL, epochs: int | None = None
) -> CostEstimate:
    """Training cost of examples with these token counts: billed tokens x epochs x price."""
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise InvalidInputError(f"epochs must be a whole number of at least 1, not {epochs!r}", field="epochs")
    info = model_info(model)
    limit = info.max_example_tokens
    billing = sum(min(count, limit) for count in counts)
    n_epochs = default_epochs(len(counts)) if epochs is None else epochs
    training = billing * n_epochs
    usd = None if info.price_per_million is None else training * info.price_per_million / 1_000_000
    return CostEstimate(
        model=info.name,
        n_examples=len(counts),
        billing_tokens=billing,
        epochs=n_epochs,
        training_tokens=training,
        usd=usd,
        over_limit=sum(1 for count in counts if count > limit),
    )


def _quantile(ordered: Sequence[int], q: float) -> float:
    # Linear interpolation between closest ranks, as numpy.quantile does by default.
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
