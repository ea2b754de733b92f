"""Token counts and training-cost estimates, computed offline with tiktoken."""

from curator.tokens.catalog import DEFAULT_MODEL, ModelInfo, known_models, model_info
from curator.tokens.counting import count_many, count_messages, encoding_for
from curator.tokens.stats import CostEstimate, default_epochs, distribution, estimate_cost

__all__ = [
    "DEFAULT_MODEL",
    "CostEstimate",
    "ModelInfo",
    "count_many",
    "count_messages",
    "default_epochs",
    "distribution",
    "encoding_for",
    "estimate_cost",
    "known_models",
    "model_info",
]
