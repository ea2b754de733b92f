"""Builders for the dedup and export tests: distinct conversations, settled by real decisions."""

from __future__ import annotations

import random
from pathlib import Path

from curator.models import Correction, Decision, Example, Source, User, Verdict
from curator.services import decisions as decisions_service
from curator.store import Store
from curator.store import examples as examples_repo

SYSTEM = {"role": "system", "content": "You are Tally, Tallybook's support assistant."}
# Made-up words: texts drawn from them share almost no 3-word shingle and no 8-gram by chance.
VOCAB = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti", "va", "ze", "bo", "da") for b in ("rin", "tal", "mok", "sef", "dup", "gan", "lix", "vor", "hem", "pau", "quo", "wen")]


def words(seed: int, n: int = 24) -> str:
    return " ".join(random.Random(seed).choices(VOCAB, k=n))


def chat(i: int, *, reply: str | None = None, question: str | None = None) -> list[dict]:
    return [
        SYSTEM,
        {"role": "user", "content": question or f"Question {i}: {words(i)}?"},
        {"role": "assistant", "content": reply or f"Answer {i}: {words(10_000 + i)}."},
    ]


def add(store: Store, messages: list[dict], *, rejected: dict | None = None, line: int = 1, metadata: dict | None = None) -> str:
    ex = Example.create(messages, rejected=rejected, source=Source(name="t.jsonl", file="t.jsonl", line=line, format="openai"), metadata=metadata, tokens=50)
    with store.write() as conn:
        examples_repo.insert_many(conn, [ex])
    return ex.id


def decide(store: Store, user: User, example_id: str, verdict: Verdict, *, correction: Correction | None = None) -> None:
    with store.write() as conn:
        decisions_service.append_in(conn, Decision(example_id=example_id, reviewer=user.name, verdict=verdict, correction=correction), user)


def approved(store: Store, user: User, n: int, *, start: int = 0) -> list[str]:
    """n distinct approved examples."""
    ids = []
    for i in range(start, start + n):
        eid = add(store, chat(i), line=i + 1)
        decide(store, user, eid, Verdict.APPROVE)
        ids.append(eid)
    return ids


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
