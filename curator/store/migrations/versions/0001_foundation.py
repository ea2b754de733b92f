"""Foundation: examples, their sources, imports, problems, users, decisions, settings.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "examples",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("messages", sa.Text, nullable=False),
        sa.Column("tools", sa.Text),
        sa.Column("rejected", sa.Text),
        sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("source_file", sa.Text),
        sa.Column("source_line", sa.Integer),
        sa.Column("source_format", sa.String(32)),
        sa.Column("n_messages", sa.Integer, nullable=False),
        sa.Column("tokens", sa.Integer),
        sa.Column("warnings", sa.Text, nullable=False, server_default="[]"),
        sa.Column("outcome", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("n_decisions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("decided_at", TS),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_examples_outcome_seq", "examples", ["outcome", "seq"])
    op.create_index("ix_examples_source_seq", "examples", ["source_name", "seq"])
    op.create_index("ix_examples_ndecisions_seq", "examples", ["n_decisions", "seq"])
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("records", sa.Integer, nullable=False, server_default="0"),
        sa.Column("examples", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
        sa.Column("problems", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
    )
    op.create_table(
        "example_sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("source_file", sa.Text),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("format", sa.String(32)),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.UniqueConstraint("source_name", "line", "example_id", name="uq_example_sources_place"),
    )
    op.create_index("ix_example_sources_example", "example_sources", ["example_id"])
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("source_file", sa.Text),
        sa.Column("line", sa.Integer, nullable=False, server_default="0"),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("field", sa.String(255), nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("source_name", "line", "code", "field", name="uq_problems_place"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(16)),
        sa.Column("rules", sa.Text, nullable=False, server_default="[]"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("correction", sa.Text),
        sa.Column("guideline_version", sa.String(128)),
        sa.Column("target_id", sa.Integer, sa.ForeignKey("decisions.id")),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_decisions_example", "decisions", ["example_id", "id"])
    op.create_index("ix_decisions_reviewer_time", "decisions", ["reviewer_id", "created_at"])
    op.create_index("ix_decisions_created", "decisions", ["created_at"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("settings", "decisions", "users", "problems", "example_sources", "imports", "examples"):
        op.drop_table(table)
