"""Generate the Tallybook sample data set, its planted-issue list and README table.

Deterministic: `python sample_data/generate.py [OUT_DIR]` writes byte-identical files on every run.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _longform
import _planted
from _dialogue import (
    SYSTEM_PROMPTS,
    TEXT_POOL,
    answer,
    converse,
    dress,
    pick,
    user_turns,
)
from _kit import TOOLS, Msg, context, fill
from _pairs import (
    ALPACA_INSTRUCTIONS,
    ALPACA_MISSING_OUTPUT,
    ALPACA_STANDALONE,
    GENERIC_BAD,
)
from _readme import readme

SEED = 20240611
CHAT, SHAREGPT, PREFS = "tallybook_chat.jsonl", "tallybook_sharegpt.json", "tallybook_preferences.jsonl"
ALPACA, HH, LONG = "tallybook_alpaca.json", "tallybook_hh.jsonl", "tallybook_longform.jsonl.gz"
N_CHAT_TEXT, N_CHAT_TOOLS, N_SHAREGPT, N_PREFS, N_HH, N_ALPACA_QA = 126, 44, 50, 30, 10, 11
MAX_SIMILARITY = 0.5  # generated conversations stay well below the near-duplicate threshold


@dataclass(eq=False)
class Item:
    """One record of one file, with the issues planted in it."""

    record: Any  # a JSON value, or a raw line (str) for planted format errors
    kind: str = ""
    expect: list[str] = field(default_factory=list)
    ref: Item | None = None  # the original of a duplicate / near duplicate
    messages: list[Msg] | None = None  # the conversation, for similarity and duplicate checks
    file: str = ""
    line: int = 0
    alt_bytes: bool = False  # serialise with other key order and spacing (same content)


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of lower-cased text (the definition tests/test_sample_data.py also uses)."""
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def conv_text(messages: list[Msg]) -> str:
    """All text content of a conversation, one message a line."""
    return "\n".join(m["content"] for m in messages if isinstance(m.get("content"), str))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


