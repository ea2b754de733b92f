"""Automated checks: each with cases that must flag and cases that must not; runner; similarity."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from curator.formats import open_records
from curator.guidelines import (
    Flag,
    Severity,
    check_prediction,
    closer_to_undesired,
    compare_reply,
    detect_language,
    find_pii,
    find_repetition,
    find_secrets,
    get_check,
    iban_valid,
    load_guidelines,
    luhn_valid,
    run_checks,
    token_jaccard,
    trigram_cosine,
)
from curator.guidelines.checks import build_params
from curator.guidelines.checks.prefilter import CASE_HAZARDS, fast_paths, required_literals
from curator.models import Example

SHIPPED = Path(__file__).resolve().parent.parent / "guidelines"
SYSTEM = {"role": "system", "content": "You are Tally, the support assistant of Tallybook."}
QUESTION = {"role": "user", "content": "How do I send an invoice again?"}

# Secret-looking test values are assembled so that secret scanners do not flag this file.
OPENAI_KEY = "sk-" + "proj-" + "Ab3dEf6hIj9kLmN0pQr2StUv"
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
SLACK_TOKEN = "xoxb-" + "123456789012-abcdefABCDEF"

NORMAL_REPLY = """Thanks for reaching out about your invoices! Here is how recurring invoices work in Tallybook.

First, open the Invoices page and pick the invoice you want to repeat. Click the three dots in the top right corner and choose "Make recurring". You can then pick how often it is sent: weekly, monthly, quarterly or yearly, and the date of the first repeat.

Second, check the customer details. A recurring invoice always goes to the customer's billing e-mail address, so make sure it is up to date under Customers. If your customer wants a copy sent to someone else, add a second address in the CC field.

Third, decide whether Tallybook should send the invoice automatically or save it as a draft for you to review. Automatic sending is handy for fixed amounts such as a monthly retainer; drafts are better when the amount changes from month to month.

Finally, you can pause or stop a recurring invoice at any time from the same menu. Paused invoices keep their schedule, so when you resume them, the next one goes out on the usual date. Let me know if you'd like help!"""

STRUCTURED_REPLY = """Here's what each plan includes:

- **Free**: up to 5 invoices a month, 1 user, basic reports.
- **Plus**: unlimited invoices, 3 users, recurring invoices, payment reminders.
- **Pro**: everything in Plus, 10 users, multi-currency, custom branding.

| Feature | Free | Plus | Pro |
| --- | --- | --- | --- |
| Recurring invoices | No | Yes | Yes |
| Payment reminders | No | Yes | Yes |
| Multi-currency | No | No | Yes |
| Custom branding | No | No | Yes |

```python
rows = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
```
"""


def example(*messages: dict[str, Any], tokens: int | None = 100) -> Example:
    return Example.create(list(messages), tokens=tokens)


def reply(text: str, *, tokens: int | None = 100) -> Example:
    return example(SYSTEM, QUESTION, {"role": "assistant", "content": text}, tokens=tokens)


def run(name: str, ex: Example, **params: Any) -> list[Flag]:
    context = {"language": "en", "model": "gpt-4o-mini-2024-07-18"}
    return get_check(name).func(ex, build_params(name, params, context=context))


@pytest.fixture(scope="module")
def shipped():
    return load_guidelines(SHIPPED)


# --- pii ------------------------------------------------------------------------------------


def test_luhn_and_iban_arithmetic() -> None:
    assert luhn_valid("4242424242424242") and luhn_valid("378282246310005")
    assert not luhn_valid("4242424242424241")
    assert iban_valid("DE89 3704 0044 0532 0130 00") and iban_valid("GB82WEST12345698765432")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")


def test_pii_flags_a_luhn_valid_card_with_a_readable_message() -> None:
    flags = run("pii", example(SYSTEM, QUESTION, {"role": "assistant", "content": "Card 4242 4242 4242 4242 is on file."}))
    assert flags == [Flag(check="pii", message="card number ending 4242 in message 3", message_index=2, span=(5, 24))]


