"""`curator stats`: counts, token distribution, examples over the limit, training cost."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import imports as imports_repo
from curator.tokens import DEFAULT_MODEL, model_info
from curator.tokens.stats import distribution, estimate_cost


def dataset_stats(store: Store, *, model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """A summary of the database, as plain data (the CLI prints it or dumps it as JSON)."""
    info = model_info(model)
    with store.read() as conn:
        by_source = examples_repo.counts_by(conn, "source_name")
        by_outcome = examples_repo.counts_by(conn, "outcome")
        tokens = examples_repo.token_counts(conn)
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
        "max_example_tokens": info.max_example_tokens,
        "cost": asdict(cost) if cost else None,
    }
