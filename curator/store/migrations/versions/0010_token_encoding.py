"""The encoding an example's token count is in, so a model on another tokenizer is never priced with it.

Revision ID: 0010
Revises: 0009

Rows counted before this revision keep NULL, read as the default model's encoding (o200k_base):
what every import used unless it was given another --model.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("examples") as batch:
        batch.add_column(sa.Column("tokens_encoding", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("examples") as batch:
        batch.drop_column("tokens_encoding")