class Distinct:
    """Keeps generated conversations from being accidental near duplicates of each other."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.index: dict[tuple[str, ...], list[int]] = {}  # shingle -> conversations holding it

    def add(self, messages: list[Msg]) -> None:
        self._add(shingles(conv_text(messages)))

    def _add(self, s: set) -> None:
        for sh in s:
            self.index.setdefault(sh, []).append(len(self.sizes))
        self.sizes.append(len(s))

    def fresh(self, messages: list[Msg]) -> bool:
        """Add the conversation if it is below MAX_SIMILARITY with every one so far."""
        s = shingles(conv_text(messages))
        shared = Counter(i for sh in s for i in self.index.get(sh, ()))
        if any(n / (len(s) + self.sizes[i] - n) >= MAX_SIMILARITY for i, n in shared.items()):
            return False
        self._add(s)
        return True


def to_sharegpt(messages: list[Msg]) -> dict[str, Any]:
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    return {"conversations": [{"from": names[m["role"]], "value": m["content"]} for m in messages]}


def to_hh(messages: list[Msg]) -> str:
    names = {"user": "Human", "assistant": "Assistant"}
    return "".join(f"\n\n{names[m['role']]}: {m['content']}" for m in messages if m["role"] != "system")


SWAPS = [("invoice", "bill"), ("How do I", "How can I"), ("Can I", "Could I"), ("I want", "I'd like"),
         ("my", "our"), ("the", "this"), ("Thanks", "Thank you"), ("client", "customer")]


def perturb(rng: random.Random, messages: list[Msg]) -> list[Msg]:
    """A near duplicate: a couple of words, punctuation and spacing changed in the user turns."""
    out = [dict(m) for m in messages]
    users = [m for m in out if m["role"] == "user"]
    changed = 0
    for old, new in rng.sample(SWAPS, len(SWAPS)):
        target = next((m for m in users if re.search(rf"\b{re.escape(old)}\b", m["content"])), None)
        if target and changed < 2:
            target["content"] = re.sub(rf"\b{re.escape(old)}\b", new, target["content"], count=1)
            changed += 1
    if changed == 0:
        users[0]["content"] = "Hello, " + users[0]["content"]
    last = users[-1]
    ends_with_question = last["content"].endswith("?")
    last["content"] = last["content"].rstrip(".?!") + rng.choice(["??", " ?", ""] if ends_with_question else [".", "!", ""])
    users[0]["content"] = users[0]["content"].replace(". ", ".  ", 1)
    return out


def build(seed: int = SEED) -> dict[str, list[Item]]:
    """Every file's records, in order, with their planted issues."""
    rng = random.Random(seed)
    used: dict[str, int] = {}
    distinct = Distinct()

    def fresh_conv(*, tools: bool) -> tuple[list[Msg], bool]:
        for _ in range(60):
            msgs, with_tools = converse(rng, used, tools=tools, turns=user_turns(rng))
            if distinct.fresh(msgs):
                return msgs, with_tools
        raise RuntimeError("could not generate a distinct conversation; add more variety")

    # Hand-written records first, so generated ones keep their distance from them.
    neg_chat = [Item({"messages": m}, "ai-boilerplate" if r == "no-ai-boilerplate" else "negative",
                     ["verdict:negative", f"rule:{r}"], messages=m)
                for r, m in _planted.NEGATIVES_CHAT]
    neg_share = [Item(to_sharegpt(m), "negative", ["verdict:negative", f"rule:{r}"], messages=m)
                 for r, m in _planted.NEGATIVES_SHAREGPT]
    pii = [Item({"messages": m}, kind, [exp], messages=m) for kind, exp, m in _planted.pii_records(rng)]
    iban = _planted.iban_record(rng)
    specials = [Item({"messages": m}, kind, exp, messages=m) for kind, exp, m in _planted.SPECIALS]
    for it in neg_chat + neg_share + pii + specials:
        distinct.add(it.messages)
    distinct.add(iban)

    chat: list[Item] = []
    for i in range(N_CHAT_TEXT + N_CHAT_TOOLS):
        msgs, with_tools = fresh_conv(tools=i % 4 == 1 and i < 4 * N_CHAT_TOOLS)
        rec: dict[str, Any] = {"messages": msgs}
        if with_tools:
            rec["tools"] = TOOLS
        chat.append(Item(rec, messages=msgs))
    share = []
    for _ in range(N_SHAREGPT):
        msgs, _tools = fresh_conv(tools=False)
        share.append(Item(to_sharegpt(msgs), messages=msgs))

    # Planted duplicates and near duplicates point at generated originals.
    text_chat = [it for it in chat if "tools" not in it.record]
    long_chat = [it for it in text_chat if sum(m["role"] == "user" for m in it.messages) >= 2
                 and len(conv_text(it.messages).split()) >= 140]
    near_bases = rng.sample(long_chat, 5)
    rest = [it for it in text_chat if it not in near_bases]
    dup_bases = rng.sample(rest, 5)
    long_share = [it for it in share if len(conv_text(it.messages).split()) >= 140]
    share_base = rng.choice(long_share)

    dups = [Item(dict(b.record), "duplicate", [], ref=b, messages=b.messages) for b in dup_bases[:3]]
    dups[2].alt_bytes = True
    cross_dups = [Item(to_sharegpt(b.messages), "duplicate", [], ref=b, messages=b.messages) for b in dup_bases[3:]]
    near_chat, near_cross = [], []
    for b in near_bases[:3]:
        m = perturb(rng, b.messages)
        near_chat.append(Item({"messages": m}, "near-duplicate", [], ref=b, messages=m))
    for b in near_bases[3:]:
        m = perturb(rng, b.messages)
        near_cross.append(Item(to_sharegpt(m), "near-duplicate", [], ref=b, messages=m))
    m = perturb(rng, share_base.messages)
    near_share = Item(to_sharegpt(m), "near-duplicate", [], ref=share_base, messages=m)

    chat_body = chat + neg_chat + pii + specials
    rng.shuffle(chat_body)
    for it in dups + near_chat:
        pos = chat_body.index(it.ref)
        chat_body.insert(rng.randint(pos + 1, len(chat_body)), it)
    for code, line in _planted.format_errors():
        chat_body.insert(rng.randint(1, len(chat_body)), Item(line, "format-error", [f"code:{code}"]))

    share_body = share + neg_share + [Item(to_sharegpt(iban), "pii-iban", ["rule:no-pii"], messages=iban)]
    rng.shuffle(share_body)
    for it in cross_dups + near_cross:
        share_body.insert(rng.randint(0, len(share_body)), it)
    pos = share_body.index(share_base)
    share_body.insert(rng.randint(pos + 1, len(share_body)), near_share)

    files = {CHAT: chat_body, SHAREGPT: share_body, PREFS: _preferences(rng, used, distinct),
             ALPACA: _alpaca(rng, used, distinct), HH: _hh(rng, used, distinct), LONG: _long(rng)}
    for name, items in files.items():
        for n, it in enumerate(items, 1):
            it.file, it.line = name, n
    for it in dups + cross_dups:
        it.expect = [f"duplicate-of:{it.ref.file}:{it.ref.line}"]
    for it in near_chat + near_cross + [near_share]:
        it.expect = [f"near-duplicate-of:{it.ref.file}:{it.ref.line}"]
    return files


