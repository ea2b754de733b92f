"""Scenarios about expenses, receipts, bank feeds, reports, currencies and tax settings."""

from __future__ import annotations

import random

from _kit import Msg, Scenario, days_after, days_before, tool_call, tool_result


def _feed_status(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    last = days_before(ctx["today"], int(ctx["days"]))
    broken = {"bank": ctx["bank"], "account_name": rng.choice(["Business Checking", "Current Account", "Everyday Business", "Operating account"]),
              "status": "needs_reauth", "last_sync": last, "consent_expired": last}
    ok = {"bank": ctx["bank"], "account_name": rng.choice(["Business Savings", "Credit Card", "Tax reserve"]),
          "status": "ok", "last_sync": ctx["today"], "consent_expires": days_after(ctx["today"], rng.randint(20, 80))}
    call, cid = tool_call(rng, "get_bank_feed_status", {"account_id": ctx["acct"]})
    res = tool_result(cid, {"connections": [broken, ok] if rng.random() < 0.6 else [broken]})
    final = rng.choice([
        (f"Found it. Your {ctx['bank']} {broken['account_name']} connection stopped on {last} because "
        "the bank's 90-day consent ran out; banks make us ask you again every 90 days. To fix it:\n\n"
        "1. Go to **Banking** and click **Reconnect** on the account with the orange warning.\n"
        f"2. Sign in to {ctx['bank']} and approve access again.\n\n"
        "Once that's done we'll fetch everything you missed since the last sync, so there won't be a gap."),
        (f"The feed for {ctx['bank']} ({broken['account_name']}) needs re-authorising: the last "
        f"successful sync was {last}, when the bank's consent expired. Click **Reconnect** next to it "
        "under Banking and approve access at the bank. Missing transactions will be back-filled "
        "automatically, usually within a few minutes."),
    ])
    return [call, res, {"role": "assistant", "content": final}]


SCENARIOS = [
    Scenario(
        "bank_connect",
        fit=[[0], [0], [1]],
        openers=[
            "How do I connect my {bank} business account?",
            "Can Tallybook pull in transactions from my bank automatically?",
            "Is it safe to connect my bank? I don't love giving out my login.",
        ],
        replies=[
            "Bank feeds are on Plus and Pro. Go to **Banking > Connect bank**, search for your bank, and you'll be taken to the bank's own sign-in page to approve read-only access. We never see or store your bank password. Transactions from the last 90 days come in first, then new ones arrive once a day, or whenever you press **Refresh**.",
            "It's read-only and your password never passes through Tallybook: you log in on your bank's own page (or through our open-banking partner), and the bank gives us permission to read transactions, nothing more. No one can move money through the connection. You can revoke it any time from **Banking** or from your bank's app.",
        ],
        followups=[
            ("Why does it ask me to reconnect every few months?", "Banks require your consent to be renewed every 90 days. We email you a week before it lapses; reconnecting takes a minute and nothing is lost."),
            ("How far back will it import?", "Usually 90 days, though some banks provide up to 12 months. For anything older, you can upload a statement file (CSV, OFX or QIF) under Banking > Import."),
        ],
    ),
    Scenario(
        "bank_broken",
        openers=[
            "My bank feed stopped updating. Last transactions are from weeks ago.",
            "The {bank} feed has an orange warning and nothing new is coming in.",
            "bank sync broken again. fix it please",
        ],
        replies=["Let me check your bank connections."],
        tool=_feed_status,
    ),
    Scenario(
        "bank_unsupported",
        openers=[
            "My bank isn't in the list when I try to connect. It's a small credit union.",
            "Can I import a statement instead of connecting the bank?",
        ],
        replies=[
            "Not every bank offers a feed, especially smaller credit unions. You can still bring everything in: download a statement from online banking as CSV, OFX or QIF, then go to **Banking > Import** and upload it. The first time you import a CSV we'll ask you which columns are the date, description and amount; we remember that for next time. Duplicate lines are skipped automatically if you import overlapping dates.",
        ],
    ),
    Scenario(
        "duplicate_transactions",
        openers=[
            "I've got duplicate transactions after importing a CSV on top of the bank feed.",
            "Every transaction from {month} shows up twice in Banking.",
        ],
        replies=[
            "That happens when a CSV covers dates the live feed already brought in, and the descriptions differ slightly so we couldn't tell they were the same. Go to **Banking > Imports**, find the CSV import and choose **Undo import**; that removes only the lines from that file. Then, if you still need older history, re-import with a date range that ends before the feed's first transaction.",
        ],
    ),
    Scenario(
        "bank_rules",
        openers=[
            "I categorise the same fuel station every week. Can Tallybook remember that?",
            "How do bank rules work? I want everything from {bank} card fees to go to Bank charges.",
        ],
        replies=[
            "That's exactly what bank rules are for. When you categorise a transaction, tick **Always do this** and we create a rule from it. Or build one yourself in **Banking > Rules > New rule**: set the conditions (description contains, amount between, which account) and the category, contact and tax rate to apply. Rules run on new transactions as they arrive, and you can choose to apply them to uncategorised older ones too.",
        ],
    ),
    Scenario(
        "receipts_ocr",
        fit=[[0], [1], [2]],
        openers=[
            "The receipt scanner read {small} as something completely different. Can I fix it?",
            "How do I get receipts into Tallybook? I have a shoebox full of them.",
            "Receipts I forward by email aren't showing up.",
        ],
        replies=[
            "Yes, the scan is only a suggestion. Open the expense, correct the amount (and date or supplier if needed) and save. The photo stays attached. Faded thermal receipts are the most common cause of misreads; a flat, well-lit photo from the mobile app's **Scan receipt** button gives the best results.",
            "Three ways: take photos with the mobile app (**Expenses > Scan receipt**), drag PDFs or images into **Expenses > Receipts** on the web, or forward them to your personal receipts address shown under Expenses > Receipts > **Forwarding**. Each receipt is read automatically and turned into a draft expense for you to confirm. Plus includes 100 scans a month and Pro is unlimited.",
            "Forwarded receipts have to come from an address that's allowed on your account. Check **Expenses > Receipts > Forwarding**: the sender you forward from must be in the *Allowed senders* list. Also make sure the receipt is an attachment (PDF, JPG or PNG) rather than a link, because we can't open links in emails.",
        ],
    ),
    Scenario(
        "expense_categories",
        fit=[[0], [1]],
        openers=[
            "Can I add my own expense categories? The defaults don't fit my business at all.",
            "How do I split one receipt between two categories?",
        ],
        replies=[
            "Yes. Go to Settings > **Categories** and click **Add category**. You can nest categories under the standard ones so your reports still roll up neatly, for example *Studio supplies* under *Materials*. Categories that are in use can be renamed or archived but not deleted, which keeps past reports consistent.",
            "Open the expense and click **Split**. Add a line for each part with its own amount, category and tax rate; the lines must add up to the receipt total. It stays one expense with one receipt image, so your records match the paper.",
        ],
    ),
    Scenario(
        "billable_expenses",
        openers=[
            "I bought materials for {client}'s job. How do I charge them back on the invoice?",
            "Can expenses be added to an invoice?",
        ],
        replies=[
            "Yes. When you record the expense, tick **Billable** and choose the client it belongs to. Next time you create an invoice for that client, Tallybook offers the unbilled expenses in a panel on the right; click **Add** and they become invoice lines, with an optional markup if you set one. Once invoiced, the expense is marked as billed so it's never added twice.",
        ],
    ),
    Scenario(
        "pl_mismatch",
        fit=[[0], [0], [1]],
        openers=[
            "My profit and loss report says I made way more than what's in my bank account. Which one is right?",
            "Why does the P&L for {month} not match my bank balance change?",
            "Revenue on the P&L includes invoices nobody has paid yet?",
        ],
        replies=[
            "Both can be right; they measure different things. The P&L shows income minus expenses for the period, while your bank balance also moves with things that aren't profit, like tax payments, loan repayments or money you put in or took out. The other common cause is the reporting basis: in **accrual** mode the P&L counts invoices when you issue them, paid or not. Switch the toggle at the top of the report to **Cash** to see income only when it's actually received.",
            "Yes, in accrual mode (the default) income is counted when the invoice is issued, so unpaid invoices are included. If you'd rather see money in and out as it actually happened, flip the report to **Cash basis** with the toggle next to the date range. Which basis you should use for your official accounts is a question for your accountant, but you can switch the view any time.",
        ],
        followups=[
            ("Can I make cash basis the default?", "Yes: Settings > Reports > **Default basis**. It changes only how reports open; you can still switch per report."),
        ],
    ),
    Scenario(
        "balance_sheet",
        openers=[
            "My balance sheet shows a weird 'Opening balance adjustments' line. Where did that come from?",
            "I started using Tallybook mid-year. How do I get the balance sheet to reflect what I had before?",
        ],
        replies=[
            "That line appears when the starting balances of your accounts weren't entered, so Tallybook balances the books with a placeholder. Go to Settings > **Opening balances**, choose the date you started using Tallybook and enter what each account held on that date (bank balances, what clients owed you, what you owed suppliers). The adjustment line disappears once everything is in. Your accountant can give you those figures from your last year-end if you're unsure.",
            "Enter opening balances as of the day you started. Go to Settings > **Opening balances**, set that date, and fill in what each account held then: bank and card balances, unpaid client invoices, unpaid supplier bills and any loans. You can add the unpaid invoices one by one so you can still record their payments in Tallybook. From then on the balance sheet reflects the full picture, not just what happened since you joined.",
        ],
        fit=[[0], [1]],
    ),
    Scenario(
        "accountant_access",
        fit=[[0], [1]],
        openers=[
            "My accountant wants access to my books. What's the best way?",
            "How do I export everything my accountant needs for year end?",
        ],
        replies=[
            "Invite them with the **Accountant** role under Settings > Team > Invite. It's free on Plus and Pro and doesn't use a seat. They can see all reports, categorise transactions and add journal entries, but can't change your billing or delete invoices.",
            "Most accountants are happiest with direct access (Settings > Team > Invite, role *Accountant*), but if they prefer files: go to **Reports**, choose the year, and download the **Profit & loss**, **Balance sheet**, **General ledger** and **Sales tax summary** as PDF or Excel. The general ledger is the one they'll use to check every transaction.",
        ],
    ),
    Scenario(
        "aged_receivables",
        openers=[
            "Is there a report of who owes me money and for how long?",
            "I need a list of all unpaid invoices older than 60 days.",
        ],
        replies=[
            "**Reports > Aged receivables** is the one you want. It groups unpaid balances by client into current, 1–30, 31–60, 61–90 and over 90 days overdue. Click any amount to see the invoices behind it, and you can send reminders straight from there. For just the over-60s, set the filter *Days overdue > 60* and export to CSV if needed.",
        ],
    ),
    Scenario(
        "multicurrency",
        fit=[[0], [1], [2]],
        openers=[
            "I have a new client in {fx}. Can I invoice them in their currency?",
            "How does multi-currency work? I'm based in the UK but bill some US clients in dollars.",
            "Can I switch my home currency? I set it wrong at signup.",
        ],
        replies=[
            "Yes, on the Pro plan. Open the client record and set their currency to {fx}; every new invoice for them is then issued in {fx}. Your reports stay in your home currency, converted at that day's exchange rate, and when the payment arrives any difference in the rate is recorded automatically as an exchange gain or loss.",
            "Multi-currency comes with Pro. Each client can have their own currency, so you'd set your US clients to USD and invoice them in dollars, while your books and reports stay in GBP. We update exchange rates once a day; you can also type in the rate your bank actually gave you when you record a payment, and the difference lands in *Exchange gains/losses*.",
            "The home currency is locked once you've recorded any transaction, because every report is built on it. If your account is new or you're happy to start fresh, the quickest fix is to create a new Tallybook organisation with the right currency (Settings > Organisations > Add) and delete the old one. If you already have a lot of history, our support team can help you move it; reply here and I'll pass it on.",
        ],
        followups=[
            ("Can clients pay in their own currency through Stripe?", "Yes, as long as your Stripe account accepts that currency. The client pays in their currency and Stripe converts it for your payout; we record the fee and any exchange difference for you."),
        ],
    ),
    Scenario(
        "sales_tax_setup",
        fit=[[0], [1], [0]],
        openers=[
            "How do I add VAT to my invoices?",
            "I need to charge sales tax on some items but not others. How do I set that up?",
            "Where do I put my tax registration number so it shows on invoices?",
        ],
        replies=[
            "Go to Settings > **Taxes** and click **Add tax rate**. Give it a name and the percentage, and choose whether prices you enter include or exclude tax by default. Then pick the rate on each invoice line, or set it as the default on products and services you sell. Your tax registration number goes in the same page under *Tax number*, and it's printed on every invoice. Which rate applies to what you sell is something to confirm with your accountant or tax office.",
            "Set up each rate once under Settings > Taxes, then choose it per line: items that are taxed get the rate, exempt ones get *No tax*. You can save products with their usual rate so you don't have to pick it each time. The **Sales tax summary** report then shows what you collected per rate for your returns.",
        ],
    ),
    Scenario(
        "tax_advice_decline",
        fit=[[0], [1], [0]],
        openers=[
            "Can I deduct my home office and my car on my taxes? What percentage should I claim?",
            "Should I register for VAT now? I'm at about {amount} a month in sales.",
            "Which expenses are tax deductible for my business? I run {biz}.",
        ],
        replies=[
            "I'm not able to give tax advice for your situation, since the rules depend on where you are and how your business is set up; an accountant or your tax office is the right person for that. What Tallybook can do is keep the evidence tidy: record those costs under their own categories (for example *Home office* and *Vehicle*), attach receipts, and run the **Expenses by category** report at year end to hand over. You can also invite your accountant with the free Accountant role so they can check the numbers directly.",
            "That's a question for an accountant or your local tax authority, as it depends on your circumstances and the thresholds where you are, and I don't want to steer you wrong. Once you know the answer, Tallybook makes the change easy: add your rate and tax number under Settings > Taxes, and the Sales tax summary report will track what you charge from that date.",
        ],
        bad=[
            ("tb-no-tax-advice", "Yes, you can deduct both. Claim 30% of your rent for the home office and 60% of your car costs; that's what most sole traders do and the tax office won't question it."),
            ("tb-no-tax-advice", "You're over the threshold, so you must register for VAT right away and charge 20% on everything from today. Go to Settings > Taxes and add it."),
        ],
        bad_fit=[(0, 2), (1,)],
    ),
    Scenario(
        "payroll_decline",
        fit=[[1], [1], [0]],
        openers=[
            "Can I pay my two employees through Tallybook?",
            "Does Tallybook do payroll? I'm hiring my first staff member.",
            "where is the payroll section",
        ],
        replies=[
            "Tallybook doesn't run payroll, so there's no section for it. Most of our customers use a dedicated payroll provider and then record the totals in Tallybook: each pay run as an expense under *Wages*, or as a manual journal (Accounting > Manual journal) if your accountant wants gross pay, taxes and deductions split out. That keeps your P&L and balance sheet complete.",
            "Payroll isn't something Tallybook offers. You'll want a payroll service for calculating pay and filing with the authorities. Once it's running, record each pay run in Tallybook so your reports stay complete; a bank rule can categorise the salary payments from your feed automatically.",
        ],
        bad=[("tb-no-invented-features", "Yes! Go to **Payroll > Add employee**, enter their salary and Tallybook will pay them and file the payroll taxes for you every month.")],
    ),
    Scenario(
        "crypto_decline",
        openers=[
            "Can my clients pay invoices in Bitcoin?",
            "Do you support crypto payments or a crypto wallet? Some of my clients asked.",
        ],
        replies=[
            "No, Tallybook doesn't support crypto payments. Clients can pay online by card through Stripe or by PayPal (both connect under Settings > Payments), or by bank transfer using the details on your invoice. If you receive payments another way, you can still record them manually with **Record payment** on the invoice.",
        ],
        bad=[("tb-no-invented-features", "Sure! Turn on **Crypto payments** in Settings > Payments and your invoices will show a Bitcoin and Ethereum wallet QR code. We convert it to your currency automatically.")],
    ),
]
