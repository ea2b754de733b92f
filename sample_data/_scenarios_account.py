"""Scenarios about sign-in, security, data, the mobile app, migration and off-topic requests."""

from __future__ import annotations

from _kit import Scenario

SCENARIOS = [
    Scenario(
        "password_reset",
        fit=[[0], [1]],
        openers=[
            "I can't log in. Forgot my password and the reset email never arrives.",
            "Password reset link says it has expired.",
        ],
        replies=[
            "Sorry for the hassle. Reset emails sometimes land in spam or promotions, so check there first. Make sure you're entering the address you signed up with; if that address isn't on an account, no email is sent (for security we don't say so on screen). Each link is valid for one hour and only the newest one works, so if you requested several, use the most recent.",
            "Reset links expire after an hour and only the latest one works. Request a new one from the sign-in page with **Forgot password?** and open it straight away, in the same browser if you can. If your company's mail filter opens links to scan them, the link can be used up before you click it; in that case ask IT to allow our emails, or let me know and I'll get the support team to help.",
        ],
    ),
    Scenario(
        "two_factor",
        fit=[[0], [1]],
        openers=[
            "I got a new phone and lost my authenticator app. Now I can't get past the 2FA screen.",
            "How do I turn on two-factor authentication?",
        ],
        replies=[
            "On the 2FA screen, choose **Use a backup code** and enter one of the codes you saved when you turned 2FA on. Once you're in, go to Settings > Security and set up the authenticator again on your new phone. If you don't have the backup codes, our support team has to verify your identity before they can switch 2FA off; I can open that request for you, and they usually reply within one business day.",
            "Go to Settings > Security > **Two-factor authentication** and click **Enable**. Scan the QR code with an authenticator app, type in the 6-digit code to confirm, and save the backup codes somewhere safe (a password manager is ideal). Account owners can also require 2FA for everyone on the team from the same page.",
        ],
    ),
    Scenario(
        "data_export",
        openers=[
            "Can I get all my data out of Tallybook? I want a backup.",
            "Is there a way to export all invoices as PDFs in one go?",
        ],
        replies=[
            "Yes, any time, on every plan. Go to Settings > Data > **Export everything**. We build a zip with every invoice and credit note as PDF, plus CSV files for clients, invoices, payments, expenses, bank transactions and the general ledger, and email you a download link when it's ready (usually a few minutes). The link is valid for 7 days.",
        ],
    ),
    Scenario(
        "close_account",
        openers=[
            "Please delete my account and all my data.",
            "How long do you keep my data after I close my account?",
        ],
        replies=[
            "You can do this yourself under Settings > Account > **Close account** (account owners only). If you're on a paid plan, cancel it first under Settings > Billing so nothing renews. After you close the account, it's recoverable for 30 days in case you change your mind; after that, all data is permanently deleted. I'd recommend downloading an export from Settings > Data first, as you may need your records later.",
            "For 30 days after you close it, the account can be restored in full if you change your mind. After that everything is permanently deleted from our systems, including invoices, receipts and bank data; encrypted backups roll off within a further 35 days. Since your own record-keeping rules may require you to keep invoices for years, download Settings > Data > **Export everything** before closing.",
        ],
        fit=[[0], [1]],
    ),
    Scenario(
        "mobile_app",
        fit=[[0], [0], [1]],
        openers=[
            "Is there a phone app?",
            "Can I create invoices on my phone while I'm on site?",
            "The Android app logs me out every day.",
        ],
        replies=[
            "Yes, Tallybook is on iOS and Android. The app covers the day-to-day: creating and sending invoices and estimates, recording payments, scanning receipts and checking who owes you. Reports and settings are easier on the web, but everything syncs between the two instantly.",
            "That's usually battery optimisation closing the app's session. On Android go to Settings > Apps > Tallybook > Battery and choose **Unrestricted**, then sign in again and tick *Keep me signed in*. If it still logs you out after that, let me know your Android version and I'll report it to the team.",
        ],
    ),
    Scenario(
        "migration",
        fit=[[0], [1]],
        openers=[
            "I'm moving from another invoicing tool. Can I bring my clients and old invoices over?",
            "We're switching from spreadsheets. Is there an import for our client list?",
        ],
        replies=[
            "Yes. Under Settings > Data > **Import** you can upload clients, products and invoices from CSV. There are ready-made mappings for the most common invoicing tools' exports, and a generic template for everything else. Old invoices come in as read-only history so your reports and client statements are complete, and new invoices continue your numbering from where you set it in Settings > Invoices > Numbering.",
            "You can import clients from a CSV under Settings > Data > Import > **Clients**. Download our template, paste your spreadsheet columns into it (name, email, address, currency, payment terms), and upload it. We show a preview with any rows that have problems before anything is saved, so you can fix them first.",
        ],
    ),
    Scenario(
        "multiple_businesses",
        openers=[
            "I run two small businesses. Can I manage both in one login?",
            "Do I need a separate subscription for my second company?",
        ],
        replies=[
            "Yes, one login can hold several organisations. Add another under Settings > **Organisations** > Add, and switch between them from the menu at the top left. Each organisation has its own books, plan and billing, so yes, a second paid organisation has its own subscription; a Free one costs nothing.",
        ],
    ),
    Scenario(
        "feature_request",
        fit=[[0], [1], [1]],
        openers=[
            "Do you have time tracking? I bill hourly.",
            "Any plans to add inventory management?",
            "It'd be great if I could schedule invoices to send at a specific time of day.",
        ],
        replies=[
            "Not at the moment: Tallybook doesn't track time. Many hourly billers keep their hours in a separate time tracker and add them as invoice lines with quantity = hours and price = hourly rate. I'll pass your request to the product team; if you'd like to follow it, the ideas board is under Help > **Feature requests**.",
            "That isn't available today, but thanks for the suggestion. I've noted it for the product team. You can vote on it and see what's planned under Help > **Feature requests**, and we post updates there when something ships.",
        ],
    ),
    Scenario(
        "slow_app",
        openers=[
            "Tallybook has been super slow all morning. Is something down?",
            "Reports take forever to load today.",
        ],
        replies=[
            "Sorry about that. You can check live status at status.tallybook.com; if there's an incident it will be listed there with updates. If everything shows green, try a hard refresh (Ctrl+Shift+R, or Cmd+Shift+R on a Mac) or a private window to rule out a browser extension. Large reports over several years can take a little longer; narrowing the date range helps.",
        ],
    ),
    Scenario(
        "off_topic",
        openers=[
            "Can you write me a cover letter for a job application?",
            "What's a good name for a bakery?",
        ],
        replies=[
            "That's outside what I can help with here; I'm Tallybook's support assistant, so I stick to invoicing, bookkeeping and your account. If there's anything in Tallybook you'd like a hand with, I'm happy to help.",
        ],
    ),
]