def _prompt(rng: random.Random, used: dict[str, int], ctx: dict[str, str]) -> tuple[list[Msg], str, set[str]]:
    """A system prompt and sometimes an earlier exchange; also the tone and the topic used."""
    tone = rng.choice(["plain", "polite", "terse", "frustrated", "chatty"])
    msgs: list[Msg] = [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}]
    if rng.random() < 0.35:
        earlier = pick(rng, TEXT_POOL, used, set())
        oi, opener = earlier.ask(rng)
        msgs.append({"role": "user", "content": dress(rng, fill(opener, ctx), tone, ctx)})
        msgs.append({"role": "assistant", "content": answer(rng, earlier.reply_to(rng, oi), tone, ctx)})
        return msgs, tone, {earlier.key}
    return msgs, tone, set()


def _pair_source(rng: random.Random, used: dict[str, int], distinct: Distinct, bad_queue: list,
                 ) -> tuple[list[Msg], str, str]:
    """(prompt messages, preferred reply, undesired reply), not too close to anything so far."""
    for _ in range(60):
        ctx = context(rng)
        msgs, tone, topics = _prompt(rng, used, ctx)
        if bad_queue and bad_queue[0][0].key not in topics:
            scn, bi = bad_queue[0]
            bad = scn.bad[bi][1]
            oi = rng.choice(scn.bad_openers(bi))
        else:
            scn = pick(rng, TEXT_POOL, used, topics)
            bad = rng.choice(GENERIC_BAD)[1]
            oi = rng.randrange(len(scn.openers))
        msgs.append({"role": "user", "content": dress(rng, fill(scn.openers[oi], ctx), tone, ctx)})
        good = answer(rng, scn.reply_to(rng, oi), tone, ctx)
        if distinct.fresh(msgs + [{"role": "assistant", "content": good}]):
            if bad_queue and bad_queue[0][0] is scn and scn.bad[bad_queue[0][1]][1] == bad:
                bad_queue.pop(0)
            return msgs, good, fill(bad, ctx)
    raise RuntimeError("could not generate a distinct preference pair")


def _bad_queue(rng: random.Random) -> list:
    queue = [(s, i) for s in TEXT_POOL for i in range(len(s.bad))]
    rng.shuffle(queue)
    return queue


def _preferences(rng: random.Random, used: dict[str, int], distinct: Distinct) -> list[Item]:
    queue = _bad_queue(rng)
    items = []
    for _ in range(N_PREFS):
        msgs, good, bad = _pair_source(rng, used, distinct, queue)
        rec = {"input": {"messages": msgs},
               "preferred_output": [{"role": "assistant", "content": good}],
               "non_preferred_output": [{"role": "assistant", "content": bad}]}
        items.append(Item(rec, "pair", ["pair"], messages=msgs + [{"role": "assistant", "content": good}]))
    return items


