"""Full-text search: a trigram index of every example's conversation text.

Revision ID: 0013
Revises: 0010

SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+; where it is missing the
table is not made, and a text search says what it needs). PostgreSQL: a table of the text
with a pg_trgm GIN index. Both are filled here from the examples already stored; imports
keep them in step (curator.store.search.add, in the same transaction as the examples).
"""

from alembic import op

from curator.store import search

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    search.create(op.get_bind())


def downgrade() -> None:
    search.drop(op.get_bind())
