"""The Ray engine gives the in-process engine's clusters and byte-identical export files.

One local Ray (2 CPUs, no dashboard, no usage statistics) started by this module serves every
test; the engine joins it rather than starting its own. A generated set has planted near
duplicates (one word changed), exact duplicates after normalisation (doubled spaces), corrected
negatives and shared first turns.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_user
from curator.cli import main
from curator.dedup import find_clusters
from curator.dedup.engines import engine_named
from curator.models import Correction, Decision, Example, Source, Verdict
from curator.services import decisions as decisions_service
from curator.services.dedup import run_dedup
from curator.services.export import export
from curator.store import Store
from curator.store import examples as examples_repo
from export_builders import SYSTEM, VOCAB, read_tree

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
import ray  # noqa: E402 - in the test extra, so CI always has it

N = 1200


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCAB, k=n))


def conversations(n: int = N, seed: int = 5) -> list[list[dict]]:
    """n conversations; ~6% near duplicates of an earlier one, ~3% exact after normalisation."""
    rng = random.Random(seed)
    made: list[list[dict]] = []
    for i in range(n):
        roll = rng.random()
        if made and roll < 0.06:
            base = rng.choice(made)
            words = base[2]["content"].split()
            words[rng.randrange(len(words))] = rng.choice(VOCAB)
            made.append([base[0], base[1], {"role": "assistant", "content": " ".join(words)}])
        elif made and roll < 0.09:
            base = rng.choice(made)
            made.append([base[0], {"role": "user", "content": base[1]["content"].replace(" ", "  ", 1)}, base[2]])
        else:
            made.append([SYSTEM, {"role": "user", "content": f"{i} {_text(rng, rng.randint(6, 20))}?"},
                         {"role": "assistant", "content": _text(rng, rng.randint(20, 60)) + "."}])
    return made


def build(store: Store, n: int = N) -> None:
    """The conversations imported and settled: approved, some negative (every third corrected)."""
    ana = make_user(store, "ana")
    rng = random.Random(11)
    examples = [
        Example.create(m, source=Source(name="g.jsonl", file="g.jsonl", line=i + 1, format="openai"), tokens=60)
        for i, m in enumerate(conversations(n))
    ]
    with store.write() as conn:
        new = examples_repo.insert_many(conn, examples)
        for k, (ex, fresh) in enumerate(zip(examples, new, strict=True)):
            if not fresh:
                continue
            if rng.random() < 0.08:
                correction = Correction(reply=f"Corrected {k}: {_text(rng, 12)}") if k % 3 == 0 else None
                decision = Decision(example_id=ex.id, reviewer=ana.name, verdict=Verdict.NEGATIVE, correction=correction)
            else:
                decision = Decision(example_id=ex.id, reviewer=ana.name, verdict=Verdict.APPROVE)
            decisions_service.append_in(conn, decision, ana)


def test_find_clusters_on_ray_equals_in_process(local_ray: None) -> None:
    items = [(f"e{i:05d}", m) for i, m in enumerate(conversations())]
    here = find_clusters(items, threshold=0.8)
    with engine_named("ray") as engine:
        there = find_clusters(items, threshold=0.8, engine=engine)
    assert here.clusters and any(c.kind == "near" for c in here.clusters) and any(c.kind == "exact" for c in here.clusters)
    assert there.clusters == here.clusters
    assert there.pairs == here.pairs
    assert {**vars(there.stats), "seconds": 0} == {**vars(here.stats), "seconds": 0}
    assert ray.is_initialized()  # it joined the running Ray: closing the engine left it up


def test_export_on_ray_is_byte_identical_to_in_process(local_ray: None, sqlite_store: Store, tmp_path: Path) -> None:
    build(sqlite_store)
    formats = ["openai", "trl-dpo", "sharegpt"]
    here = export(sqlite_store, tmp_path / "here", formats=formats, seed=3)
    there = export(sqlite_store, tmp_path / "there", formats=formats, seed=3, engine="ray")
    assert here["dedup"]["near_clusters"] > 10 and here["dedup"]["exact_clusters"] > 10
    assert here["left_out"]["duplicate"] > 0 and here["counts"]["test"] > 50
    a, b = read_tree(tmp_path / "here"), read_tree(tmp_path / "there")
    assert sorted(a) == sorted(b)
    assert all(a[name] == b[name] for name in a), [name for name in a if a[name] != b[name]]
    assert here == there


def test_cli_engine_ray_matches_in_process(local_ray: None, sqlite_url: str, tmp_path: Path) -> None:
    store = Store(sqlite_url)
    build(store, 300)
    store.close()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, ["--db", sqlite_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def clusters(output: str) -> dict:
        data = json.loads(output)
        return {k: v for k, v in data.items() if k not in ("run", "seconds")}

    assert clusters(run("dedup", "--json", "--engine", "ray")) == clusters(run("dedup", "--json"))
    run("export", str(tmp_path / "a"), "--seed", "1")
    run("export", str(tmp_path / "b"), "--seed", "1", "--engine", "ray")
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")


def test_ray_address_without_the_ray_engine_is_a_usage_error(sqlite_store: Store) -> None:
    from curator.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="goes with the ray engine"):
        run_dedup(sqlite_store, engine="in-process", ray_address="127.0.0.1:6379")
    with pytest.raises(InvalidInputError, match="unknown engine"):
        run_dedup(sqlite_store, engine="spark")
