"""Turn scenarios into conversations: system prompts, user tone, multi-turn chaining."""

from __future__ import annotations

import random
import re

from _kit import BANKS, BUSINESSES, CLIENTS, Msg, Scenario, context, fill
from _planted import SYSTEM
from _scenarios_account import SCENARIOS as ACCOUNT
from _scenarios_billing import SCENARIOS as BILLING
from _scenarios_books import SCENARIOS as BOOKS
from _scenarios_invoicing import SCENARIOS as INVOICING

ALL = BILLING + INVOICING + BOOKS + ACCOUNT
# Their only replies are "let me look that up": they make sense only with the tool flow.
NEEDS_TOOL = {"invoice_not_received", "paid_not_marked", "overdue_check", "bank_broken", "subscription_status"}
TEXT_POOL = [s for s in ALL if s.key not in NEEDS_TOOL]
TOOL_POOL = [s for s in ALL if s.tool is not None]

SYSTEM_PROMPTS = [
    SYSTEM,
    ("You are Tally, Tallybook's customer support assistant. Answer questions about invoices, "
    "expenses, bank feeds, reports, plans and billing. Keep answers short, friendly and specific "
    "to Tallybook."),
    ("You are Tally, a helpful support agent for Tallybook (plans: Free, Plus, Pro). Only describe "
    "features Tallybook actually has. Refund policy: a charge can be refunded within 30 days. "
    "Escalate billing disputes to the billing team. For tax questions, recommend an accountant."),
    ("Role: Tally, in-app help for Tallybook, the invoicing and bookkeeping app for small businesses.\n"
    "Style: warm, plain English, numbered steps where useful.\n"
    "Never: promise refunds older than 30 days, give personal tax advice, or claim payroll or crypto features."),
    "You are Tally. You help Tallybook customers with invoicing, bookkeeping and their subscription. Be concise.",
]
TOOL_SYSTEM = (
    "You are Tally, the in-app support assistant for Tallybook. Use the tools to look up invoices, "
    "subscriptions, charges and bank connections instead of guessing. Refunds only within 30 days "
    "of a charge; hand billing disputes to a human with escalate_to_human. No individual tax advice.\n"
    "Signed-in account: {acct}. Today's date: {today}."
)

TONES = ["plain", "plain", "polite", "terse", "frustrated", "chatty"]
GREETINGS = ["Hi, ", "Hello! ", "Hi there. ", "Hey Tally, ", "Good morning. ", "Hiya, "]
POLITE_END = [" Thanks in advance!", " Thank you.", " Many thanks.", " Cheers!", " Thanks so much for your help."]
FRUSTRATED_END = [" This is really frustrating.", " I need this sorted today.",
                  " I've already wasted an hour on this.", " Please help, my accountant is waiting.",
                  " Not impressed so far."]
CHATTY_START = [
    "I run {biz} and mostly use Tallybook for invoicing. ",
    "Long-time user, first time asking for help. ",
    "My bookkeeper is away this week so I'm trying to figure this out myself. ",
    "So I'm doing my admin on a Sunday night (glamorous, I know). ",
    "We're a two-person team at {biz}. ",
    "Bit of a newbie with accounting software, sorry. ",
]
ACKS = {
    "frustrated": ["I'm sorry about the trouble; let's get it sorted. ", "Sorry for the frustration. ",
                   "I understand, that's annoying. ", "Apologies for the hassle. "],
    "polite": ["Thanks for getting in touch! ", "Happy to help. ", "Of course. ", ""],
    "chatty": ["Happy to help with that. ", "No need to apologise, good question. ", "Sure thing. ", ""],
    "plain": ["", "", "Sure. ", "Good question. "],
    "terse": ["", "", ""],
}
CONNECTORS = ["Also, ", "One more thing: ", "Thanks. Different question: ", "Unrelated, but ",
              "While I have you, ", "Ok. Another one: ", "Great. Next question: "]
CLOSINGS_USER = ["Perfect, thanks!", "Great, that's exactly what I needed.", "ok thanks",
                 "Got it. Cheers!", "That worked, thank you so much.", "Brilliant, thanks Tally.",
                 "Makes sense, thanks for the quick answer.", "Thanks, I'll try that now.",
                 "ah ok, found it. thx", "Lovely, all sorted."]
CLOSINGS_TALLY = ["You're welcome! Have a good rest of your day.",
                  "Glad I could help. If anything else comes up, just ask.",
                  "Anytime! Good luck with it.", "Great, happy to help.",
                  "You're welcome. Let me know if it doesn't work as expected.",
                  "My pleasure. Enjoy the rest of your week.",
                  "Glad it's sorted! I'm here if you need anything else."]
USER_TURN_WEIGHTS = [30, 28, 20, 11, 7, 4]  # 1 to 6 user turns


