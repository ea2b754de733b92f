"""Alembic environment: curator runs migrations programmatically with a live connection."""

from alembic import context

from curator.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("curator's migrations run through curator.store.migrate.upgrade()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
