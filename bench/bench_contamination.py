"""Recall of the contamination check on planted paraphrased, re-ordered and short prompts, against
the plain 13-gram check (GPT-3's: any uncommon shared 13-gram of the whole conversation) in the
same run.

    python bench/bench_contamination.py [--train 20000] [--planted 500] [--clean 2000] [--seed 0]

Training conversations are generated (prompts of one to three sentences from a 3,000-word
vocabulary, replies of 30-90 words). Test conversations are either clean (new prompts) or
planted: the prompt of a training conversation, changed one of these ways, always with a new
reply (the model's answer is not what leaks; the question is):
- paraphrased: 15% of the prompt's words replaced, case and punctuation changed;
- reordered: the prompt's sentences in another order;
- short: a prompt of 3-7 words (shorter than an n-gram), case and punctuation changed;
- multi-turn: the same user turns with reworded assistant turns in between (the identity
  pattern: "What are you?" -> reply -> "Have a nice day!" -> reply);
- extended: the prompt with as many new words appended (half of the tokens covered).
A planted test conversation is found when the check pairs it with its source. We report recall
per kind and overall, and the share of clean test conversations flagged at all (false alarms).
"""

from __future__ import annotations

import argparse
import json
import random
import time

from curator.split import check_contamination

KINDS = ("paraphrased", "reordered", "short", "multi-turn", "extended")


def vocabulary(rng: random.Random, n: int = 3000) -> list[str]:
    syllables = [a + b for a in "bcdfgklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou")]
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choices(syllables, k=rng.randint(1, 3))))
    return sorted(words)


def sentence(rng: random.Random, vocab: list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choices(vocab, k=rng.randint(lo, hi))).capitalize() + rng.choice([".", "?", "!"])


def chat(*turns: str) -> list[dict[str, str]]:
    return [{"role": "user" if k % 2 == 0 else "assistant", "content": t} for k, t in enumerate(turns)]


def shout(text: str, rng: random.Random) -> str:
    """Case and punctuation changed, the words kept."""
    words = text.replace(".", "").replace("?", "").replace("!", "").split()
    return " ".join(w.upper() if rng.random() < 0.3 else w for w in words) + rng.choice(["", "?", "!!", " ..."])


def generate(train_n: int, planted_n: int, clean_n: int, seed: int) -> tuple[list, list, dict[str, tuple[str, str]]]:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    train: list[tuple[str, list[dict[str, str]]]] = []
    sentences: list[list[str]] = []
    for i in range(train_n):
        if i % 10 == 0:  # a short question, sometimes with a closing turn
            prompt = [sentence(rng, vocab, 3, 7)]
            turns = [prompt[0], sentence(rng, vocab, 20, 40)]
            if i % 20 == 0:
                turns += [sentence(rng, vocab, 2, 4), sentence(rng, vocab, 3, 8)]
        else:
            prompt = [sentence(rng, vocab, 6, 16) for _ in range(rng.randint(1, 3))]
            turns = [" ".join(prompt), sentence(rng, vocab, 30, 90)]
        sentences.append(prompt)
        train.append((f"tr{i:06d}", chat(*turns)))
    test: list[tuple[str, list[dict[str, str]]]] = []
    truth: dict[str, tuple[str, str]] = {}  # test id -> (kind, source id)
    for k in range(planted_n):
        kind = KINDS[k % len(KINDS)]
        while True:
            src = rng.randrange(train_n)
            short = len(sentences[src]) == 1 and len(sentences[src][0].split()) <= 7
            fits = (kind in ("short", "multi-turn")) == short and (kind != "reordered" or len(sentences[src]) > 1)
            if fits and (kind != "multi-turn" or len(train[src][1]) == 4):
                break
        user = [m["content"] for m in train[src][1] if m["role"] == "user"]
        reply = sentence(rng, vocab, 30, 60)
        if kind == "paraphrased":
            words = user[0].split()
            for j in rng.sample(range(len(words)), max(1, round(0.15 * len(words)))):
                words[j] = rng.choice(vocab)
            messages = chat(shout(" ".join(words), rng), reply)
        elif kind == "reordered":
            parts = list(sentences[src])
            while parts == sentences[src]:
                rng.shuffle(parts)
            messages = chat(" ".join(parts), reply)
        elif kind == "short":
            messages = chat(shout(user[0], rng), reply)
        elif kind == "multi-turn":
            messages = chat(user[0], sentence(rng, vocab, 20, 40), shout(user[1], rng), sentence(rng, vocab, 3, 8))
        else:  # extended
            extra = " ".join(rng.choices(vocab, k=len(user[0].split())))
            messages = chat(f"{user[0]} {extra}", reply)
        ident = f"te{k:06d}"
        test.append((ident, messages))
        truth[ident] = (kind, train[src][0])
    for k in range(clean_n):
        test.append((f"cl{k:06d}", chat(" ".join(sentence(rng, vocab, 6, 16) for _ in range(2)), sentence(rng, vocab, 30, 60))))
    return train, test, truth


def score(pairs: list, truth: dict[str, tuple[str, str]], clean: int) -> dict:
    found = {(p.test_id, p.train_id) for p in pairs}
    flagged = {p.test_id for p in pairs}
    per_kind = {}
    for kind in KINDS:
        mine = [t for t, (k, _) in truth.items() if k == kind]
        per_kind[kind] = round(sum((t, truth[t][1]) in found for t in mine) / len(mine), 4)
    hits = sum((t, src) in found for t, (_, src) in truth.items())
    false_alarms = sum(1 for t in flagged if t.startswith("cl"))
    return {"recall": round(hits / len(truth), 4), "per_kind": per_kind, "false_alarm_rate": round(false_alarms / clean, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--planted", type=int, default=500)
    parser.add_argument("--clean", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    train, test, truth = generate(args.train, args.planted, args.clean, args.seed)
    out = {"train": len(train), "planted": len(truth), "clean": args.clean}
    for name, kwargs in (("curator", {}), ("plain 13-gram", {"ngram": 13, "kinds": ["ngram"]})):
        started = time.perf_counter()
        report = check_contamination(train, test, **kwargs)
        out[name] = {**score(report.pairs, truth, args.clean), "seconds": round(time.perf_counter() - started, 1),
                     "by_signal": report.stats.by_kind}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
