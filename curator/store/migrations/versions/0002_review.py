"""Review: sign-in sessions, queue claims, gold examples.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_table(
        "claims",
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("claimed_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("skipped", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_claims_user", "claims", ["user_id", "expires_at"])
    op.create_table(
        "gold",
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("rules", sa.Text, nullable=False, server_default="[]"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("gold", "claims", "sessions"):
        op.drop_table(table)
