"""Indexes for the browse page's sorts (tokens, decided time) at a million examples.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_examples_tokens_seq", "examples", ["tokens", "seq"])
    op.create_index("ix_examples_decided_seq", "examples", ["decided_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_examples_decided_seq", "examples")
    op.drop_index("ix_examples_tokens_seq", "examples")
