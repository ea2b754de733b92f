"""Long conversations for the gzip file, including one far over any per-example token limit."""

from __future__ import annotations

import random
from datetime import date, timedelta

from _kit import BUSINESSES, CLIENTS, Msg
from _planted import SYSTEM

_ACCOUNTS = [
    ("1000", "Business Checking"), ("1010", "Business Savings"), ("1200", "Accounts Receivable"),
    ("2000", "Accounts Payable"), ("2200", "Sales Tax Payable"), ("3000", "Owner's Equity"),
    ("4000", "Sales"), ("4100", "Service Income"), ("5000", "Materials"), ("6100", "Rent"),
    ("6200", "Utilities"), ("6300", "Software Subscriptions"), ("6400", "Vehicle"),
    ("6500", "Payment Processing Fees"), ("6600", "Office Supplies"), ("6700", "Advertising"),
]
_VENDORS = ["Staples", "Shell", "Comcast Business", "Adobe", "Google Workspace", "Home Depot",
            "Stripe", "PayPal", "City Water Dept", "PG&E", "Facebook Ads", "Uline", "Verizon"]


def ledger_export(rng: random.Random, target_chars: int) -> str:
    """A general-ledger CSV export of roughly `target_chars` characters."""
    lines = ["Date,Reference,Account,Account name,Description,Contact,Debit,Credit,Balance"]
    day = date(2021, 1, 4)
    balance = 18_420.55
    n = 0
    size = len(lines[0])
    while size < target_chars:
        n += 1
        code, name = rng.choice(_ACCOUNTS)
        income = code.startswith("4") or code == "1200"
        amount = round(rng.uniform(4, 3800 if income else 900), 2)
        if income:
            contact = rng.choice(CLIENTS)
            desc = rng.choice(["Invoice payment", "Invoice", "Deposit", "Retainer", "Final payment"])
            ref = f"INV-{1000 + n // 3}"
            debit, credit = "", f"{amount:.2f}"
            balance += amount
        else:
            contact = rng.choice(_VENDORS)
            desc = rng.choice(["Card purchase", "Direct debit", "Bill payment", "Monthly plan", "Fee"])
            ref = f"EXP-{2000 + n}"
            debit, credit = f"{amount:.2f}", ""
            balance -= amount
        line = f"{day.isoformat()},{ref},{code},{name},{desc},{contact},{debit},{credit},{balance:.2f}"
        lines.append(line)
        size += len(line) + 1
        if rng.random() < 0.3:
            day += timedelta(days=1)
    return "\n".join(lines)


def overlong(rng: random.Random) -> list[Msg]:
    """A user pasting three years of ledger export: far over a 65,536-token training limit."""
    export = ledger_export(rng, 352_000)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": (
            "Our balance sheet has been off by $412.37 since some point last year and my accountant "
            "wants it fixed before she'll sign off. Here is the full general ledger export from "
            "Reports > General ledger, all three years. Can you find the transaction that's wrong?\n\n"
            + export)},
        {"role": "assistant", "content": (
            "Thanks for sending the full export. A difference that appears at a single point and then "
            "stays constant is almost always one transaction: an opening balance entered on the wrong "
            "date, a transfer between two of your own accounts categorised as income or expense on one "
            "side only, or a bank transaction deleted after it had been reconciled.\n\n"
            "Rather than checking thousands of lines by hand, let Tallybook narrow it down:\n\n"
            "1. Open **Reports > Balance sheet** and compare month-end dates until you find the first "
            "month where the $412.37 appears.\n"
            "2. In **Banking > Reconciliation history**, open that month and look for a reconciliation "
            "marked *Unbalanced*. It lists the transactions changed after reconciling.\n"
            "3. Check **Settings > Audit log** filtered to that month for deleted or edited bank "
            "transactions.\n\n"
            "If you tell me the month where it first shows up, I can tell you exactly what to look at "
            "next. And since your accountant is involved, she can also see all of this directly if you "
            "invite her with the free Accountant role.")},
    ]


def csv_import(rng: random.Random) -> list[Msg]:
    """A user pasting a short bank CSV that fails to import."""
    rows = ["Date;Description;Amount;Balance"]
    bal = 5_230.10
    d = date(2024, 9, 2)
    for _ in range(42):
        amt = round(rng.uniform(-640, 1900), 2)
        bal += amt
        who = rng.choice(CLIENTS + _VENDORS)
        rows.append(f"{d.strftime('%d/%m/%Y')};{who};{amt:.2f}".replace(".", ",") + f";{bal:.2f}".replace(".", ","))
        d += timedelta(days=rng.randint(0, 2))
    csv = "\n".join(rows)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "My bank (a small co-op) doesn't have a feed so I'm importing a CSV, but Tallybook says 'Could not read amounts' and imports nothing. Here's the file:\n\n" + csv},
        {"role": "assistant", "content": "Thanks, that makes it clear. Your bank's file uses European number formatting: semicolons between columns, commas as the decimal mark (1.234,56 style) and day-first dates. Tallybook reads dot decimals by default, so every amount looks invalid.\n\nWhen you upload the file again under **Banking > Import**, the column-mapping step has a **Format** panel on the right. Set:\n\n- *Column separator*: Semicolon\n- *Decimal mark*: Comma\n- *Date format*: DD/MM/YYYY\n\nThe preview should then show the amounts correctly, with withdrawals as negatives. We remember those settings for this bank account, so next month's import will just work."},
        {"role": "user", "content": "That worked, 42 transactions in. But the balance column, does it matter? I mapped it to 'Ignore'."},
        {"role": "assistant", "content": "Ignoring it is fine. We calculate the running balance from your opening balance and the transactions. If you map it instead, Tallybook compares its own running balance with the bank's after the import and warns you if they differ, which is a handy check that no rows went missing. Either way your books are correct."},
    ]


