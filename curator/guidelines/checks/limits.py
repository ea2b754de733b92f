"""The token limit check: an example must fit the target model's per-example training limit."""

from __future__ import annotations

from pydantic import Field, model_validator

from curator.errors import NotFoundError
from curator.guidelines.checks.registry import CheckParams, Flag, check
from curator.models import Example


def training_token_limit(model: str) -> int | None:
    """The per-example training limit of a model from curator.tokens' model table, or None."""
    # Imported here: curator.tokens owns the model table and loads tiktoken, which most checks never need.
    from curator.tokens import model_info

    try:
        return model_info(model).max_example_tokens
    except NotFoundError:
        return None


class TokenLimitParams(CheckParams):
    model: str  # filled from the guideline's target_model unless the rule names one
    limit: int | None = Field(default=None, ge=1)  # overrides the known limit of the model

    @model_validator(mode="after")
    def _known_limit(self) -> TokenLimitParams:
        if self.limit is None and training_token_limit(self.model) is None:
            raise ValueError(f"no known training limit for model {self.model!r}; set params 'limit' "
                             "or add the model to curator/tokens/models.toml")
        return self

    @property
    def effective_limit(self) -> int:
        """The limit in force: the rule's own, else the model's."""
        if self.limit is not None:
            return self.limit
        known = training_token_limit(self.model)
        assert known is not None  # the validator made sure of it
        return known


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
