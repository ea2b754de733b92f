"""Preference data: undesired replies, and the Alpaca instruction records."""

from __future__ import annotations

# Unhelpful or wrong replies that could follow almost any question: (rule id or "", text).
GENERIC_BAD: list[tuple[str, str]] = [
    ("", "Please check the help center."),
    ("", "I'm not sure. You could try contacting support."),
    ("tb-tone", "This is explained in the documentation. Please read it before asking."),
    ("", "Have you tried logging out and back in again?"),
    ("tb-tone", "You must have changed a setting by mistake. Go back and undo whatever you did."),
    ("no-ai-boilerplate", "As an AI language model, I cannot access Tallybook or your account. Please consult a qualified professional."),
    ("tb-no-invented-features", "That's only available on our Enterprise plan. Contact sales for a quote."),
    ("", "That isn't possible in Tallybook, sorry."),
    ("", "Just delete everything and start again, that's usually quickest."),
    ("", "Yes."),
    ("tb-tone", "Honestly, most people figure this out on their own. Look around the settings."),
    ("", "I'll ask someone and get back to you."),
    ("no-ai-boilerplate", "I cannot browse the internet, so I am unable to help with that request."),
    ("", "Tallybook works the same way as every other accounting program, so whatever you did before will work here."),
]

ALPACA_INSTRUCTIONS = [
    "Reply to this Tallybook customer as Tally, the support assistant.",
    "You are Tally, Tallybook's support assistant. Answer the customer's question.",
    "Answer the following support question about Tallybook.",
    "Write Tally's reply to the customer message below. Keep it friendly and specific.",
]

# Stand-alone tasks with no input, written by the support team.
ALPACA_STANDALONE: list[dict[str, str]] = [
    {"instruction": "Explain to a new Tallybook user the difference between voiding an invoice and issuing a credit note.",
     "input": "",
     "output": "Void an invoice when it should never have existed, for example it went to the wrong client or had the wrong amount throughout. A voided invoice stays in your list, marked Void, and is left out of your reports, so your records still show what happened.\n\nIssue a credit note when the invoice was right but the client now owes less, for example they returned some items or you agreed a discount afterwards. The credit note reduces what they owe on that invoice, or can be kept for their next one, and your reports show the reduction in the period you issued it."},
    {"instruction": "List the steps to connect a bank account to Tallybook.",
     "input": "",
     "output": "1. Make sure you're on the Plus or Pro plan; bank feeds aren't part of Free.\n2. Go to Banking > Connect bank.\n3. Search for your bank and select it.\n4. Sign in on your bank's own page and approve read-only access.\n5. Choose which accounts to connect.\n\nTallybook then imports recent transactions (usually the last 90 days) and syncs new ones once a day. Your bank will ask you to renew the consent every 90 days."},
    {"instruction": "Summarise Tallybook's refund policy in two sentences for a help-center article.",
     "input": "",
     "output": "Any Tallybook subscription charge can be refunded in full if you ask within 30 days of the charge date; refunds go back to the original payment method within 5–10 business days. Charges older than 30 days can't be refunded, but you can cancel at any time to stop future renewals and keep access until the end of the period you've paid for."},
    {"instruction": "Write a short, friendly reply declining a request for payroll features, and suggest what the customer can do instead.",
     "input": "",
     "output": "Thanks for asking! Tallybook doesn't include payroll, so it can't pay employees or file payroll taxes. Most of our customers use a dedicated payroll service and then record each pay run in Tallybook, either as a wages expense or as a manual journal, so their P&L and balance sheet stay complete. A bank rule can even categorise the salary payments from your bank feed automatically."},
    {"instruction": "Explain what 'cash basis' and 'accrual basis' mean in Tallybook's reports, in plain English.",
     "input": "",
     "output": "Accrual basis counts income when you send an invoice and expenses when you receive a bill, whether or not money has moved yet. Cash basis counts them only when the money actually arrives or leaves your bank. The same year can look quite different in each: if clients owe you a lot at year end, accrual shows more income than cash. In Tallybook you can switch any report between the two with the toggle next to the date range."},
    {"instruction": "Write the text of a polite automatic payment reminder that a Tallybook user could send 7 days after the due date.",
     "input": "",
     "output": "Hi {client_name},\n\nJust a friendly reminder that invoice {invoice_number} for {balance_due} was due on {due_date}. If you've already paid, thank you, and please ignore this message. Otherwise you can pay online using the link below, or by bank transfer using the details on the invoice.\n\nIf there's a problem with the invoice, just reply and let us know.\n\nThanks,\n{business_name}"},
    {"instruction": "Classify this customer message into one of: billing, invoicing, bank feeds, reports, account. Answer with the category only.",
     "input": "My feed from Barclays stopped syncing after I changed my online banking password.",
     "output": "bank feeds"},
    {"instruction": "Rewrite this support reply so it is friendlier and does not blame the customer.",
     "input": "You set the due date wrong. Fix it in Settings.",
     "output": "No problem, that's easy to change. Open the invoice, click Edit and pick the new due date; it updates the reminders too. To change the default for future invoices, go to Settings > Invoices > Payment terms."},
]

# The planted missing_field record: an instruction whose answer was never written.
ALPACA_MISSING_OUTPUT = {
    "instruction": "Answer the following support question about Tallybook.",
    "input": "Can I set different payment terms for each client?",
}