def year_end(rng: random.Random) -> list[Msg]:
    """A long multi-turn year-end clean-up."""
    biz = rng.choice(BUSINESSES)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"I run {biz} and my year end is coming up. My accountant sent me a checklist and I have no idea how half of it maps to Tallybook. First item: 'reconcile all bank accounts to 31 December'."},
        {"role": "assistant", "content": "Happy to go through the list with you. For reconciling: open **Banking**, pick each account and click **Reconcile**. Enter the statement end date (31 December) and the closing balance from your bank statement. Tallybook lists the transactions up to that date; tick each one that appears on the statement. When the difference shows 0.00, click **Finish**. Do it once for each bank account and credit card. If the difference won't reach zero, the most common causes are a missing transaction (import or add it) or a duplicate (exclude it)."},
        {"role": "user", "content": "Done for the checking account, difference zero. The credit card is out by $58.20 though."},
        {"role": "assistant", "content": "Nice work on the first one. For the card, look for a single transaction of exactly $58.20, or two that add up to it. Sort the reconciliation list by amount and check it against the statement. Card fees and interest are often missing because they don't come through the feed the same way; if the statement shows a $58.20 interest or annual-fee line that isn't in Tallybook, add it with **Add transaction**, categorise it as *Bank charges* and it will reconcile."},
        {"role": "user", "content": "Found it, annual card fee. Next: 'chase or write off bad debts'. There's one client who owes $1,100 from March and has gone silent."},
        {"role": "assistant", "content": "Before writing anything off, send one more reminder from the invoice (**Send reminder**) so there's a record you tried. If you and your accountant decide it won't be paid, open the invoice and choose **More > Write off**. Tallybook posts the amount to a *Bad debts* expense account and closes the invoice, and your aged receivables report stops showing it. Whether and when to write it off for tax purposes is a call for your accountant, so I'd check with her first."},
        {"role": "user", "content": "OK. Next: 'send trial balance and general ledger'."},
        {"role": "assistant", "content": "Both are under **Reports**: choose *Trial balance* and *General ledger*, set the period to your financial year, and use **Export** for PDF or Excel. Accountants usually prefer Excel for the general ledger. Alternatively, invite her with the free Accountant role under Settings > Team and she can run them herself, which saves a back-and-forth if she finds something to adjust."},
        {"role": "user", "content": "Last one: 'lock the period once I've signed off'. Is that a thing?"},
        {"role": "assistant", "content": "It is. Once your accountant has finished, go to Settings > Accounting > **Lock date**, and set it to 31 December. Nobody can add, edit or delete transactions dated on or before that day unless an admin removes the lock, so your signed-off figures can't change by accident. Good luck with the year end!"},
        {"role": "user", "content": "Brilliant, thanks for being patient with me."},
        {"role": "assistant", "content": "Not at all, that was a very organised year end. If anything else on the list comes up, just ask."},
    ]


def multi_currency_walkthrough(rng: random.Random) -> list[Msg]:
    """A long question about a first foreign-currency client, answered step by step."""
    client = rng.choice(CLIENTS)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"We've just signed our first overseas client, {client}, and they've asked to be invoiced in euros. We're on Plus, our home currency is US dollars, and we get paid into a dollar account. I want to understand the whole flow before I send anything: what plan I need, how the invoice looks, what happens when they pay and the bank converts it, and how it shows up in my reports. Also whether Stripe changes any of that."},
        {"role": "assistant", "content": "Good idea to plan it first. Here's the whole flow:\n\n**Plan.** Invoicing in a currency other than your home currency needs Pro. You can upgrade under Settings > Billing; it takes effect immediately.\n\n**Invoice.** Set the client's currency to EUR on their record. Their invoices are then issued entirely in euros (amounts, totals, tax), and the client never sees dollars.\n\n**Your books.** Tallybook records the invoice in your reports in dollars, converted at that day's rate. The invoice itself stays in euros.\n\n**Payment.** When the euros arrive and your bank converts them, you'll usually receive a slightly different dollar amount than the invoice was booked at. Record the payment with the actual dollars received (or let the bank feed match it) and Tallybook books the difference to *Exchange gains/losses* automatically.\n\n**Stripe.** If the client pays by card, they pay in euros; Stripe converts to dollars for your payout and charges its conversion fee. We record that fee and the exchange difference for you, so the payout matches your bank feed.\n\n**Reports.** Your P&L and balance sheet stay in dollars. Aged receivables can show the open invoice in euros or dollars (toggle at the top)."},
        {"role": "user", "content": "That's really clear. One thing: if the invoice is still unpaid at the end of the month, does the dollar value in my balance sheet change with the rate?"},
        {"role": "assistant", "content": "By default, no: it stays at the rate on the invoice date until it's paid, and the whole difference is booked when the payment arrives. If your accountant wants open foreign balances revalued at each month end, switch on Settings > Accounting > **Revalue foreign balances**. Tallybook then posts an unrealised gain or loss each month end and reverses it the next day. Which approach you should use is worth checking with your accountant."},
    ]
