"""Guidelines: stored versions and per-example check flags.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guideline_versions",
        sa.Column("version", sa.String(128), primary_key=True),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("check_name", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("guideline_version", sa.String(128), nullable=False),
    )
    op.create_index("ix_flags_example", "flags", ["example_id"])
    op.create_index("ix_flags_rule", "flags", ["rule_id", "example_id"])


def downgrade() -> None:
    op.drop_table("flags")
    op.drop_table("guideline_versions")