@pytest.mark.parametrize("text", ["4242 4242 4242 4241", "4242424242424241", "1234567812345678", "0000 0000 0000 0000"])
def test_pii_ignores_16_digit_numbers_that_are_not_cards(text: str) -> None:
    assert find_pii(f"Reference {text} noted.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me on +44 7700 900123 tomorrow", "phone number ending 23"),
        ("Call me on 555-123-4567.", "phone number ending 67"),
        ("My number is (555) 123-4567", "phone number ending 67"),
        ("Ruf mich an: 0170 1234567", "phone number ending 67"),
        ("appelle-moi au 06 12 34 56 78", "phone number ending 78"),
        ("phone number: 0301234567", "phone number ending 67"),
        ("write to maria.lopez@gmail.com", "e-mail address m\u2026@gmail.com"),
        ("IBAN: DE89 3704 0044 0532 0130 00.", "IBAN DE89\u2026 ending 3000"),
        ("pay to GB82WEST12345698765432 please", "IBAN GB82\u2026 ending 5432"),
    ],
)
def test_pii_finds(text: str, expected: str) -> None:
    assert [hit[3] for hit in find_pii(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Invoice INV-2024-0042 is due on 2024-03-15.",
        "Your invoice of 15.03.2024 for 1,250.00 EUR was paid on 03/18/2024.",
        "invoice number 0301234567",
        "order #12345678 and ticket 555-123-4567",
        "The total is 1 234 567 EUR, or $12345.67.",
        "Version 1.2.3.4 from 192.168.0.1 during 2019-2024.",
        "ref 2024-000123",
        "Write to support@tallybook.com or ana@example.com.",
        "IBAN DE89 3704 0044 0532 0130 01 (mistyped)",
    ],
)
def test_pii_ignores_dates_amounts_references_and_role_addresses(text: str) -> None:
    assert find_pii(text) == []


def test_pii_kinds_and_roles_are_configurable() -> None:
    ex = example(SYSTEM, {"role": "user", "content": "I'm ana@acme.io, +49 30 1234567"}, {"role": "assistant", "content": "Thanks!"})
    assert [f.message for f in run("pii", ex)] == ["e-mail address a\u2026@acme.io in message 2", "phone number ending 67 in message 2"]
    assert [f.message for f in run("pii", ex, kinds=["phone"])] == ["phone number ending 67 in message 2"]
    assert run("pii", ex, roles=["assistant"]) == []


# --- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (f"Use {OPENAI_KEY} for the API.", "OpenAI-style API key 'sk-p\u2026'"),
        (f"key {STRIPE_KEY}", "Stripe-style secret key 'sk_l\u2026'"),
        (f"aws {AWS_KEY}", "AWS access key id 'AKIA\u2026'"),
        (GITHUB_TOKEN, "GitHub token 'ghp_\u2026'"),
        (SLACK_TOKEN, "Slack token 'xoxb\u2026'"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", "private key"),
        ("my password is hunter2", "password in clear"),
        ("Password: Tally2024!", "password in clear"),
        ("The API token: 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffee", "key-like token '9f8e\u2026'"),
    ],
)
def test_secrets_found(text: str, description: str) -> None:
    assert [hit[2] for hit in find_secrets(text)] == [description]


@pytest.mark.parametrize(
    "text",
    [
        "Your password is case-sensitive.",
        "The password is reset via e-mail.",
        "password: ********",
        "The token is valid for 30 days.",
        "Your access key is in Settings > Integrations > API keys.",
        "Use the key combination Ctrl+Shift+K to open the search.",
        "See https://tallybook.com/help/articles/invoices-recurring-setup for details.",
    ],
)
def test_secrets_ignores_prose_about_keys_and_passwords(text: str) -> None:
    assert find_secrets(text) == []


def test_secrets_flag_names_the_message() -> None:
    flags = run("secrets", example(SYSTEM, {"role": "user", "content": f"my key is {OPENAI_KEY}"}, {"role": "assistant", "content": "Please rotate it."}))
    assert [(f.message, f.message_index, f.span) for f in flags] == [("OpenAI-style API key 'sk-p\u2026' in message 2", 1, (10, 10 + len(OPENAI_KEY)))]


# --- repetition -----------------------------------------------------------------------------


