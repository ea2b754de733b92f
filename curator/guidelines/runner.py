"""Run a guideline set's checks on an example, or on a model's reply in place of the example's."""

from __future__ import annotations

from curator.guidelines.checks.registry import Flag, get_check
from curator.guidelines.model import GuidelineSet, Rule
from curator.models import Example, Message, Role


def run_rule(example: Example, rule: Rule) -> list[Flag]:
    """The flags of one rule's check on an example (none when the rule has no check)."""
    if rule.check is None:
        return []
    definition = get_check(rule.check.name)
    found = definition.func(example, rule.check.config)
    return [f.model_copy(update={"rule_id": rule.id, "severity": rule.severity}) for f in found]


def run_checks(example: Example, guideline_set: GuidelineSet) -> list[Flag]:
    """Every rule's check on the example: flags in rule order, each naming its rule and severity."""
    # guideline_set.rules builds a new tuple on every access; walking the guidelines is the same order.
    flags: list[Flag] = []
    for guideline in guideline_set.guidelines:
        for rule in guideline.rules:
            if rule.check is not None:
                flags += run_rule(example, rule)
    return flags


def with_reply(example: Example, reply_text: str) -> tuple[Example, int]:
    """The example with its final reply replaced by ``reply_text``, and the reply's index."""
    prompt = example.prompt
    messages = [*prompt, Message(role=Role.ASSISTANT, content=reply_text)]
    # Same stored token count: a model's reply has no bearing on the example's training length.
    replaced = Example(id=example.id, messages=messages, tools=example.tools, source=example.source,
                       metadata=example.metadata, tokens=example.tokens)
    return replaced, len(prompt)


def check_prediction(example: Example, reply_text: str, guideline_set: GuidelineSet) -> list[Flag]:
    """The flags a model's reply earns in place of the example's final reply.

    Only flags on the reply itself are kept: the prompt's own flags say nothing about the model.
    """
    replaced, index = with_reply(example, reply_text)
    return [f for f in run_checks(replaced, guideline_set) if f.message_index == index]
