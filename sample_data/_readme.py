"""The text of sample_data/README.md, with the planted-issue table generated from the data."""

from __future__ import annotations

from collections import Counter
from typing import Any

_HEAD = """# Sample data: Tallybook customer support

Realistic, entirely fictional fine-tuning data for **curator**: support conversations for
*Tallybook*, an invoicing and bookkeeping SaaS for small businesses, answered by its assistant
*Tally*. Names, businesses, amounts, account ids and personal data are invented. The files are
written by `generate.py` (seeded, deterministic): `python sample_data/generate.py` rewrites them
byte for byte; `python sample_data/generate.py OUT_DIR` writes a copy elsewhere. The `_*.py`
modules next to it hold the scenarios and hand-written records the generator draws from.

## The product the data assumes

| | Free | Plus | Pro |
| --- | --- | --- | --- |
| price | $0 | $15/month or $150/year | $32/month or $320/year |
| users | 1 | 2 | 5 (+$6/month per extra seat) |
| clients | 5 | unlimited | unlimited |
| features | invoices, estimates, expenses, P&L | + recurring invoices, reminders, bank feeds (3 accounts), receipt OCR (100/month), all reports | + multi-currency, unlimited bank feeds and scans |

All plans: Stripe and PayPal payments, data export, free Accountant role (paid plans). 14-day Pro
trial without card. **Refunds**: any charge within 30 days of the charge date; never beyond.
**Billing disputes and chargebacks** go to the human billing team (`escalate_to_human`).
**No individual tax advice** (point to an accountant). **No payroll, no crypto.**

Conversations cover 57 support topics: plans, upgrades, downgrades, cancellation, refunds
inside and outside the window, billing disputes, failed payments, seats, trials; invoices,
templates, recurring invoices, reminders, late fees, estimates and deposits, credit notes,
numbering, Stripe and PayPal; bank feeds, CSV imports, bank rules, receipts OCR, expense
categories, billable expenses; P&L, balance sheet, aged receivables, accountant access;
multi-currency, sales tax setup; sign-in, 2FA, data export, account closure, the mobile app,
migration; and the polite refusals (payroll, crypto, tax advice, off-topic). Users write from
one to six turns, in plain, polite, terse, frustrated or chatty tones, and often chain several
questions. About a quarter of the chat file calls tools (`lookup_invoice`, `get_subscription`,
`list_charges`, `refund_charge`, `get_bank_feed_status`, `resend_invoice`, `escalate_to_human`).

## Files

| file | format | records | of which format errors |
| --- | --- | --- | --- |
"""

_FORMATS = {
    "tallybook_chat.jsonl": "OpenAI chat JSONL: `{\"messages\": [...], \"tools\": [...]}`; about a quarter use tools (`tool_calls` with JSON-string arguments and matching `tool` messages)",
    "tallybook_sharegpt.json": "ShareGPT JSON array: `[{\"conversations\": [{\"from\": ..., \"value\": ...}]}]`, `from` one of `system`, `human`, `gpt`",
    "tallybook_preferences.jsonl": "OpenAI preference (DPO) JSONL: `{\"input\": {\"messages\": [...]}, \"preferred_output\": [...], \"non_preferred_output\": [...]}`",
    "tallybook_alpaca.json": "Alpaca JSON array: `{\"instruction\", \"input\", \"output\"}`",
    "tallybook_hh.jsonl": "Anthropic HH JSONL: `{\"chosen\": \"\\n\\nHuman: ...\\n\\nAssistant: ...\", \"rejected\": ...}`",
    "tallybook_longform.jsonl.gz": "gzip-compressed OpenAI chat JSONL: long conversations, one far over a 65,536-token training limit",
}

_NOTES = """
## Planted issues

`planted.json` lists the same entries as the table below, as
`{"file", "line", "kind", "expect"}`. `line` is the 1-based line of a JSONL file (for the `.gz`,
of its decompressed text) and the 1-based record number of a JSON-array file; the JSON arrays are
written one record a line, the first on the line of `[`, so record *n* is also on line *n*. `expect` (a string,
or a list when the record carries several issues) is one of `code:<validation error>`,
`warning:<warning>`, `rule:<guideline rule id>`, `duplicate-of:<file>:<line>`,
`near-duplicate-of:<file>:<line>`, `verdict:negative` (its final reply is what Tally must not do)
or `pair` (a preference pair).

Things deliberately *not* listed, because they follow from the formats, not from the records:
Alpaca and HH records carry no system prompt (an importer may warn `no_system_message`), and
tool-using conversations have `assistant (tool_calls) → tool → assistant` sequences. Every other
record is meant to be a good example: each generated conversation shares less than 0.5 of its
3-word shingles (lower-cased `\\w+` words) with any other one, so the planted near duplicates
(above 0.9) are the only ones. The repetition, empty reply and German reply are broken replies
(for `reject`), not negatives; the `negative` and `ai-boilerplate` kinds are the negatives.

| file | line | kind | expect |
| --- | --- | --- | --- |
"""


def readme(counts: dict[str, tuple[int, int]], issues: list[dict[str, Any]], *, overlong_chars: int) -> str:
    """README.md: file descriptions with record counts, then one table row per planted issue."""
    out = [_HEAD]
    for name, (records, errors) in counts.items():
        out.append(f"| `{name}` | {_FORMATS[name]} | {records} | {errors} |\n")
    valid = sum(r - e for r, e in counts.values())
    out.append(f"\n{valid} records are valid in their format ({sum(r for r, _ in counts.values())} in all). "
               f"The over-long record is {overlong_chars:,} characters, about 149,000 tokens with "
               "both `cl100k_base` and `o200k_base`; the others are a few thousand characters at most.\n")
    kinds = Counter(it["kind"] for it in issues)
    out.append("\nPlanted, by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ".\n")
    out.append(_NOTES)
    for it in issues:
        expect = it["expect"] if isinstance(it["expect"], str) else ", ".join(it["expect"])
        out.append(f"| `{it['file']}` | {it['line']} | {it['kind']} | `{expect}` |\n")
    return "".join(out)
