"""Queue strategies and quality samples: each example's place in the queue, and sample batches.

Revision ID: 0012
Revises: 0010

``examples.queue_rank`` is the key the review queue walks (with the outcome, through
``ix_examples_outcome_rank``), so every strategy costs the same indexed keyset query as import
order did. Existing examples start in import order (rank = seq), which is the default strategy.
A sample batch lists the examples drawn to estimate each source's approval rate.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("examples", sa.Column("queue_rank", sa.BigInteger))
    op.execute("UPDATE examples SET queue_rank = seq")
    op.create_index("ix_examples_outcome_rank", "examples", ["outcome", "queue_rank"])
    op.create_table(
        "sample_batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("by", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sample_members",
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("sample_batches.id"), primary_key=True),
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
        sa.Column("stratum", sa.String(255), nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
    )
    op.create_index("ix_sample_members_example", "sample_members", ["example_id"])


def downgrade() -> None:
    op.drop_index("ix_sample_members_example", "sample_members")
    op.drop_table("sample_members")
    op.drop_table("sample_batches")
    op.drop_index("ix_examples_outcome_rank", "examples")
    with op.batch_alter_table("examples") as batch:
        batch.drop_column("queue_rank")
