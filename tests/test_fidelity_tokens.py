"""Counts and cost in the asked model's own encoding (issue 11, item 7)."""

from __future__ import annotations

from pathlib import Path

from curator.formats import open_records
from curator.services.importing import import_file
from curator.services.stats import dataset_stats
from curator.store import Store
from curator.tokens import count_many, estimate_cost

DATA = Path(__file__).parent / "data" / "fidelity" / "mixed.jsonl"


def expected(model: str) -> list[int]:
    examples = [p.example for p in open_records(DATA) if p.example]
    return count_many([ex.plain_messages() for ex in examples], model=model, tools=[ex.tools for ex in examples])


def test_stats_for_a_model_on_another_tokenizer_counts_in_its_encoding(store: Store) -> None:
    import_file(store, DATA)  # counted for the default model (o200k_base)
    cl100k, o200k = expected("gpt-3.5-turbo"), expected("gpt-4o-mini")
    assert cl100k != o200k  # the fixture tells the two tokenizers apart
    old = dataset_stats(store, model="gpt-3.5-turbo")
    assert old["encoding"] == "cl100k_base" and old["recounted"] == len(cl100k)
    assert old["tokens"]["total"] == sum(cl100k)
    assert old["cost"]["billing_tokens"] == estimate_cost(cl100k, model="gpt-3.5-turbo").billing_tokens
    new = dataset_stats(store)
    assert (new["tokens"]["total"], new["recounted"]) == (sum(o200k), 0)


def test_counts_stored_for_the_imports_model_are_reused_for_it(store: Store) -> None:
    import_file(store, DATA, model="gpt-3.5-turbo")
    same = dataset_stats(store, model="gpt-3.5-turbo-1106")
    assert (same["tokens"]["total"], same["recounted"]) == (sum(expected("gpt-3.5-turbo")), 0)
    other = dataset_stats(store, model="gpt-4o")
    assert other["tokens"]["total"] == sum(expected("gpt-4o"))