def test_normal_five_paragraph_and_structured_replies_do_not_flag_repetition() -> None:
    assert run("repetition", reply(NORMAL_REPLY)) == []
    assert run("repetition", reply(STRUCTURED_REPLY)) == []
    steps = "\n".join(f"{i}. Click the \"Next\" button to go to step {i + 1}." for i in range(1, 9))
    assert find_repetition(steps) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm sorry for the trouble. " * 6, "\"I'm sorry for the trouble.\" repeated 6 times in a row"),
        ("Thanks! " + "very " * 15 + "much.", "'very' repeated 15 times in a row"),
        (
            (
                "Please check your settings.\nTry again later, thank you.\nPlease check your settings.\n"
                "Other line here ok.\nPlease check your settings.\nOK then, moving on now.\nPlease check your settings."
            ),
            "the line 'Please check your settings.' appears 4 times",
        ),
        (
            (
                "The invoice is sent to Ana. Great news for you. The invoice is sent to Ana. Then wait a bit please. "
                "The invoice is sent to Ana."
            ),
            "the sentence 'the invoice is sent to ana.' appears 3 times",
        ),
    ],
)
def test_degenerate_repetition_flags(text: str, expected: str) -> None:
    found = find_repetition(text)
    assert found is not None and found[0] == expected


def test_repetition_flag_has_span_of_the_loop() -> None:
    text = "Sure. " + "Loop again and again. " * 5
    (flag,) = run("repetition", reply(text))
    assert flag.message == "'Loop again and again.' repeated 5 times in a row in message 3"
    assert flag.span == (6, len(text) - 1)


# --- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanks for reaching out! You can download the invoice from the Settings menu whenever you like.", "en"),
        ("Vielen Dank für Ihre Nachricht. Sie können die Rechnung im Menü unter Einstellungen herunterladen.", "de"),
        ("Gracias por tu mensaje. Puedes descargar la factura desde el menú de configuración cuando quieras.", "es"),
        ("Merci pour votre message. Vous pouvez télécharger la facture depuis le menu des paramètres.", "fr"),
        ("Grazie per il messaggio. Puoi scaricare la fattura dal menu delle impostazioni quando vuoi.", "it"),
        ("Obrigado pela sua mensagem. Você pode baixar a fatura no menu de configurações quando quiser.", "pt"),
        ("Bedankt voor je bericht. Je kunt de factuur downloaden via het menu Instellingen wanneer je wilt.", "nl"),
        ("Sure, done!", "unknown"),
        ("Invoice INV-0042 total 120 EUR Plus Pro Free", "unknown"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_german_reply_to_an_english_guideline_flags() -> None:
    german = "Sie können die Rechnungswährung unter Einstellungen ändern, wenn Sie das möchten."
    assert [(f.message, f.message_index) for f in run("reply_language", reply(german))] == [("reply (message 3) is in German, not English", 2)]
    assert run("reply_language", reply("You can change the invoice currency under Settings whenever you need to.")) == []
    assert run("reply_language", reply("Danke!")) == []  # too short to tell
    code = "```python\nprint('Sie können die Rechnung und die Einstellungen nicht ändern')\n```\nRun this script and you will see the result in the log."
    assert run("reply_language", reply(code)) == []


# --- structure ------------------------------------------------------------------------------


def test_tool_arguments_json() -> None:
    def call(arguments: str) -> Example:
        tool_call = {"id": "c1", "type": "function", "function": {"name": "get_invoice", "arguments": arguments}}
        return example(SYSTEM, QUESTION, {"role": "assistant", "content": None, "tool_calls": [tool_call]},
                       {"role": "tool", "tool_call_id": "c1", "content": "{}"}, {"role": "assistant", "content": "Done."})
    assert [(f.message, f.message_index) for f in run("tool_arguments_json", call('{"a": 1'))] == [
        ("tool call 'get_invoice' in message 3: arguments are not valid JSON (Expecting ',' delimiter at character 7)", 2)
    ]
    assert [f.message for f in run("tool_arguments_json", call("[1, 2]"))] == [
        "tool call 'get_invoice' in message 3: arguments are JSON but not an object (list)"
    ]
    assert run("tool_arguments_json", call('{"a": 1}')) == []
    legacy = example(QUESTION, {"role": "assistant", "function_call": {"name": "f", "arguments": "{oops"}})
    assert [f.message_index for f in run("tool_arguments_json", legacy)] == [1]


def test_empty_content() -> None:
    ex = example(SYSTEM, {"role": "user", "content": "  \n"}, {"role": "assistant", "content": ""})
    assert [f.message for f in run("empty_content", ex)] == ["message 2 (user) is whitespace-only", "message 3 (assistant) is empty"]
    assert [f.message_index for f in run("empty_content", ex, roles=["assistant"])] == [2]
    tool_call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    image = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]}
    assert run("empty_content", example(image, {"role": "assistant", "content": None, "tool_calls": [tool_call]})) == []


