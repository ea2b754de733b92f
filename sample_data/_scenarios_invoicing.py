"""Scenarios about invoices, estimates, reminders and online payments (Stripe, PayPal)."""

from __future__ import annotations

import random

from _kit import Msg, Scenario, days_after, days_before, tool_call, tool_result


def _not_received(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    issued = days_before(ctx["today"], rng.randint(5, 20))
    call, cid = tool_call(rng, "lookup_invoice", {"invoice_number": ctx["inv"]})
    res = tool_result(cid, {"invoice_number": ctx["inv"], "client": ctx["client"], "status": "sent",
                            "total": ctx["amount"], "issued": issued, "due": days_after(issued, 30),
                            "delivery": {"sent_at": issued, "opened": False, "bounced": False}})
    call2, cid2 = tool_call(rng, "resend_invoice", {"invoice_number": ctx["inv"]})
    res2 = tool_result(cid2, {"status": "sent", "sent_at": ctx["today"]})
    final = rng.choice([
        (f"I found it: invoice {ctx['inv']} for {ctx['amount']} went to {ctx['client']} on {issued} "
        "and didn't bounce, but it has never been opened, so it most likely landed in a spam or "
        "promotions folder. I've just sent it again. If it still doesn't turn up, ask them to "
        "check junk mail, or copy the invoice's share link (**More > Copy link**) and send it "
        "from your own mail."),
        (f"Invoice {ctx['inv']} was delivered to {ctx['client']}'s contact on {issued} with no "
        "bounce, though it shows as unopened. I've re-sent it a moment ago. It's worth "
        "double-checking the contact's address on the client record, since that's the one we use."),
    ])
    return [call, res, call2, res2, {"role": "assistant", "content": final}]


def _paid_not_marked(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    issued = days_before(ctx["today"], rng.randint(10, 40))
    method = rng.choice(["stripe", "paypal"])
    call, cid = tool_call(rng, "lookup_invoice", {"invoice_number": ctx["inv"]})
    res = tool_result(cid, {"invoice_number": ctx["inv"], "client": ctx["client"], "status": "overdue",
                            "total": ctx["amount"], "issued": issued, "due": days_after(issued, 14),
                            "online_payment": {"provider": method, "connected": True,
                                               "last_event": "payment_link_not_used"},
                            "payments": []})
    who = "Stripe" if method == "stripe" else "PayPal"
    final = (f"Invoice {ctx['inv']} ({ctx['amount']}, {ctx['client']}) has no payment recorded, "
             f"and {who} tells us the invoice's own **Pay now** link was never used. That usually "
             f"means the client paid you in {who} directly (for example a manual {who} request or "
             "a transfer to your account) rather than through the invoice, so we couldn't match it.\n\n"
             "Open the invoice, choose **Record payment**, enter the date and amount and pick "
             f"{who} as the method. The invoice will switch to Paid and the payment will match the "
             "deposit when it appears in your bank feed.")
    return [call, res, {"role": "assistant", "content": final}]


def _overdue_check(rng: random.Random, ctx: dict[str, str]) -> list[Msg]:
    issued = days_before(ctx["today"], rng.randint(35, 70))
    due = days_after(issued, 30)
    partial = rng.choice([True, False])
    payments = [{"date": days_after(issued, 12), "amount": ctx["small"], "method": "bank_transfer"}] if partial else []
    call, cid = tool_call(rng, "lookup_invoice", {"invoice_number": ctx["inv"]})
    res = tool_result(cid, {"invoice_number": ctx["inv"], "client": ctx["client"],
                            "status": "partially_paid" if partial else "overdue", "total": ctx["amount"],
                            "issued": issued, "due": due, "payments": payments,
                            "reminders_sent": rng.randint(0, 2)})
    if partial:
        text = (f"{ctx['inv']} to {ctx['client']} was due on {due}. They've paid {ctx['small']} "
                f"so far (a bank transfer), so the rest of the {ctx['amount']} total is still open. "
                "You can send a polite nudge with **Send reminder** on the invoice; it will show "
                "the remaining balance rather than the full amount.")
    else:
        text = (f"{ctx['inv']} for {ctx['amount']} was due on {due} and nothing has been paid yet. "
                "If you'd like reminders to go out automatically, turn them on under Settings > "
                "Reminders; otherwise **Send reminder** on the invoice sends one right now.")
    return [call, res, {"role": "assistant", "content": text}]


SCENARIOS = [
    Scenario(
        "first_invoice",
        openers=[
            "I've just signed up. How do I send my first invoice?",
            "Total beginner here. I need to bill {client} for {amount} of work. Where do I start?",
            "how do i make an invoice",
        ],
        replies=[
            "Welcome aboard! Here's the quickest route:\n\n1. Go to **Invoices > New invoice**.\n2. Pick the client, or type a new name and we'll create the contact.\n3. Add a line for each item or service, with quantity and price.\n4. Check the due date (30 days by default) and click **Send**.\n\nThe client gets an email with a link to view and download the invoice. If you connect Stripe or PayPal first, that email includes a **Pay now** button too.",
            "Easy one. Click **Invoices**, then **New invoice**. Choose {client} as the client (or add them), add a line describing the work with the amount, and hit **Preview** to see exactly what they'll get. When it looks right, **Send** emails it to them, or **Download PDF** if you'd rather send it yourself. Before your first one it's worth adding your logo and payment details in Settings > Invoice templates so they appear on every invoice.",
        ],
        followups=[
            ("Can I add my bank details so they can pay by transfer?", "Yes: go to Settings > Invoice templates > **Payment instructions** and enter the details you want shown. They'll be printed at the bottom of every invoice."),
            ("Does the client need a Tallybook account to see it?", "No. They get a private link that opens the invoice in a browser; no sign-up needed."),
        ],
    ),
    Scenario(
        "customize_template",
        fit=[[0], [0], [1]],
        openers=[
            "How do I put my logo on invoices? Also the default blue doesn't match our branding.",
            "Can I change the wording at the bottom of the invoice? It says 'Thank you for your business' and I want to add my terms.",
            "Is it possible to have two invoice designs, one for retail customers and one for trade?",
        ],
        replies=[
            "All of that lives under Settings > **Invoice templates**. Upload your logo (PNG or JPG, up to 2 MB), set your brand colour with the colour picker or a hex code, and edit the footer text, payment terms and notes. Changes apply to new invoices and to any draft you open afterwards; invoices already sent keep the design they went out with.",
            "Yes. Under Settings > Invoice templates you can create more than one template with **Add template**, each with its own logo, colours, footer and default terms. Then choose which template to use per client (on the client record) or per invoice (the **Template** dropdown on the invoice screen). The client's default saves you picking it every time.",
        ],
    ),
    Scenario(
        "recurring_setup",
        fit=[[0, 1], [0], [1]],
        openers=[
            "I bill {client} the same {amount} on the 1st of every month. Can Tallybook send it automatically?",
            "How do recurring invoices work? I have a few retainer clients.",
            "Set up a monthly invoice that charges the client's card automatically, is that possible?",
        ],
        replies=[
            "Yes, that's what recurring invoices are for (Plus and Pro). Create the invoice as normal, then open **More > Make recurring**. Choose how often (weekly, monthly, quarterly or yearly), the start date and whether it ends. Each time, Tallybook creates a fresh invoice with the next number and either emails it straight away or saves it as a draft for you to check, whichever you pick.",
            "Recurring invoices are on Plus and Pro. You set one up from any invoice with **More > Make recurring**, pick the schedule and choose **Send automatically**. If you also connect Stripe and tick **Charge card on file**, the client's saved card is charged on each invoice date and the invoice is marked paid for you. Clients have to save their card once, through the Pay now link on the first invoice.",
        ],
        followups=[
            ("What happens if the price changes next year?", "Open the schedule under **Invoices > Recurring**, edit the line amounts and save. Every invoice created after that uses the new price; ones already sent stay as they were."),
            ("Can I pause it while the client is on holiday?", "Yes: under Invoices > Recurring, open the schedule and choose **Pause**. Nothing is created until you resume it, and the next date picks up from there."),
        ],
    ),
    Scenario(
        "recurring_missing",
        fit=[[0, 1], [0, 1], [0]],
        openers=[
            "My recurring invoice to {client} didn't go out this month. It worked fine before.",
            "The monthly invoice for {client} is sitting as a draft instead of being sent. Why?",
            "Recurring invoices stopped. Nothing since {month}.",
        ],
        replies=[
            "A few things can stop a schedule, and the schedule itself will tell you which one. Go to **Invoices > Recurring** and open it:\n\n- **Drafts only**: if the schedule is set to *Create as draft*, invoices wait for you to press Send. Switch it to *Send automatically*.\n- **Paused or ended**: the status shows Paused or Ended; resume it or extend the end date.\n- **Plan change**: recurring invoices need Plus or Pro. If the account dropped to Free (for example after a failed payment), schedules pause until you're back on a paid plan.\n\nOnce it's fixed, you can send the missed invoice from the drafts list with one click.",
            "Most often the schedule is set to create drafts rather than send, or it was paused. Open **Invoices > Recurring**, click the schedule for {client} and check its status and the *When created* setting. If it says *Send automatically* and Active but still didn't send, the client contact may be missing an address; the draft will show a warning banner in that case.",
        ],
    ),
    Scenario(
        "invoice_not_received",
        openers=[
            "{client} says they never got invoice {inv}. Can you check if it was sent?",
            "Client claims they didn't receive {inv}. I'm sure I sent it.",
            "Could you resend invoice {inv}? The client can't find it.",
        ],
        replies=["Let me check the delivery record for that invoice."],
        tool=_not_received,
    ),
    Scenario(
        "paid_not_marked",
        openers=[
            "{client} paid invoice {inv} last week but it still shows as overdue.",
            "Invoice {inv} says unpaid but the money is in my account. What's wrong?",
            "Why didn't {inv} get marked as paid?? the client paid online",
        ],
        replies=["Let me take a look at that invoice."],
        tool=_paid_not_marked,
    ),
    Scenario(
        "overdue_check",
        openers=[
            "Has {client} paid anything on {inv} yet?",
            "What's the status of {inv}?",
            "Can you check {inv} for me? I think it's overdue.",
        ],
        replies=["Let me pull that invoice up."],
        tool=_overdue_check,
    ),
    Scenario(
        "partial_payment",
        openers=[
            "{client} paid half of invoice {inv} now and will pay the rest next month. How do I record that?",
            "A customer sent {small} towards a bigger invoice. How do I log a part payment?",
            "can you do partial payments",
        ],
        replies=[
            "Open the invoice and click **Record payment**. Enter the amount they actually paid, the date and the method, then save. The invoice changes to *Partially paid* and shows the balance still due. Reminders and the client's statement will use the remaining balance, and when the rest arrives you record a second payment the same way.",
            "Yes. On the invoice, use **Record payment** and type the amount received rather than the full total. Tallybook keeps the invoice open as *Partially paid* with the remaining balance, and your aged receivables report shows only what's still owed. If the payment came through Stripe or PayPal, this happens automatically.",
        ],
    ),
    Scenario(
        "credit_note",
        fit=[[0], [0], [1]],
        openers=[
            "I sent an invoice with the wrong amount. Can I just delete it and make a new one?",
            "How do I cancel an invoice that's already been sent?",
            "Client returned part of an order. How do I give them credit against invoice {inv}?",
        ],
        replies=[
            "Once an invoice has been sent it can't be deleted, because it's part of your records, but you have two clean options:\n\n- **Void** it (More > Void) if it should never have existed. It stays in the list marked Void and is excluded from reports. Then create a corrected invoice.\n- **Issue a credit note** (More > Issue credit note) if you want to reduce the amount owed, for example for returned items. The credit can be applied to this invoice or kept for a future one.\n\nDrafts that were never sent can be deleted outright.",
            "For a partial return, a credit note is the right tool. Open {inv}, choose **More > Issue credit note**, add lines for the returned items, and save. You can apply the credit to the same invoice, which reduces what they owe, or leave it on the client's account for their next order. Your reports will show the reduced sale in the period of the credit note.",
        ],
    ),
    Scenario(
        "numbering",
        fit=[[0], [0], [1]],
        openers=[
            "I moved from another tool and my invoices need to continue from number 1450. How do I change the numbering?",
            "Can invoice numbers include the year, like 2024-001?",
            "Tallybook skipped a number in my invoice sequence. My accountant is asking why.",
        ],
        replies=[
            "Go to Settings > Invoices > **Numbering**. You can set a prefix (for example the year or your initials), the next number, and the number of digits. The next invoice you create will use it. Numbers already used can't be reused, so if you set it lower than an existing invoice we'll warn you.",
            "Gaps usually come from a draft that was created and then deleted: the number was reserved when the draft was made. Voided invoices keep their number, so they don't create gaps. If your accountant needs an explanation, the **Audit log** (Settings > Audit log) lists every invoice number with who created or deleted it and when.",
        ],
    ),
    Scenario(
        "reminders",
        fit=[[0], [0], [1]],
        openers=[
            "Clients keep paying late. Can Tallybook chase them for me?",
            "How do automatic reminders work and can I change what they say?",
            "I don't want {client} to get reminders, they always pay, it's just slow approval on their side.",
        ],
        replies=[
            "Yes, on Plus and Pro. Turn on **Settings > Reminders** and choose when they go out, for example 3 days before the due date, on the due date and 7 days after. Each reminder has its own editable message, and you can use placeholders like the invoice number and balance. Reminders stop as soon as an invoice is paid.",
            "You can switch reminders off for a single client: open the client record, go to **Settings** on that record and untick *Send payment reminders*. Everyone else keeps the normal schedule from Settings > Reminders.",
        ],
    ),
    Scenario(
        "late_fees",
        openers=[
            "Can I charge a late fee on overdue invoices automatically?",
            "How do I add interest to an invoice that's 60 days overdue?",
        ],
        replies=[
            "You can set that up in Settings > Invoices > **Late fees**: choose a flat amount or a percentage, and how often it applies (once, or every 30 days while unpaid). Then tick *Apply late fees* on individual invoices, or set it as the default for new ones. The fee is added as a separate line so the client can see it. Check your local rules on what you're allowed to charge; I can't advise on that part.",
        ],
    ),
    Scenario(
        "estimates",
        fit=[[0], [0], [1]],
        openers=[
            "Can I send a quote first and turn it into an invoice when the client accepts?",
            "How do I ask for a 30% deposit before starting a job?",
            "Client accepted my estimate online. What now?",
        ],
        replies=[
            "That's what **Estimates** are for. Create one under Estimates > New estimate and send it like an invoice; the client can accept or decline from the link. When it's accepted, open it and click **Convert to invoice** and all the lines carry over. If you want a deposit, use **Request deposit** on the estimate to send a deposit invoice for a percentage, and the final invoice will subtract it automatically.",
            "Once an estimate is accepted, it shows a green *Accepted* badge and a **Convert to invoice** button. Converting copies every line, the client and the notes into a new invoice that you can edit before sending. If you took a deposit, the deposit is shown as already paid on the new invoice.",
        ],
    ),
    Scenario(
        "delete_restore",
        fit=[[0], [1]],
        openers=[
            "I think I deleted an invoice by mistake. Can you restore it?",
            "Oops, deleted a client. Did their invoices go too?",
        ],
        replies=[
            "Only drafts can be deleted, and deleted drafts can't be restored, I'm afraid. Sent invoices can only be voided, and a voided invoice is still in your list (filter by *Void*) and can be **un-voided** from its More menu. If what you're missing had been sent, check the Void filter first.",
            "Deleting a client is blocked while they have any sent invoices, so their invoices are safe. If the client disappeared from your list, it was probably archived: use the *Archived* filter on the Clients page and choose **Restore**.",
        ],
    ),
    Scenario(
        "stripe_connect",
        fit=[[0], [0], [1]],
        openers=[
            "How do I let clients pay by card?",
            "I want to connect my Stripe account so invoices have a pay button.",
            "Does Tallybook work with Stripe and PayPal at the same time?",
        ],
        replies=[
            "Go to Settings > **Payments** and click **Connect Stripe**. You'll be sent to Stripe to sign in (or create an account) and approve the connection, then brought back. From then on, every invoice email has a **Pay now** button for card payments, and paid invoices are marked paid automatically. Stripe's processing fees are recorded as an expense for you under *Payment processing fees*.",
            "Yes, you can connect both under Settings > Payments. The client then sees both options on the invoice page and chooses. You can also switch either one off for particular invoices (the **Payment options** section on the invoice) if, say, you don't want card fees on a large job.",
        ],
        followups=[
            ("Do you take a cut of payments?", "No, Tallybook doesn't add any fee. You only pay Stripe's or PayPal's normal processing fees, which depend on your agreement with them."),
        ],
    ),
    Scenario(
        "paypal_fees",
        openers=[
            "PayPal took fees off a payment and now my invoice shows a small balance outstanding.",
            "Client paid {amount} by PayPal but only part of it arrived. How do I handle the fee?",
        ],
        replies=[
            "When PayPal is connected through Settings > Payments, the fee is recorded automatically and the invoice is marked fully paid. If the payment was recorded by hand, open the invoice, edit the payment and tick **Deduct processing fee**, entering the fee amount. The invoice closes, and the fee goes to *Payment processing fees* in your expenses.",
        ],
    ),
    Scenario(
        "payout_reconcile",
        openers=[
            "Stripe pays out in lumps that don't match any single invoice. How do I reconcile that with my bank feed?",
            "My bank shows one deposit from Stripe but it covers five invoices. What do I do?",
        ],
        replies=[
            "With Stripe connected, Tallybook already knows which invoice payments (and fees) make up each payout. When the deposit appears in your bank feed, it's suggested as a match against that payout; just click **Confirm**. Behind the scenes the individual payments sit in a *Stripe clearing* account until the payout lands, so nothing is counted twice.",
            "That's normal. Stripe batches payments into one payout. Open the transaction in **Banking**, and the suggested match should be *Stripe payout* listing the invoices and fees inside it. Confirm it and you're done. If no match is suggested, the payout may have arrived before we synced Stripe; click **Refresh Stripe** on Settings > Payments and check again.",
        ],
    ),
]
