"""The personal data check: e-mail addresses, phone numbers, payment cards (Luhn) and IBANs (mod 97).

Tuned for precision on support conversations: dates, amounts, invoice and order numbers are not
phone numbers, a 16-digit number is a card only when its Luhn digit is right, and role
addresses (support@, billing@...) or example domains are not personal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from curator.guidelines.checks.prefilter import digit_shape, fast
from curator.guidelines.checks.registry import (
    CheckParams,
    Flag,
    check,
    messages_with_roles,
    partly_read,
    scanned,
)
from curator.models import Example, Role

PiiKind = Literal["email", "phone", "card", "iban"]
PII_KINDS: tuple[PiiKind, ...] = ("email", "phone", "card", "iban")

ROLE_MAILBOXES = frozenset(
    ["support", "help", "helpdesk", "info", "contact", "hello", "billing", "invoices", "accounts", "sales", "team", "office", "admin", "noreply",
     "no-reply", "donotreply", "privacy", "security", "legal", "press", "careers", "jobs", "feedback", "service", "customerservice", "orders", "refunds"]
)


class PiiParams(CheckParams):
    kinds: tuple[PiiKind, ...] = PII_KINDS
    roles: tuple[Role, ...] | None = None  # None: every role, since a prompt is training data too
    allow_domains: tuple[str, ...] = ("example.com", "example.org", "example.net")
    allow_role_addresses: bool = True


Hit = tuple[PiiKind, int, int, str]  # kind, start, end, description for people

_EMAIL = re.compile(r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})\b")
_CARD = re.compile(r"(?<![\w.,+-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b")
# A run of digits with the separators phone numbers use, on one line; judged by _is_phone.
_PHONE = re.compile(r"(?<![\w+./,-])(?:\+|\(\+?)?\d[\d \t().-]{5,22}\d(?![\w/]|[.,-]\d)")
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)[ ]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}")
_TRUNK = re.compile(r"\(?0\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}")
_DATE = re.compile(r"\d{1,4}[.-]\d{1,2}[.-]\d{1,4}")
_AMOUNT = re.compile(r"\d{1,3}(?:[ .,]\d{3})+(?:[.,]\d{1,2})?|\d+[.,]\d{2}")
_PHONE_WORDS = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|call|ring|fax|whats ?app|sms|text me|reach me|number is)\b[^\n]{0,30}$",
    re.IGNORECASE,
)
# "phone number: " right before the digits overrides the "number" of _NOT_PHONE_WORDS.
_PHONE_LABEL = re.compile(r"\b(?:phone|tel|telephone|mobile|cell|fax|whats ?app|sms)\b[\w ]{0,12}[\s.:#-]{0,4}$", re.IGNORECASE)
_NOT_PHONE_WORDS = re.compile(
    r"\b(?:invoice|order|ref|reference|account|acct|customer|ticket|case|id|no|nr|number|receipt|"
    r"vat|tax|iban|routing|sort code|transaction|tracking|serial|po)\b[\s.:#-]{0,4}$|[#$\u20ac\u00a3\u00a5]\s?$|"
    r"\b(?:usd|eur|gbp|chf)\s?$",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn check (payment card numbers do)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """True when an IBAN (spaces allowed) has a plausible length and passes the mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    if not rearranged.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def _ibans(text: str) -> Iterator[Hit]:
    for m in _IBAN.finditer(text):
        raw = m.group()
        # The spaced form may have swallowed a short capitalised word after the IBAN.
        for candidate in (raw, raw.rsplit(" ", 1)[0]):
            if iban_valid(candidate):
                compact = candidate.replace(" ", "")
                yield "iban", m.start(), m.start() + len(candidate), f"IBAN {compact[:4]}\u2026 ending {compact[-4:]}"
                break


_IBAN_HEAD = re.compile(r"\b[A-Z]{2}\d{2}[ ]?$")
_CARD_GROUPS = re.compile(r"\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}")