def test_turn_count_system_prompt_and_last_turn() -> None:
    one = example({"role": "assistant", "content": "Hello."})
    assert [f.message for f in run("turn_count", one)] == ["conversation has 1 message; the guideline asks for at least 2"]
    long = example(*([QUESTION, {"role": "assistant", "content": "ok"}] * 21))
    assert [f.message for f in run("turn_count", long, max=40)] == ["conversation has 42 messages; the guideline allows at most 40"]
    assert run("turn_count", reply("ok")) == []

    no_system = example(QUESTION, {"role": "assistant", "content": "ok"})
    assert [f.message for f in run("system_prompt", no_system)] == ["no system prompt"]
    assert run("system_prompt", reply("ok")) == []
    assert [f.message_index for f in run("system_prompt", reply("ok"), mode="forbidden")] == [0]

    trailing = example(SYSTEM, QUESTION, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "thanks"})
    assert [(f.message, f.message_index) for f in run("last_turn", trailing)] == [("last message (4) is from the user, not the assistant", 3)]
    assert run("last_turn", reply("ok")) == []


def test_token_limit_uses_stored_tokens_or_counts() -> None:
    assert [f.message for f in run("token_limit", reply("ok", tokens=70_000))] == [
        "example has 70,000 tokens, over the 65,536-token training limit of gpt-4o-mini-2024-07-18"
    ]
    assert run("token_limit", reply("ok", tokens=65_536)) == []
    assert [f.message for f in run("token_limit", reply("ok", tokens=20), limit=10)] == [
        "example has 20 tokens, over the 10-token training limit of gpt-4o-mini-2024-07-18"
    ]
    counted = reply("word " * 30, tokens=None)
    assert run("token_limit", counted, limit=10) != []
    assert run("token_limit", counted, limit=1000) == []


# --- forbidden phrases ----------------------------------------------------------------------


def test_forbidden_phrases_case_insensitive_with_typographic_quotes() -> None:
    ex = reply("Well, as an AI Language   Model I can\u2019t browse the internet.")
    flags = run("forbidden_phrases", ex, phrases=["as an AI language model", "I can't browse the internet"])
    assert [(f.message, f.span) for f in flags] == [
        ("forbidden phrase 'as an AI Language Model' in message 3", (6, 31)),
        ("forbidden phrase 'I can\u2019t browse the internet' in message 3", (32, 59)),
    ]
    assert run("forbidden_phrases", reply("Our AI models are great."), phrases=["AI model"]) == []  # whole words only


def test_forbidden_patterns_and_roles() -> None:
    ex = example(SYSTEM, {"role": "user", "content": "Give me a full refund for the whole year"}, {"role": "assistant", "content": "Refunds are within 30 days."})
    assert run("forbidden_phrases", ex, patterns=["full refund for the (?:whole|entire) year"]) == []
    flags = run("forbidden_phrases", ex, patterns=["full refund for the (?:whole|entire) year"], roles=["user"])
    assert [f.message for f in flags] == ["'full refund for the whole year' matches a forbidden pattern in message 2"]


# --- the shipped guidelines end to end ------------------------------------------------------


def test_run_checks_on_a_clean_example_flags_nothing(shipped) -> None:
    clean = reply("You can resend the invoice from Invoices > INV-1042 > Send again. The customer gets a fresh link.")
    assert run_checks(clean, shipped) == []


def test_run_checks_names_rules_and_severities(shipped) -> None:
    bad = example(
        {"role": "user", "content": "Refund please, my card is 4242 4242 4242 4242"},
        {"role": "assistant", "content": "As an AI language model I can do that: a full refund for the whole year. "
                                         "Open the Payroll tab to see it."},
        tokens=100,
    )
    found = [(f.rule_id, f.severity, f.check) for f in run_checks(bad, shipped)]
    assert found == [
        ("no-pii", Severity.BLOCKER, "pii"),
        ("no-ai-boilerplate", Severity.MAJOR, "forbidden_phrases"),
        ("system-prompt", Severity.MINOR, "system_prompt"),
        ("tb-refund-policy", Severity.BLOCKER, "forbidden_phrases"),
        ("tb-no-invented-features", Severity.MAJOR, "forbidden_phrases"),
    ]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("No problem, I'll give you a full refund for the whole year.", "tb-refund-policy"),
        ("We can refund you at any time.", "tb-refund-policy"),
        ("We offer refunds within 60 days of purchase.", "tb-refund-policy"),
        ("You can accept bitcoin on your invoices.", "tb-no-invented-features"),
        ("Sure! You can run payroll for your staff in Tallybook.", "tb-no-invented-features"),
        ("I\u2019m unable to browse the internet, sorry.", "no-ai-boilerplate"),
    ],
)
def test_domain_checks_flag_over_promises(shipped, text: str, rule: str) -> None:
    assert [f.rule_id for f in run_checks(reply(text), shipped)] == [rule]


