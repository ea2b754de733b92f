"""Where a decision came from (a cluster's representative, a model's suggestion), and model suggestions.

Revision ID: 0011
Revises: 0010

``decisions.via_cluster``: the representative's decision a propagated decision copies (NULL:
the reviewer read this example). ``decisions.suggestion_id``: the suggestion a reviewer accepted.
``suggestions``: model judgements imported from JSONL; never decisions on their own.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("rules", sa.Text, nullable=False, server_default="[]"),
        sa.Column("rationale", sa.Text, nullable=False, server_default=""),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("file_sha256", "line", name="uq_suggestions_file_line"),
        sa.Index("ix_suggestions_example", "example_id", "id"),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("via_cluster", sa.Integer, sa.ForeignKey("decisions.id", name="fk_decisions_via_cluster")))
        batch.add_column(sa.Column("suggestion_id", sa.Integer, sa.ForeignKey("suggestions.id", name="fk_decisions_suggestion")))
        batch.create_index("ix_decisions_via_cluster", ["via_cluster"])


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_via_cluster")
        batch.drop_column("suggestion_id")
        batch.drop_column("via_cluster")
    op.drop_table("suggestions")
