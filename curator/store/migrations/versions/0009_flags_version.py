"""The guideline version each example's flags were computed for.

Flags are derived data; an example with no flag row may be clean or never checked. This column
tells them apart, so an import or `guidelines load` that was killed half-way is caught up by the
next one. Existing examples start with none: the next import or load recomputes their flags once.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("examples", sa.Column("flags_version", sa.String(128)))
    op.create_index("ix_examples_flags_version", "examples", ["flags_version"])


def downgrade() -> None:
    op.drop_index("ix_examples_flags_version", "examples")
    with op.batch_alter_table("examples") as batch:
        batch.drop_column("flags_version")