_PROPER = {w.split()[0].rstrip(".") for w in BANKS + BUSINESSES + CLIENTS} | {
    "I", "Stripe", "PayPal", "Tallybook", "Android", "Bitcoin", "Pro", "Plus", "Free", "VAT", "P&L"}


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is a name (or 'I')."""
    first = re.split(r"[\s,.?!']", text, maxsplit=1)[0]
    if first in _PROPER or first.isupper():
        return text
    return text[:1].lower() + text[1:]


def _greet(rng: random.Random, text: str) -> str:
    greeting = rng.choice(GREETINGS)
    return greeting + (_lower_first(text) if greeting.endswith(", ") else text)


def _stop(text: str) -> str:
    """End a sentence that a suffix will follow (terse openers come without punctuation)."""
    return text if re.search(r"[.?!]$", text) else text + "?"


def dress(rng: random.Random, text: str, tone: str, ctx: dict[str, str]) -> str:
    """Say a user message in the given tone."""
    if tone in ("polite", "frustrated"):
        text = _stop(text)
    if tone == "terse":
        return re.sub(r"[.?!]+$", "", text.lower()) if rng.random() < 0.7 else text
    if tone == "polite":
        return _greet(rng, text) + rng.choice(POLITE_END)
    if tone == "frustrated":
        return text + rng.choice(FRUSTRATED_END)
    if tone == "chatty":
        return fill(rng.choice(CHATTY_START), ctx) + text
    return _greet(rng, text) if rng.random() < 0.3 else text


def answer(rng: random.Random, template: str, tone: str, ctx: dict[str, str]) -> str:
    """Tally's reply, sometimes opened with an acknowledgement that suits the user's tone."""
    reply = fill(template, ctx)
    if re.match(r"(Sorry|I'm|Welcome|Thanks|Yes|No|Not|Happy|Easy|That|Here|Good|Both|It |A few|You keep|Three|Most|All|Once)", reply) \
            or rng.random() < 0.5:
        return reply
    return rng.choice(ACKS[tone]) + reply


def pick(rng: random.Random, pool: list[Scenario], used: dict[str, int], exclude: set[str]) -> Scenario:
    """A scenario from the pool, favouring the least used ones so every topic appears."""
    options = [s for s in pool if s.key not in exclude]
    low = min(used.get(s.key, 0) for s in options)
    best = [s for s in options if used.get(s.key, 0) <= low + 1]
    choice = rng.choice(best)
    used[choice.key] = used.get(choice.key, 0) + 1
    return choice


def user_turns(rng: random.Random) -> int:
    """How many user turns a conversation gets (1 to 6)."""
    return rng.choices(range(1, 7), weights=USER_TURN_WEIGHTS)[0]


def converse(rng: random.Random, used: dict[str, int], *, tools: bool, turns: int,
             system: bool = True) -> tuple[list[Msg], bool]:
    """One conversation; with tools=True it opens on a tool-using topic. Returns (messages, used tools)."""
    ctx = context(rng)
    tone = rng.choice(TONES)
    first = pick(rng, TOOL_POOL if tools else TEXT_POOL, used, set())
    msgs: list[Msg] = []
    seen = {first.key}
    said: set[str] = set()
    oi, opener = first.ask(rng)
    msgs.append({"role": "user", "content": dress(rng, fill(opener, ctx), tone, ctx)})
    if tools and first.tool:
        msgs += first.tool(rng, ctx)
    else:
        msgs.append({"role": "assistant", "content": answer(rng, first.reply_to(rng, oi), tone, ctx)})
    queue = list(first.followups)
    rng.shuffle(queue)
    for left in range(turns - 1, 0, -1):
        if left == 1 and rng.random() < 0.45:
            msgs.append({"role": "user", "content": rng.choice(CLOSINGS_USER)})
            msgs.append({"role": "assistant", "content": rng.choice(CLOSINGS_TALLY)})
            break
        if queue and rng.random() < 0.75:
            q, a = queue.pop()
            q = fill(q, ctx)
            msgs.append({"role": "user", "content": q.lower().rstrip("?.") if tone == "terse" else q})
            msgs.append({"role": "assistant", "content": fill(a, ctx)})
            continue
        nxt = pick(rng, TEXT_POOL, used, seen)
        seen.add(nxt.key)
        oi, opener = nxt.ask(rng)
        opener = fill(opener, ctx)
        conn = rng.choice([c for c in CONNECTORS if c not in said])
        said.add(conn)
        msgs.append({"role": "user", "content": conn + (_lower_first(opener) if conn.endswith(", ") else opener)})
        msgs.append({"role": "assistant", "content": answer(rng, nxt.reply_to(rng, oi), "plain", ctx)})
        queue = list(nxt.followups)
        rng.shuffle(queue)
    used_tools = any(m.get("tool_calls") for m in msgs)
    if system:
        prompt = fill(TOOL_SYSTEM, ctx) if used_tools else rng.choice(SYSTEM_PROMPTS)
        msgs.insert(0, {"role": "system", "content": prompt})
    return msgs, used_tools