def _hh(rng: random.Random, used: dict[str, int], distinct: Distinct) -> list[Item]:
    queue = _bad_queue(rng)[:N_HH // 2]
    items = []
    for _ in range(N_HH):
        msgs, good, bad = _pair_source(rng, used, distinct, queue)
        chosen = msgs + [{"role": "assistant", "content": good}]
        rejected = msgs + [{"role": "assistant", "content": bad}]
        items.append(Item({"chosen": to_hh(chosen), "rejected": to_hh(rejected)}, "pair", ["pair"],
                          messages=chosen))
    return items


def _alpaca(rng: random.Random, used: dict[str, int], distinct: Distinct) -> list[Item]:
    items = [Item(dict(r), messages=[{"role": "user", "content": r["instruction"] + "\n" + r["input"]},
                                     {"role": "assistant", "content": r["output"]}])
             for r in ALPACA_STANDALONE]
    while len(items) < len(ALPACA_STANDALONE) + N_ALPACA_QA:
        ctx = context(rng)
        scn = pick(rng, TEXT_POOL, used, set())
        tone = rng.choice(["plain", "polite", "terse", "frustrated", "chatty"])
        oi, opener = scn.ask(rng)
        question = dress(rng, fill(opener, ctx), tone, ctx)
        reply = answer(rng, scn.reply_to(rng, oi), tone, ctx)
        msgs = [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]
        if distinct.fresh(msgs):
            rec = {"instruction": rng.choice(ALPACA_INSTRUCTIONS), "input": question, "output": reply}
            items.append(Item(rec, messages=msgs))
    rng.shuffle(items)
    items.insert(rng.randint(3, len(items) - 3), Item(dict(ALPACA_MISSING_OUTPUT), "format-error", ["code:missing_field"]))
    return items


def _long(rng: random.Random) -> list[Item]:
    over = _longform.overlong(rng)
    return [
        Item({"messages": (m := _longform.csv_import(rng))}, messages=m),
        Item({"messages": over}, "over-long", ["rule:token-limit", "warning:over_token_limit"], messages=over),
        Item({"messages": (m := _longform.year_end(rng))}, messages=m),
        Item({"messages": (m := _longform.multi_currency_walkthrough(rng))}, messages=m),
    ]


def _reordered(value: Any) -> Any:
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


def _jsonl(items: list[Item]) -> str:
    lines = []
    for it in items:
        if isinstance(it.record, str):
            lines.append(it.record)
        elif it.alt_bytes:
            # A duplicate by content, not by bytes: only a canonical comparison finds it.
            lines.append(json.dumps(_reordered(it.record), ensure_ascii=False, separators=(",", ":")))
        else:
            lines.append(json.dumps(it.record, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def planted(files: dict[str, list[Item]]) -> list[dict[str, Any]]:
    """Every planted issue as {file, line, kind, expect}."""
    out = []
    for name, items in files.items():
        for it in items:
            if it.kind:
                out.append({"file": name, "line": it.line, "kind": it.kind,
                            "expect": it.expect[0] if len(it.expect) == 1 else it.expect})
    return out


def write(out_dir: Path, seed: int = SEED) -> None:
    """Write all sample files, planted.json and README.md into out_dir."""
    files = build(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CHAT).write_text(_jsonl(files[CHAT]), encoding="utf-8")
    (out_dir / PREFS).write_text(_jsonl(files[PREFS]), encoding="utf-8")
    (out_dir / HH).write_text(_jsonl(files[HH]), encoding="utf-8")
    for name in (SHAREGPT, ALPACA):
        # One record a line, the first on the line of "[": record n is on line n, so a reader
        # that reports physical lines and one that counts records agree.
        rows = [json.dumps(it.record, ensure_ascii=False) for it in files[name]]
        (out_dir / name).write_text("[" + ",\n".join(rows) + "]\n", encoding="utf-8")
    # mtime=0 keeps the gzip bytes identical from run to run.
    with open(out_dir / LONG, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(_jsonl(files[LONG]).encode("utf-8"))
    issues = planted(files)
    (out_dir / "planted.json").write_text(json.dumps(issues, indent=1) + "\n", encoding="utf-8")
    counts = {name: (len(items), sum(1 for it in items if it.kind == "format-error")) for name, items in files.items()}
    over = next(it for it in files[LONG] if it.kind == "over-long")
    chars = sum(len(m["content"]) for m in over.messages)
    (out_dir / "README.md").write_text(readme(counts, issues, overlong_chars=chars), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
