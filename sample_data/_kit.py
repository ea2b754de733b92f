"""Building blocks for the Tallybook sample data: scenario shape, name pools, slot filling."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

Msg = dict[str, Any]
ToolFlow = Callable[[random.Random, dict[str, str]], list[Msg]]


@dataclass
class Scenario:
    """One support topic: ways a user raises it, ways Tally answers, follow-up exchanges."""

    key: str
    openers: list[str]
    replies: list[str]
    followups: list[tuple[str, str]] = field(default_factory=list)
    tool: ToolFlow | None = None
    bad: list[tuple[str, str]] = field(default_factory=list)  # (rule id, undesired reply)
    fit: list[list[int]] | None = None  # per opener, the replies that answer it (None: any)
    bad_fit: list[tuple[int, ...]] | None = None  # per bad reply, the openers it answers (None: any)

    def ask(self, rng: random.Random) -> tuple[int, str]:
        """A random opener and its index."""
        i = rng.randrange(len(self.openers))
        return i, self.openers[i]

    def reply_to(self, rng: random.Random, opener: int) -> str:
        """A reply template that answers the given opener."""
        options = self.fit[opener] if self.fit else range(len(self.replies))
        return self.replies[rng.choice(list(options))]

    def bad_openers(self, bad: int) -> list[int]:
        """The openers a bad reply answers."""
        if self.bad_fit and self.bad_fit[bad]:
            return list(self.bad_fit[bad])
        return list(range(len(self.openers)))


BUSINESSES = [
    "Brightleaf Bakery", "Northgate Plumbing", "Kestrel Design Studio", "Hollow Oak Joinery",
    "Saltmarsh Surf School", "Pemberton Dental Lab", "Little Fern Florist", "Redline Couriers",
    "Quillstone Translations", "Copper Kettle Cafe", "Marlow & Finch Bookkeeping",
    "Ironbridge Fitness", "Blue Heron Yoga", "Ashworth Electrical", "Tidewater Charters",
    "Juniper Lane Interiors", "Fable & Co Marketing", "Greenway Landscaping", "Orbit Web Works",
    "Harbourside Physio", "Wildflower Weddings", "Stonecrop Pottery", "Baxter Mobile Detailing",
    "Cedar Ridge Consulting", "Pine & Pixel Photography", "Maple Street Tutors",
    "Lantern Print Shop", "Riverbend Vet Clinic", "Sunny Side Childcare", "Granite Peak Roofing",
    "Mosaic Hair Studio", "Everkind Cleaning Co", "Tinker Bicycle Repair", "Sablewood Audio",
    "Fieldnote Research", "Harrow Hill Farm Shop", "Velvet Moth Tattoo", "Nimbus IT Support",
    "Clearwater Pools", "Foxglove Catering",
]
CLIENTS = [
    "Acme Logistics", "Westfield Medical", "the Hendersons", "Parkview Primary School",
    "Lumen Architects", "Greyhound Brewing", "Silverline Estates", "Dr. Amara Osei",
    "Coastline Properties", "Ridgeway Motors", "Oakmont Dental", "Northwind Traders",
    "Bellamy Foods", "Crescent Hotels", "St. Jude's Parish", "Vantage Realty", "Halcyon Spa",
    "Moreno & Daughters", "Brookfield Council", "Atlas Freight", "Penrose Gallery",
    "Kingfisher Marina", "Summit Outdoor", "Mr. and Mrs. Tanaka",
]
NAMES = [
    "Priya", "Tom", "Chloe", "Marcus", "Aisha", "Dan", "Sofia", "Liam", "Hannah", "Kwame",
    "Elena", "Raj", "Megan", "Oliver", "Fatima", "Jake", "Ines", "Callum", "Yuki", "Beth",
    "Andre", "Nora", "Sam", "Leila", "Patrick", "Zoe", "Mateo", "Grace", "Ravi", "Lucy",
    "Tobias", "Amelia", "Hugo", "Jess", "Omar", "Freya", "Nikhil", "Ruth", "Ben", "Carmen",
]
BANKS = [
    "Chase", "Barclays", "Wells Fargo", "Monzo", "RBC", "Commonwealth Bank", "Bank of America",
    "Lloyds", "TD Bank", "Capital One", "Starling", "ING", "NatWest", "Santander", "ANZ",
    "Scotiabank", "HSBC", "US Bank",
]
CURRENCIES = [("USD", "$"), ("USD", "$"), ("USD", "$"), ("GBP", "£"), ("CAD", "CA$"),
              ("AUD", "A$"), ("EUR", "€")]
FOREIGN = ["EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NZD", "MXN"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
PLAN_PRICE = {"Plus": ("15", "150"), "Pro": ("32", "320")}


def money(rng: random.Random, symbol: str, low: int, high: int) -> str:
    """A realistic amount like '$1,240.00' or '£86.50'."""
    cents = rng.choice([0, 0, 0, 50, 25, 99, rng.randint(1, 99)])
    return f"{symbol}{rng.randint(low, high):,}.{cents:02d}"


def rand_id(rng: random.Random, prefix: str, n: int) -> str:
    """An opaque id such as 'acct_7QF2K9' or 'call_...'."""
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def context(rng: random.Random) -> dict[str, str]:
    """Slot values for one conversation: names, amounts, dates, plan, bank..."""
    code, sym = rng.choice(CURRENCIES)
    today = date(2024, 1, 8) + timedelta(days=rng.randint(0, 600))
    plan = rng.choice(["Free", "Plus", "Plus", "Pro", "Pro"])
    inv_prefix = rng.choice(["INV-", "INV-", "", "TB-", "#"])
    month = MONTHS[(today.month - 2) % 12]
    low = rng.choice(["Free", "Plus"])
    seats = rng.randint(6, 12)
    return {
        "name": rng.choice(NAMES),
        "biz": rng.choice(BUSINESSES),
        "client": rng.choice(CLIENTS),
        "client2": rng.choice(CLIENTS),
        "inv": f"{inv_prefix}{rng.randint(1004, 2890)}",
        "inv2": f"{inv_prefix}{rng.randint(1004, 2890)}",
        "amount": money(rng, sym, 180, 9800),
        "small": money(rng, sym, 9, 140),
        "sym": sym,
        "cur": code,
        "fx": rng.choice(FOREIGN if code != "EUR" else ["USD", "GBP", "CHF"]),
        "plan": plan,
        "low": low,
        "up": "Plus" if low == "Free" else "Pro",
        "extra_seats": str(seats - 5),
        "seat_total": str(32 + 6 * (seats - 5)),
        "bank": rng.choice(BANKS),
        "month": month,
        "today": today.isoformat(),
        "days": str(rng.randint(3, 26)),
        "old_days": str(rng.randint(41, 300)),
        "n": str(rng.randint(2, 9)),
        "seats": str(seats),
        "acct": rand_id(rng, "acct_", 8),
    }


def fill(template: str, ctx: dict[str, str]) -> str:
    """Fill a template's {slots} from the context."""
    return template.format(**ctx)