@pytest.mark.parametrize(
    "text",
    [
        "Refunds are possible within 30 days of a charge.",
        "You can\u2019t run payroll in Tallybook; many customers use a payroll provider.",
        "Tallybook doesn't support crypto payments.",
    ],
)
def test_domain_checks_leave_correct_replies_alone(shipped, text: str) -> None:
    assert run_checks(reply(text), shipped) == []


def test_check_prediction_judges_only_the_model_reply(shipped) -> None:
    ex = example(QUESTION, {"role": "assistant", "content": "Open Invoices and click Send again."})  # no system prompt
    assert [f.rule_id for f in run_checks(ex, shipped)] == ["system-prompt"]
    assert check_prediction(ex, "Open Invoices and click Send again.", shipped) == []
    flags = check_prediction(ex, "As an AI language model, I can give you a full refund for the whole year.", shipped)
    assert [(f.rule_id, f.message_index) for f in flags] == [("no-ai-boilerplate", 1), ("tb-refund-policy", 1)]
    german = check_prediction(ex, "Öffnen Sie die Rechnungen und klicken Sie auf erneut senden, wenn Sie möchten.", shipped)
    assert [f.rule_id for f in german] == ["reply-language"]


# --- similarity -----------------------------------------------------------------------------


def test_similarity_measures() -> None:
    assert token_jaccard("The invoice was sent", "the INVOICE was sent!") == 1.0
    assert token_jaccard("a b", "c d") == 0.0
    assert token_jaccard("a b c", "b c d") == 0.5
    assert trigram_cosine("refund", "refund") == pytest.approx(1.0)
    assert trigram_cosine("abc", "xyz") == 0.0
    assert 0.0 < trigram_cosine("full refund", "refund policy") < 1.0


def test_reply_closer_to_undesired() -> None:
    desired = "Refunds are possible within 30 days of a charge; your renewal is older, so I can't refund it."
    undesired = "Sure, I'll give you a full refund for the whole year right away!"
    model = "Sure! I'll give you a full refund for the whole year."
    comparison = compare_reply(model, desired=desired, undesired=undesired)
    assert comparison.closer == "undesired" and comparison.undesired > comparison.desired
    assert closer_to_undesired(model, desired=desired, undesired=undesired, method="jaccard")
    assert not closer_to_undesired("Your renewal is older than 30 days, so I can't refund it.", desired=desired, undesired=undesired)
    assert compare_reply("same", desired="same", undesired="same").closer == "tie"


# --- pre-filters: the fast paths give exactly the flags of the plain path ------------------

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def both_ways(ex: Example, guidelines: Any) -> list[Flag]:
    """The example's flags with the pre-filters on, after checking they equal the plain path's."""
    with fast_paths(False):
        reference = run_checks(ex, guidelines)
    fast_flags = run_checks(ex, guidelines)
    assert fast_flags == reference
    return fast_flags


def test_case_hazards_are_every_character_that_breaks_lower_casing() -> None:
    # Substring tests on text.lower() stand in for re.IGNORECASE and for per-token lower():
    # that holds for every character outside CASE_HAZARDS, which this checks by brute force.
    chars = "".join(chr(i) for i in range(128, 0x110000) if not 0xD800 <= i < 0xE000)
    assert set(re.findall(r"[a-z0-9_'\-:=`\" ]", chars, re.IGNORECASE)) <= CASE_HAZARDS
    classes = [re.compile(c) for c in (r"\w", r"\s", r"\d", r"[^\W\d_]")]
    for c in chars:
        low = c.lower()
        if low == c or c in CASE_HAZARDS:
            continue
        assert len(low) == 1 and not low.isascii(), c
        assert [bool(k.fullmatch(c)) for k in classes] == [bool(k.fullmatch(low)) for k in classes], c
    assert "\u03a3" in CASE_HAZARDS  # the one character lower-cased by context (final sigma)


