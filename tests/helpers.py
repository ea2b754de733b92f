"""Small builders shared by tests (plain functions, real objects)."""

from __future__ import annotations

from curator.models import Example, Source
from curator.store import Store
from curator.store import examples as examples_repo


def conversation(i: int, *, reply: str | None = None) -> list[dict]:
    return [
        {"role": "system", "content": "You are Tally, Tallybook's support assistant."},
        {"role": "user", "content": f"Question number {i}: how do I export invoice {i}?"},
        {"role": "assistant", "content": reply or f"Open invoice {i}, then choose Export > PDF."},
    ]


def make_examples(n: int, *, source: str = "test.jsonl", start: int = 0) -> list[Example]:
    return [
        Example.create(conversation(i), source=Source(name=source, file=source, line=i + 1, format="openai"), tokens=40)
        for i in range(start, start + n)
    ]


def add_examples(store: Store, n: int, **kwargs) -> list[Example]:
    exs = make_examples(n, **kwargs)
    with store.write() as conn:
        examples_repo.insert_many(conn, exs)
    return exs


def component_data(at) -> list[dict]:  # type: ignore[no-untyped-def]
    """The data of every curator component an AppTest run drew (conversations, the review card)."""
    import json

    return [json.loads(e.proto.json) for e in at.get("bidi_component")]


def conversation_texts(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Every message text the conversation renderer was given in an AppTest run."""
    out: list[str] = []
    for data in component_data(at):
        convs = [data["conversation"]] if data.get("mode") == "view" else [c["conversation"] for c in (data.get("current"), data.get("next")) if c]
        for conv in convs:
            out += conv["system"] + [m["text"] for m in conv["messages"]] + ([conv["rejected"]["text"]] if conv["rejected"] else [])
    return out