def tool_call(rng: random.Random, name: str, args: dict[str, Any]) -> tuple[Msg, str]:
    """An assistant message calling one tool, and the call's id."""
    call_id = rand_id(rng, "call_", 24)
    msg = {"role": "assistant", "content": None, "tool_calls": [{
        "id": call_id, "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }]}
    return msg, call_id


def tool_result(call_id: str, payload: dict[str, Any]) -> Msg:
    """The tool message answering a call."""
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(payload)}


def days_before(iso: str, days: int) -> str:
    """The ISO date `days` before `iso`."""
    return (date.fromisoformat(iso) - timedelta(days=days)).isoformat()


def days_after(iso: str, days: int) -> str:
    """The ISO date `days` after `iso`."""
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {
        "name": "lookup_invoice",
        "description": "Look up one of the customer's invoices by its number.",
        "parameters": {"type": "object", "properties": {
            "invoice_number": {"type": "string", "description": "The invoice number as shown on the invoice."}},
            "required": ["invoice_number"]}}},
    {"type": "function", "function": {
        "name": "get_subscription",
        "description": "Get the plan, billing cycle, renewal date and seats of a Tallybook account.",
        "parameters": {"type": "object", "properties": {
            "account_id": {"type": "string"}}, "required": ["account_id"]}}},
    {"type": "function", "function": {
        "name": "list_charges",
        "description": "List recent subscription charges on the account, newest first.",
        "parameters": {"type": "object", "properties": {
            "account_id": {"type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 24}}, "required": ["account_id"]}}},
    {"type": "function", "function": {
        "name": "refund_charge",
        "description": "Refund a subscription charge. Only allowed within 30 days of the charge date.",
        "parameters": {"type": "object", "properties": {
            "charge_id": {"type": "string"}, "reason": {"type": "string"}},
            "required": ["charge_id", "reason"]}}},
    {"type": "function", "function": {
        "name": "get_bank_feed_status",
        "description": "Status of each bank connection on the account.",
        "parameters": {"type": "object", "properties": {
            "account_id": {"type": "string"}}, "required": ["account_id"]}}},
    {"type": "function", "function": {
        "name": "resend_invoice",
        "description": "Send an existing invoice again to the client's contact on file.",
        "parameters": {"type": "object", "properties": {
            "invoice_number": {"type": "string"}}, "required": ["invoice_number"]}}},
    {"type": "function", "function": {
        "name": "escalate_to_human",
        "description": "Open a ticket for the human support team (billing disputes, chargebacks, account access).",
        "parameters": {"type": "object", "properties": {
            "category": {"type": "string", "enum": ["billing_dispute", "account_access", "bug", "other"]},
            "summary": {"type": "string"}}, "required": ["category", "summary"]}}},
]
