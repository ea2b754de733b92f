"""Sign-in state in the database: one-time cookie tickets and the sign-in throttle.

Any number of app processes can then serve one address: a ticket issued by one is redeemed
by another, and failed sign-ins count wherever they land. Sessions of deactivated users are
removed, as deactivation now does, so reactivating them does not bring old sessions back.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_tickets",
        sa.Column("ticket_hash", sa.String(64), primary_key=True),
        sa.Column("sealed_token", sa.Text, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", TS, nullable=False),
        sa.Column("locked_until", TS),
    )
    op.execute("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE NOT active)")


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("sign_in_tickets")
