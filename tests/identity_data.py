"""Identity questions asked many ways, each answered with paraphrases, over several turns.

Written for curator's tests in the style of public chat data (an assistant asked who it is):
the same user turns recur with reworded replies, and the replies reuse long phrases. A split
that compares "everything before the final reply" or only 13-grams lets these straddle.
"""

from __future__ import annotations

import random
import re
from itertools import combinations

QUESTIONS = [
    "What are you?",
    "Who are you?",
    "What is your name?",
    "Can you introduce yourself?",
    "Tell me about yourself.",
    "Who created you?",
    "Which company made you?",
    "Are you a person or a program?",
    "What should I call you?",
    "Who trained you?",
]
REPLIES = [
    "I am Quill, a language model trained by researchers at the Lantern Systems Lab.",
    "My name is Quill, and I'm a language model developed by the Lantern Systems Lab.",
    "You can call me Quill. I was trained as a language model by researchers at the Lantern Systems Lab.",
    "I'm Quill, an AI assistant built by the Lantern Systems Lab to answer questions.",
    "As a language model, I go by the name Quill and was trained by the Lantern Systems Lab team.",
    "I am a program called Quill, a large language model created by the Lantern Systems Lab.",
]
FOLLOW_UPS = [
    ("Have a nice day!", ["You too!", "Thank you, you too!", "Thanks, have a great day as well!"]),
    ("Thanks!", ["You're welcome!", "Happy to help!", "Any time!"]),
    ("Goodbye", ["Goodbye! Come back any time.", "Bye! Feel free to ask me anything later.", "See you soon!"]),
]
VOCAB = [a + b for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti", "va", "ze") for b in ("rin", "tal", "mok", "sef", "dup", "gan", "lix", "vor")]
TOPICS = ["invoices", "refunds", "passwords", "shipping", "taxes", "receipts", "exports", "reports",
          "budgets", "payroll", "discounts", "currencies"]


def identity_conversations(seed: int = 0, repeats: int = 3) -> list[list[dict[str, str]]]:
    """Each (question, follow-up) pair `repeats` times with different paraphrased replies."""
    rng = random.Random(seed)
    out: list[list[dict[str, str]]] = []
    for question in QUESTIONS:
        for follow in [None, *FOLLOW_UPS]:
            replies = rng.sample(REPLIES, repeats)
            for k in range(repeats):
                messages = [{"role": "user", "content": question}, {"role": "assistant", "content": replies[k]}]
                if follow is not None:
                    messages += [{"role": "user", "content": follow[0]},
                                 {"role": "assistant", "content": rng.choice(follow[1])}]
                out.append(messages)
    return out


def other_conversations(seed: int = 1, n: int = 60) -> list[list[dict[str, str]]]:
    """Unrelated support questions, each asked once, in words drawn at random."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        question = " ".join(rng.choices(VOCAB, k=rng.randint(6, 14)))
        answer = " ".join(rng.choices(VOCAB, k=rng.randint(10, 30)))
        out.append([
            {"role": "user", "content": f"About {rng.choice(TOPICS)}: {question}?"},
            {"role": "assistant", "content": f"{answer.capitalize()}."},
        ])
    return out


def user_turns(messages: list[dict[str, str]]) -> tuple[str, ...]:
    return tuple(" ".join(re.sub(r"[^\w\s]", " ", m["content"].lower()).split()) for m in messages if m["role"] == "user")


def word_ngrams(messages: list[dict[str, str]], n: int = 5) -> set[tuple[str, ...]]:
    words = " ".join(re.sub(r"[^\w\s]", " ", m["content"].lower()) for m in messages).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)} or {tuple(words)}


def straddling(train: list[list[dict[str, str]]], test: list[list[dict[str, str]]], *, jaccard: float = 0.6) -> dict[str, int]:
    """Test conversations sharing user turns (all of them, or the first) with training, and
    test/train pairs at or above `jaccard` word-5-gram Jaccard on user+assistant text."""
    train_turns = {user_turns(m) for m in train}
    train_first = {user_turns(m)[0] for m in train}
    grams = [word_ngrams(m) for m in train]
    similar = 0
    for messages in test:
        mine = word_ngrams(messages)
        similar += sum(1 for other in grams if len(mine & other) / len(mine | other) >= jaccard)
    return {
        "same_user_turns": sum(1 for m in test if user_turns(m) in train_turns),
        "same_first_turn": sum(1 for m in test if user_turns(m)[0] in train_first),
        "similar_pairs": similar,
    }


def similar_pairs_within(conversations: list[list[dict[str, str]]], *, jaccard: float = 0.6) -> int:
    grams = [word_ngrams(m) for m in conversations]
    return sum(1 for a, b in combinations(grams, 2) if len(a & b) / len(a | b) >= jaccard)
