"""Claim tokens: every decision from the review card names the claim it answers.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: claims written before this revision have none and are simply re-dealt.
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("token", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("token")
