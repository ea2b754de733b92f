"""Table definitions for queries. The migrations under migrations/versions create them.

JSON is stored as text we serialise ourselves, so both databases hold the same bytes.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# --- 0001 foundation ------------------------------------------------------------------------
examples = sa.Table(
    "examples",
    metadata,
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
    sa.Column("tokens_encoding", sa.String(32)),  # 0010: the tokenizer of `tokens`; NULL = o200k_base
    sa.Column("warnings", sa.Text, nullable=False, server_default="[]"),
    # Derived from decisions, kept here (in the same transaction) so queues and filters are
    # indexed lookups rather than aggregates over the decision log.
    sa.Column("outcome", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("n_decisions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The guideline version the example's flags were computed for; NULL: not yet (0009).
    sa.Column("flags_version", sa.String(128)),
    # 0012: the example's place in the review queue under its source's strategy (seq in the
    # default import order); the queue walks (outcome, queue_rank) as it walked (outcome, seq).
    sa.Column("queue_rank", sa.BigInteger),
    sa.Index("ix_examples_outcome_seq", "outcome", "seq"),
    sa.Index("ix_examples_source_seq", "source_name", "seq"),
    sa.Index("ix_examples_ndecisions_seq", "n_decisions", "seq"),
    sa.Index("ix_examples_tokens_seq", "tokens", "seq"),  # 0005
    sa.Index("ix_examples_decided_seq", "decided_at", "seq"),  # 0005
    sa.Index("ix_examples_flags_version", "flags_version"),  # 0009
    sa.Index("ix_examples_outcome_rank", "outcome", "queue_rank"),  # 0012
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_name", sa.String(255), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
    sa.Column("examples", sa.Integer, nullable=False, server_default="0"),
    sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
    sa.Column("problems", sa.Integer, nullable=False, server_default="0"),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

example_sources = sa.Table(
    "example_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), nullable=False),
    sa.Column("source_name", sa.String(255), nullable=False),
    sa.Column("source_file", sa.Text),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("format", sa.String(32)),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
    sa.UniqueConstraint("source_name", "line", "example_id", name="uq_example_sources_place"),
    sa.Index("ix_example_sources_example", "example_id"),
)

problems = sa.Table(
    "problems",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
    sa.Column("source_name", sa.String(255), nullable=False),
    sa.Column("source_file", sa.Text),
    sa.Column("line", sa.Integer, nullable=False, server_default="0"),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("field", sa.String(255), nullable=False, server_default=""),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("source_name", "line", "code", "field", name="uq_problems_place"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
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
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # 0011: the representative's decision this one was propagated from (NULL: read), and the
    # model suggestion the reviewer accepted.
    sa.Column("via_cluster", sa.Integer, sa.ForeignKey("decisions.id")),
    sa.Column("suggestion_id", sa.Integer, sa.ForeignKey("suggestions.id")),
    sa.Index("ix_decisions_example", "example_id", "id"),
    sa.Index("ix_decisions_via_cluster", "via_cluster"),
    sa.Index("ix_decisions_reviewer_time", "reviewer_id", "created_at"),
    sa.Index("ix_decisions_created", "created_at"),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# --- 0002 review ----------------------------------------------------------------------------
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    # A skipped example stays claimed by its skipper (so the queue moves on) until it expires.
    sa.Column("skipped", sa.Boolean, nullable=False, server_default=sa.false()),
    # 0008: a fresh random token per claim; a decision names the token of the claim it answers.
    sa.Column("token", sa.String(32)),
    sa.Index("ix_claims_user", "user_id", "expires_at"),
)

gold = sa.Table(
    "gold",
    metadata,
    sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("rules", sa.Text, nullable=False, server_default="[]"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# --- 0003 guidelines ------------------------------------------------------------------------
guideline_versions = sa.Table(
    "guideline_versions",
    metadata,
    sa.Column("version", sa.String(128), primary_key=True),
    sa.Column("snapshot", sa.Text, nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), nullable=False),
    sa.Column("rule_id", sa.String(64), nullable=False),
    sa.Column("check_name", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("guideline_version", sa.String(128), nullable=False),
    sa.Index("ix_flags_example", "example_id"),
    sa.Index("ix_flags_rule", "rule_id", "example_id"),
)

# --- 0004 dedup -----------------------------------------------------------------------------
clusters = sa.Table(
    "clusters",
    metadata,
    sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
    sa.Column("cluster_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("similarity", sa.Float),
    sa.Column("is_representative", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_clusters_cluster", "cluster_id"),
)

dedup_runs = sa.Table(
    "dedup_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("stats", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# --- 0007 sign-in ---------------------------------------------------------------------------
# A one-time ticket the browser swaps for its HttpOnly cookie. Only the ticket's SHA-256 is
# stored, and the session token sealed with a key derived from the ticket itself.
sign_in_tickets = sa.Table(
    "sign_in_tickets",
    metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column("sealed_token", sa.Text, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# Failed sign-ins per user name and per client address (each key stored as a SHA-256).
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
)

# --- 0006 decision files --------------------------------------------------------------------
# One row per line of a decisions file that an import applied (decision_id: the decision it
# appended; NULL when the line changed nothing), keyed by the file's SHA-256.
decision_file_lines = sa.Table(
    "decision_file_lines",
    metadata,
    sa.Column("file_sha256", sa.String(64), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id")),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

# --- 0012 queue order -----------------------------------------------------------------------
# A batch of examples drawn to estimate each stratum's (source's) approval rate; members are
# served before the rest of the queue. ``population``: the stratum's size when drawn.
sample_batches = sa.Table(
    "sample_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("strategy", sa.String(16), nullable=False),
    sa.Column("by", sa.String(16), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sample_members = sa.Table(
    "sample_members",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("sample_batches.id"), primary_key=True),
    sa.Column("example_id", sa.String(40), sa.ForeignKey("examples.id"), primary_key=True),
    sa.Column("stratum", sa.String(255), nullable=False),
    sa.Column("population", sa.Integer, nullable=False),
    sa.Index("ix_sample_members_example", "example_id"),
)

# --- 0011 suggestions -----------------------------------------------------------------------
# A model's judgement of an example, imported from JSONL (one row per file line). Shown beside
# the reviewer; never a decision or an outcome on its own.
suggestions = sa.Table(
    "suggestions",
    metadata,
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