def test_required_literals_of_known_patterns() -> None:
    as_sets = lambda p: [set(c) for c in required_literals(re.compile(p, re.IGNORECASE))]  # noqa: E731
    assert as_sets(r"\b(?:password|pwd|pin)\b\s*[:=]") == [{"password", "pwd", "pin"}, {":", "="}]
    assert as_sets(r"\bgh[pou]_\w{36}|github_pat_") == [{"ghp_", "gho_", "ghu_", "github_pat_"}]
    assert as_sets(r"refund\s+(?:within|for)?\s+\d+ days") == [{"refund"}, {" days"}]
    assert as_sets(r"\w+\s*(?:|x)") == []  # an empty alternative needs nothing


@pytest.mark.parametrize(
    "text",
    [
        "AS AN AI LANGUAGE MODEL, I cannot browse the INTERNET.",
        "I\u2019m just an AI, but I can give you a Full Refund For The Whole Year.",
        "As an AI language model\u2014I can\u2019t browse the web.",
        "As an A\u0130 language model I cannot help.",  # dotted capital I: slow path
        "\u212aeep your pa\u017f\u017fword: Hunter2! and my \u212aey is " + "sk-" + "Ab3dEf6hIj9kLmN0pQr2StUv",
        "PASSWORD = Tally2024! and Authorization: Bearer " + "aB3dE5gH7jK9mN1pQ3sT5vX7",
        "Call me on +44 7700 900123 or 0044 20 7946 0958; card 4242 4242 4242 4242, IBAN DE89 3704 0044 0532 0130 00.",
        "Mail maria.lopez@gmail.com or support@tallybook.com; phone \u0660\u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0661\u0662\u0663.",
        "I'm sorry for the trouble. " * 4,
        "Sorry sorry SORRY sorry Sorry sorry sorry sorry sorry sorry sorry sorry sorry sorry",
        "Open   Invoices now.\nOpen invoices NOW.\n" * 3 + "Open Invoices now.",
        "\u039f\u039b\u039f\u03a3 \u03bf\u03bb\u03bf\u03c2 " * 8,  # capital sigma: slow path
        "Sie k\u00f6nnen die Rechnungsw\u00e4hrung unter Einstellungen \u00e4ndern, wenn Sie das m\u00f6chten.",
        "Vous pouvez modifier la devise de la facture dans les param\u00e8tres si vous le souhaitez.",
        "It\u2019s the one: it\u2019s in the app and it\u2019s free, you\u2019re set.",
        "the the der die",
        "```python\nrows = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n```\n| a | b |\n| --- | --- |\n| No | No |",
        "Tallybook\u2019s payroll module lets you run payroll; you can accept bitcoin payments too.",
        "We offer a 60-day money-back guarantee and will refund any time, or refund your last three months.",
    ],
)
def test_fast_paths_match_the_plain_path_on_tricky_replies(text: str, shipped) -> None:
    ex = example(SYSTEM, {"role": "user", "content": text}, {"role": "assistant", "content": text})
    both_ways(ex, shipped)
    for name in ("pii", "secrets", "repetition", "forbidden_phrases"):
        params = {"phrases": ["as an AI language model", "payroll module"], "patterns": [r"refund\b.{0,20}\bany ?time"]} if name == "forbidden_phrases" else {}
        with fast_paths(False):
            reference = run(name, ex, **params)
        assert run(name, ex, **params) == reference


def test_fast_paths_flag_the_tricky_replies_the_plain_path_flags(shipped) -> None:
    ex = reply("AS AN AI LANGUAGE MODEL, I\u2019m just an AI. Call +44 7700 900123. password: Hunter2!")
    assert {f.rule_id for f in both_ways(ex, shipped)} == {"no-ai-boilerplate", "no-pii", "no-secrets"}


def test_fast_paths_match_the_plain_path_on_every_sample_example(shipped) -> None:
    examples = [
        p.example.model_copy(update={"tokens": 1000})  # a stored count: no tokenizer in this test
        for path in sorted(SAMPLE.glob("tallybook_*"))
        for p in open_records(path)
        if p.example is not None
    ]
    assert len(examples) > 300
    flagged = [f for ex in examples for f in both_ways(ex, shipped)]
    assert len({f.rule_id for f in flagged}) >= 6  # the sample data plants issues for many rules