def _cards(text: str) -> Iterator[Hit]:
    for m in _CARD.finditer(text):
        if not _CARD_GROUPS.fullmatch(m.group()) or _IBAN_HEAD.search(text, 0, m.start()):
            continue  # not grouped like a card, or the digits of an IBAN that failed mod 97
        digits = re.sub(r"\D", "", m.group())
        # Card networks start with 2-6; a run of one digit passes Luhn but is a placeholder.
        if digits[0] in "23456" and len(set(digits)) > 1 and luhn_valid(digits):
            yield "card", m.start(), m.end(), f"card number ending {digits[-4:]}"


def _emails(text: str, params: PiiParams) -> Iterator[Hit]:
    allowed = {d.lower() for d in params.allow_domains}
    for m in _EMAIL.finditer(text):
        local, domain = m.group().rsplit("@", 1)
        domain = domain.lower()
        if domain in allowed or any(domain.endswith("." + d) for d in allowed):
            continue
        if params.allow_role_addresses and local.lower() in ROLE_MAILBOXES:
            continue
        yield "email", m.start(), m.end(), f"e-mail address {local[0]}\u2026@{domain}"


def _is_phone(raw: str, before: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return False
    if _DATE.fullmatch(raw) or _AMOUNT.fullmatch(raw):
        return False
    if _NOT_PHONE_WORDS.search(before) and not _PHONE_LABEL.search(before):
        return False
    keyword = _PHONE_WORDS.search(before) is not None
    if raw.startswith(("+", "(+")):
        return len(digits) >= 8
    if raw.startswith("00") and len(digits) >= 10 and re.search(r"[ .-]", raw):
        return True  # international with the 00 prefix
    if _NANP.fullmatch(raw):
        return True
    if _TRUNK.fullmatch(raw) and 9 <= len(digits) <= 12 and re.search(r"[ .()-]", raw):
        return True
    return keyword


def _phones(text: str) -> Iterator[Hit]:
    for m in _PHONE.finditer(text):
        raw = m.group().rstrip(" \t(")
        if _is_phone(raw, text[max(0, m.start() - 40) : m.start()]):
            digits = re.sub(r"\D", "", raw)
            yield "phone", m.start(), m.start() + len(raw), f"phone number ending {digits[-2:]}"


def _possible_kinds(text: str) -> tuple[PiiKind, ...]:
    """The kinds that can occur in the text at all, judged without running their regexes."""
    shape = digit_shape(text)
    possible: list[PiiKind] = []
    if b"AA00" in shape:  # an IBAN starts [A-Z]{2}\d{2}
        possible.append("iban")
    if b"0" * 13 in shape:  # a card has 13+ digits, at most one separator apart
        possible.append("card")
    if "@" in text:
        possible.append("email")
    if b"0" * 7 in shape:  # _is_phone wants 7+ digits in one run of digits and separators
        possible.append("phone")
    return tuple(possible)


def find_pii(text: str, params: PiiParams | None = None) -> list[Hit]:
    """Personal data in a text: (kind, start, end, description), in order of position."""
    params = params or PiiParams()
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    # IBANs and cards first: their digit runs must not be reported again as phone numbers.
    finders = {
        "iban": lambda: _ibans(text),
        "card": lambda: _cards(text),
        "email": lambda: _emails(text, params),
        "phone": lambda: _phones(text),
    }
    possible = _possible_kinds(text) if fast() else PII_KINDS
    for kind in ("iban", "card", "email", "phone"):
        if kind not in params.kinds or kind not in possible:
            continue  # a finder skipped here finds nothing, so `taken` is the same either way
        for hit in finders[kind]():
            if not _overlaps(hit[1], hit[2], taken):
                hits.append(hit)
                taken.append((hit[1], hit[2]))
    return sorted(hits, key=lambda h: h[1])


@check("pii", params=PiiParams)
def pii(example: Example, params: PiiParams) -> list[Flag]:
    """No message contains personal data of the configured kinds."""
    flags = []
    for i, m in messages_with_roles(example, params.roles):
        flags += partly_read("pii", i, m.text)
        for _kind, start, end, description in find_pii(scanned(m.text), params):
            flags.append(Flag(check="pii", message=f"{description} in message {i + 1}", message_index=i, span=(start, end)))
    return flags
