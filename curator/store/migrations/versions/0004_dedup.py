"""Dedup: duplicate clusters and the runs that found them.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
        sa.Column("cluster_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("similarity", sa.Float),
        sa.Column("is_representative", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_clusters_cluster", "clusters", ["cluster_id"])
    op.create_table(
        "dedup_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("stats", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dedup_runs")
    op.drop_table("clusters")
