"""The token limit check: an example must fit the target model's per-example training limit."""

from __future__ import annotations

from pydantic import Field, model_validator

from curator.guidelines.checks.registry import CheckParams, Flag, check
from curator.models import Example

# Per-example training limits of OpenAI's fine-tunable chat models (the fine-tuning guide's
# "token limits"); longer examples are truncated in training, so the guideline blocks them.
TRAINING_TOKEN_LIMITS: dict[str, int] = {
    "gpt-4.1-2025-04-14": 65_536,
    "gpt-4.1-mini-2025-04-14": 65_536,
    "gpt-4.1-nano-2025-04-14": 65_536,
    "gpt-4o-2024-08-06": 65_536,
    "gpt-4o-mini-2024-07-18": 65_536,
    "gpt-3.5-turbo-0125": 16_385,
    "gpt-3.5-turbo-1106": 16_385,
    "gpt-3.5-turbo-0613": 4_096,
}


def training_token_limit(model: str) -> int | None:
    """The per-example training limit of a model, or None when curator does not know it."""
    return TRAINING_TOKEN_LIMITS.get(model)


class TokenLimitParams(CheckParams):
    model: str  # filled from the guideline's target_model unless the rule names one
    limit: int | None = Field(default=None, ge=1)  # overrides the known limit of the model

    @model_validator(mode="after")
    def _known_limit(self) -> TokenLimitParams:
        if self.limit is None and training_token_limit(self.model) is None:
            known = ", ".join(sorted(TRAINING_TOKEN_LIMITS))
            raise ValueError(f"no known training limit for model {self.model!r}; set params 'limit' (known models: {known})")
        return self

    @property
    def effective_limit(self) -> int:
        """The limit in force: the rule's own, else the model's."""
        return self.limit if self.limit is not None else TRAINING_TOKEN_LIMITS[self.model]


@check("token_limit", params=TokenLimitParams)
def token_limit(example: Example, params: TokenLimitParams) -> list[Flag]:
    """The example's tokens (counted for the target model when not stored) fit the limit."""
    tokens = example.tokens
    if tokens is None:
        # Imported here: the tokenizer loads vocabularies, and most checks never need it.
        from curator.tokens import count_messages

        tokens = count_messages([m.dump() for m in example.messages], tools=example.tools, model=params.model)
    limit = params.effective_limit
    if tokens <= limit:
        return []
    return [Flag(check="token_limit", message=f"example has {tokens:,} tokens, over the {limit:,}-token training limit of {params.model}")]
