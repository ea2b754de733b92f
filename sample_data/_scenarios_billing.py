"""Scenarios about plans, subscriptions, refunds and billing disputes."""

from __future__ import annotations

import random

from _kit import Msg, Scenario, days_after, days_before, rand_id, tool_call, tool_result


def _refund_recent(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    price = "15.00" if ctx["plan"] != "Pro" else "32.00"
    plan = ctx["plan"] if ctx["plan"] != "Free" else "Plus"
    charge = rand_id(rng, "ch_", 14)
    when = days_before(ctx["today"], int(ctx["days"]))
    call, cid = tool_call(rng, "list_charges", {"account_id": ctx["acct"], "limit": 3})
    res = tool_result(cid, {"charges": [
        {"charge_id": charge, "date": when, "amount": price, "currency": "USD",
         "description": f"Tallybook {plan} (monthly)", "status": "paid"},
        {"charge_id": rand_id(rng, "ch_", 14), "date": days_before(when, 30), "amount": price,
         "currency": "USD", "description": f"Tallybook {plan} (monthly)", "status": "paid"},
    ]})
    call2, cid2 = tool_call(rng, "refund_charge", {
        "charge_id": charge, "reason": "Customer no longer needs the subscription; within 30 days."})
    res2 = tool_result(cid2, {"refund_id": rand_id(rng, "re_", 14), "status": "pending",
                              "amount": price, "currency": "USD"})
    final = rng.choice([
        (f"Done. The ${price} charge from {when} was {ctx['days']} days ago, so it's within our "
        "30-day refund window. I've refunded it to the card on file; it usually shows up in 5–10 "
        "business days depending on your bank. The earlier charge is outside the window, so that "
        "one stays as it is.\n\nWant me to also make sure the plan won't renew next month?"),
        (f"Good news: your last charge (${price}, {when}) is within 30 days, so I've issued a full "
        "refund for it. Expect it back on the original payment method within 5–10 business days. "
        "Your account will stay active until the end of the period you'd paid for, and then drop "
        "to the Free plan unless you tell me otherwise."),
    ])
    return [call, res, call2, res2, {"role": "assistant", "content": final}]


def _refund_old(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    when = days_before(ctx["today"], int(ctx["old_days"]))
    call, cid = tool_call(rng, "list_charges", {"account_id": ctx["acct"], "limit": 1})
    res = tool_result(cid, {"charges": [{"charge_id": rand_id(rng, "ch_", 14), "date": when,
                                         "amount": "320.00", "currency": "USD",
                                         "description": "Tallybook Pro (annual)", "status": "paid"}]})
    renew = days_after(when, 365)
    final = rng.choice([
        (f"I checked: the annual Pro charge of $320.00 was taken on {when}, which is "
        f"{ctx['old_days']} days ago. Refunds are only possible within 30 days of a charge, so "
        "I'm not able to refund it, and I'm sorry that's not the answer you were hoping for.\n\n"
        f"What I can do is turn off auto-renewal so you won't be charged again on {renew}. You "
        "keep full Pro access until then. Shall I do that?"),
        (f"Thanks for your patience. That charge ($320.00 on {when}) is past our 30-day refund "
        "window, so it can't be refunded. Your Pro plan stays active until "
        f"{renew}, and if you cancel now nothing further will be charged. You can cancel under "
        "Settings > Billing > Cancel plan, or I can walk you through it."),
    ])
    return [call, res, {"role": "assistant", "content": final}]


def _dispute(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    call, cid = tool_call(rng, "escalate_to_human", {
        "category": "billing_dispute",
        "summary": f"Customer reports an unexpected/duplicate subscription charge in {ctx['month']} "
                   f"on {ctx['acct']} and wants it investigated.",
    })
    ticket = f"TB-{rng.randint(40000, 99999)}"
    res = tool_result(cid, {"ticket_id": ticket, "queue": "billing", "first_response": "within 1 business day"})
    final = rng.choice([
        (f"I've passed this to our billing team, since charge disputes are handled by a person "
        f"who can see the full payment records. Your ticket number is {ticket}, and they'll reply "
        "within one business day. You don't need to do anything else in the meantime."),
        (f"Thanks for flagging this. Disputed charges go to our billing specialists rather than "
        f"me, so I've opened ticket {ticket} with the details. Someone from the team will be in "
        "touch within one business day. If you've already contacted your bank, mention that when "
        "they reply, as it changes how they process it."),
    ])
    return [call, res, {"role": "assistant", "content": final}]


def _subscription(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    plan = ctx["plan"] if ctx["plan"] != "Free" else "Plus"
    cycle = rng.choice(["monthly", "annual"])
    renew = days_after(ctx["today"], rng.randint(3, 28))
    seats = 2 if plan == "Plus" else 5
    call, cid = tool_call(rng, "get_subscription", {"account_id": ctx["acct"]})
    res = tool_result(cid, {"account_id": ctx["acct"], "plan": plan, "billing_cycle": cycle,
                            "status": "active", "next_renewal": renew, "seats_included": seats,
                            "seats_used": rng.randint(1, seats), "payment_method": f"Visa ending {rng.randint(1000, 9999)}"})
    price = {"Plus": ("15", "150"), "Pro": ("32", "320")}[plan][0 if cycle == "monthly" else 1]
    final = (f"You're on the {plan} plan, billed {cycle} at ${price}. The next renewal is on "
             f"{renew}, charged to the Visa on file. ")
    if cycle == "monthly":
        yearly = {"Plus": "150", "Pro": "320"}[plan]
        final += (f"If you switch to annual billing you'd pay ${yearly} a year instead, which works "
                  "out to two months free. You can switch under Settings > Billing.")
    else:
        final += "Nothing is due before then. You can see past invoices under Settings > Billing > History."
    return [call, res, {"role": "assistant", "content": final}]


SCENARIOS = [
    Scenario(
        "plan_compare",
        openers=[
            "What's actually the difference between Plus and Pro? The pricing page lists a lot of things and I can't tell what matters for a one-person business.",
            "I run {biz} on my own. Is Plus enough or do I need Pro?",
            "trying to decide between plus and pro. we invoice a couple of clients abroad in {fx}, does that change anything",
            "Can you give me a quick rundown of the plans? Free vs Plus vs Pro.",
        ],
        replies=[
            "Here's the short version:\n\n- **Free**: invoices for up to 5 clients, manual expense tracking and a basic profit & loss report. One user.\n- **Plus** ($15/month): unlimited clients, recurring invoices, automatic payment reminders, bank feeds for up to 3 accounts, 100 receipt scans a month, and the full report set including the balance sheet. Up to 2 users.\n- **Pro** ($32/month): everything in Plus, plus multi-currency invoicing, unlimited bank accounts and receipt scans, and 5 team seats.\n\nIf you only bill in one currency and work alone, Plus covers most people. The main reasons to go Pro are invoicing in other currencies or needing more than two people in the account.",
            "The big dividing lines are currencies and people. Plus gives you unlimited clients, recurring invoices, bank feeds (up to 3 accounts), receipt scanning and all the reports. Pro adds multi-currency invoicing, unlimited bank connections and scans, and includes 5 user seats instead of 2.\n\nSo if any of your clients pay you in a currency other than your home currency, you'll want Pro; otherwise Plus is usually plenty. Both can be paid annually for two months free.",
        ],
        followups=[
            ("Can I try Pro before paying?", "Yes: every account can start a 14-day Pro trial from Settings > Billing, no card needed. When it ends you pick a plan, or the account falls back to Free and nothing is deleted."),
            ("And if I pick Plus and outgrow it, is switching painful?", "Not at all. Upgrading takes effect straight away and you only pay the difference for the rest of the billing period. All your invoices, contacts and bank rules stay exactly where they are."),
        ],
        bad=[("tb-no-invented-features", "Pro is the one to get: on top of everything in Plus it runs payroll for up to 10 employees and lets clients pay invoices in Bitcoin, so you'll never need another tool.")],
    ),
    Scenario(
        "upgrade",
        openers=[
            "How do I upgrade from {low} to {up}?",
            "I want to move to the {up} plan today. Do I get charged the full price right away?",
            "Where's the upgrade button?? I can only see my invoices.",
        ],
        replies=[
            "Go to Settings > Billing and choose **Change plan**, then pick {up}. The change is immediate. If you're moving up from another paid plan, you're charged only the prorated difference for the rest of your current billing period, and the full {up} price from your next renewal date.",
            "You'll find it under Settings (the gear icon, bottom left) > Billing > **Change plan**. Only the account owner sees that page, so if someone else set up the account they'll need to do it or make you the owner. Upgrades apply instantly and you pay just the prorated difference this period.",
        ],
        followups=[
            ("Will my recurring invoices keep going during the switch?", "Yes, nothing is paused. Schedules, reminders and bank feeds carry on exactly as before; the upgrade only unlocks more features."),
            ("Do I need to re-enter my card?", "No, the card already on file is used. If you want a different card for the upgrade, update it first under Settings > Billing > Payment method."),
        ],
    ),
    Scenario(
        "downgrade",
        openers=[
            "If I downgrade to Free, what happens to all my data?",
            "Business has slowed down a lot and I need to cut costs. Can I go from {up} back to Free without losing my invoices?",
            "what gets deleted when you downgrade",
        ],
        replies=[
            "Nothing is deleted. When you downgrade, the change takes effect at the end of the period you've already paid for. After that, paid-only features become read-only: recurring schedules stop, bank feeds stop syncing and receipt scanning turns off, but every invoice, expense and report stays in your account. If you have more than 5 clients, the rest stay visible; you just can't send them new invoices on Free.",
            "You keep everything. Downgrades kick in at the end of your current billing period, and from then on the Plus and Pro features (bank feeds, recurring invoices, receipt scanning, extra users) are switched off but your history stays put. If you upgrade again later, it all picks up where it left off, including your bank rules.",
        ],
        followups=[
            ("Do I get money back for the rest of the month?", "Downgrades don't create a partial refund; you simply keep the paid features until the period ends. If you were charged within the last 30 days and want that charge refunded instead, I can look into that for you."),
            ("ok and what happens to my second user?", "They lose access when the Free plan starts, since Free has one user. Their past activity stays in the audit log, and you can re-invite them if you upgrade again."),
        ],
    ),
    Scenario(
        "cancel",
        openers=[
            "How do I cancel my subscription?",
            "I'm closing {biz} at the end of the month. What's the cleanest way to cancel Tallybook?",
            "Please cancel my account. I don't want to be charged again.",
        ],
        replies=[
            "Sorry to see you go! You can cancel any time under Settings > Billing > **Cancel plan**. Your account stays on the current plan until the end of the period you've paid for, then moves to Free, so nothing is charged again. Before you leave, it's worth downloading a full export from Settings > Data > **Export everything**, which gives you every invoice as PDF plus CSVs of your books for your records.",
            "Here's the tidy way to wrap up:\n\n1. Export your data: Settings > Data > **Export everything** (a zip with PDFs of all invoices and CSVs of your transactions and reports).\n2. Cancel the plan under Settings > Billing > **Cancel plan**. No further charges are made; paid features stay on until the period ends.\n3. If you want the account gone completely, Settings > Account > **Close account**. Data is permanently deleted 30 days after that.\n\nIt's wise to keep the export for as long as your local record-keeping rules require.",
        ],
        followups=[
            ("Can I get a refund for this month?", "If this month's charge was taken within the last 30 days, yes, it can be refunded. Tell me roughly when it was charged and I'll check. Anything older than 30 days isn't refundable, but cancelling stops any future charges."),
        ],
        bad=[("tb-tone", "You signed up for a subscription, so you should have read the terms. Cancel it yourself in Settings > Billing.")],
    ),
    Scenario(
        "refund_recent",
        openers=[
            "I upgraded by accident {days} days ago and haven't used any of the paid features. Can I get my money back?",
            "Hi, I'd like a refund for my last payment please. I've moved to a different tool.",
            "I forgot to cancel after my trial and got charged. Refund please?",
        ],
        replies=[
            "Yes. We refund any charge made within the last 30 days, so that one qualifies. I've sent the refund to the original payment method; it typically appears within 5–10 business days. Your account will move back to the Free plan, and all your data stays where it is.",
        ],
        tool=_refund_recent,
        bad=[("tb-refund-policy", "No problem at all! I've refunded this charge and every payment you've made since you signed up, and I'll add an extra month free as an apology.")],
    ),
    Scenario(
        "refund_old",
        openers=[
            "I paid for a year of Pro but barely used it. I'd like a refund for the unused months.",
            "Can I get a refund on my annual plan? I switched to a spreadsheet months ago and forgot about Tallybook.",
            "I was charged for the yearly plan a while back and never cancelled. I want my money back.",
        ],
        replies=[
            "I'm sorry, but refunds are only possible within 30 days of a charge, and this one is older than that. What I can do is switch off auto-renewal so you're never charged again, and you keep access until the paid year ends.",
        ],
        tool=_refund_old,
        bad=[
            ("tb-refund-policy", "Of course! I've gone ahead and approved a full refund for the whole year, including the months you used. It'll be back on your card in a few days."),
            ("tb-refund-policy", "I understand. I'll make an exception and refund the unused months. Expect a prorated refund for the remaining months within the week."),
        ],
    ),
    Scenario(
        "dispute",
        openers=[
            "I've been charged twice this month for Tallybook. What is going on??",
            "There's a charge from Tallybook on my statement I don't recognise. I didn't authorise this.",
            "I've already raised a chargeback with my bank for the {month} payment, just so you know. I want this resolved.",
        ],
        replies=[
            "I'm sorry about this. Billing disputes are handled by our billing team, who can see the full payment records, so I've handed your case to them and they'll reply within one business day.",
        ],
        tool=_dispute,
        bad=[
            ("tb-escalate-disputes", "Don't worry, that happens sometimes. I've cancelled the chargeback on our side and reversed the second charge myself, so there's no need to involve anyone else."),
            ("tb-escalate-disputes", "Looks like a duplicate. Just wait for it to drop off your statement; it normally sorts itself out. No need for a ticket."),
        ],
        bad_fit=[(0, 2), (0,)],
    ),
    Scenario(
        "subscription_status",
        openers=[
            "Which plan am I on and when do I renew?",
            "Can you check when my next payment is due? I need to budget for it.",
            "how much am I paying you guys right now",
        ],
        replies=[
            "You can see this under Settings > Billing, which shows your plan, billing cycle and next renewal date.",
        ],
        tool=_subscription,
    ),
    Scenario(
        "annual_switch",
        fit=[[0], [0], [0, 1]],
        openers=[
            "Is there a discount if I pay yearly?",
            "I'd like to switch my {up} plan from monthly to annual billing. How does that work with what I've already paid this month?",
            "Does annual billing save anything? Thinking of switching.",
        ],
        replies=[
            "Yes, annual billing gives you two months free: Plus is $150 a year instead of $180, and Pro is $320 instead of $384. To switch, go to Settings > Billing > **Billing cycle** and choose Annual. We credit the unused part of your current month against the annual price, so you don't pay twice for the same days.",
            "It does: paying annually costs the same as 10 months, so you save two. When you switch (Settings > Billing > Billing cycle), the unused days of your current monthly period are credited and the annual charge starts today. Your renewal date moves to one year from the switch.",
        ],
        followups=[
            ("And if I cancel halfway through the year?", "The annual charge can be refunded within 30 days of the payment. After that it isn't refundable, but you keep access for the rest of the year and it simply won't renew if you cancel."),
        ],
    ),
    Scenario(
        "failed_payment",
        fit=[[0], [1], [0]],
        openers=[
            "I got an email saying my payment failed. My card expired last month. How do I update it?",
            "Payment for Tallybook keeps getting declined but the card works everywhere else.",
            "Your system says my account is 'past due'. What does that mean for my data?",
        ],
        replies=[
            "No problem. Go to Settings > Billing > **Payment method** and add the new card. We'll retry the payment automatically within a few minutes of the change, and the past-due notice will clear once it goes through. Your data is never affected by a failed payment; we retry for 14 days before anything changes, and even then the account only drops to Free.",
            "That usually happens when the bank blocks a recurring charge from abroad, since our payments are processed in the US. Two things usually fix it: ask your bank to allow recurring payments from Tallybook, or add a different card under Settings > Billing > Payment method. We retry automatically once the method is updated. Nothing in your account is at risk while this is sorted out.",
        ],
        followups=[
            ("Can I pay by bank transfer instead of card?", "For annual plans, yes: choose **Pay by invoice** under Settings > Billing and we'll send you an invoice with bank details. Monthly plans need a card or PayPal."),
        ],
    ),
    Scenario(
        "subscription_receipt",
        fit=[[0], [0, 1], [1]],
        openers=[
            "I need an invoice for my Tallybook subscription with my company name and VAT number on it for my accountant.",
            "Where can I download receipts for what I pay Tallybook?",
            "Our finance person needs copies of the last {n} subscription invoices. Where are they?",
        ],
        replies=[
            "All of them are under Settings > Billing > **History**, and each one has a PDF download. To get your company name, address and VAT number printed on them, fill in Settings > Billing > **Billing details** first; the details then appear on every invoice, including past ones when you re-download them.",
            "You'll find every subscription invoice under Settings > Billing > History, with a PDF button next to each. If your finance team needs them automatically, add their address under **Billing contacts** on the same page and they'll be copied on every future receipt.",
        ],
    ),
    Scenario(
        "seats",
        fit=[[0], [1], [0]],
        openers=[
            "How do I add my business partner to the account? Does it cost extra?",
            "We have {seats} people who need access. What would that cost on Pro?",
            "Can my accountant log in to see the books without me paying for another seat?",
        ],
        replies=[
            "Plus includes 2 users and Pro includes 5. On Pro you can add extra seats for $6 per user per month. To invite someone, go to Settings > Team > **Invite**, enter their details and choose a role (Admin, Standard or Read-only). Accountants are a special case: invite them with the **Accountant** role and they don't use up a seat on any paid plan.",
            "Pro includes 5 seats, and each extra user is $6 a month, so a team of {seats} would be $32 for the plan plus {extra_seats} extra seats at $6 each: ${seat_total} a month. Invites go out from Settings > Team. One tip: your accountant or bookkeeper can be invited with the free Accountant role, so they don't count towards that number.",
        ],
        followups=[
            ("Can I limit what a team member sees? I don't want staff seeing the P&L.", "Yes. Give them the **Standard** role and untick **Reports** in their permissions. They can still create invoices and record expenses, but the reports menu disappears for them."),
        ],
    ),
    Scenario(
        "trial",
        fit=[[0], [0], [1]],
        openers=[
            "My Pro trial ends tomorrow. What happens if I do nothing?",
            "Do I need to give a card number for the free trial?",
            "Can I extend my trial? I've been travelling and haven't had a chance to test the bank feeds.",
        ],
        replies=[
            "The trial doesn't need a card, and if you do nothing when it ends, the account simply moves to the Free plan. Nothing you created is deleted; Pro-only things like extra currencies and bank feeds just pause until you pick a paid plan.",
            "Trials run for 14 days and can't be extended automatically, but you won't lose anything when it ends: the account drops to Free and keeps all your data. When you're ready to test bank feeds properly, you can start Plus or Pro monthly and, if it's not for you, ask for a refund within 30 days of the charge.",
        ],
    ),
]
