"""`curator stats`: counts, token distribution, examples over the limit, training cost.

Counts and cost are in the asked model's own encoding: stored counts made with another
tokenizer (an import for another --model) are counted again for it, never reused.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.store.jsontext import loads
from curator.tokens import DEFAULT_MODEL, count_many, model_info
from curator.tokens.stats import distribution, estimate_cost


def dataset_stats(store: Store, *, model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """A summary of the database, as plain data (the CLI prints it or dumps it as JSON)."""
    info = model_info(model)
    default = model_info(DEFAULT_MODEL).encoding
    recounted = 0
    with store.read() as conn:
        by_source = examples_repo.counts_by(conn, "source_name")
        by_outcome = examples_repo.counts_by(conn, "outcome")
        tokens = examples_repo.token_counts_in(conn, info.encoding, default=default)
        for batch in examples_repo.conversations_counted_otherwise(conn, info.encoding, default=default):
            tokens += count_many([loads(m) for m, _ in batch], model=info.name, tools=[loads(t) for _, t in batch])
            recounted += len(batch)
        n_problems = imports_repo.count_problems(conn)
        n_decisions = decisions_repo.count(conn)
    cost = estimate_cost(tokens, model=info.name) if tokens else None
    return {
        "examples": sum(by_source.values()),
        "problems": n_problems,
        "decisions": n_decisions,
        "by_source": dict(sorted(by_source.items())),
        "by_outcome": dict(sorted(by_outcome.items())),
        "tokens": distribution(tokens) if tokens else None,
        "over_limit": sum(1 for t in tokens if t > info.max_example_tokens),
        "model": info.name,
        "encoding": info.encoding,
        "recounted": recounted,  # examples whose stored count was in another encoding
        "max_example_tokens": info.max_example_tokens,
        "cost": asdict(cost) if cost else None,
    }
