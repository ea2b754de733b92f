"""What one input record and one input file may hold: hostile or broken input costs bounded memory.

These limits are part of the documented contract (README, "Limits"). A record over a limit
becomes a problem and the records around it are still read; a gzip file that decompresses past
its limit stops there, with a problem saying so, and what was read before it is kept.
"""

from __future__ import annotations

# A line of JSONL, or an element of a JSON array, above this many bytes is a record_too_large
# problem. 4 MiB is about a million tokens, 15 times the largest per-example training limit in
# curator/tokens/models.toml; a longer line is skipped in chunks, never held whole in memory.
MAX_RECORD_BYTES = 4 * 1024 * 1024

# Objects and lists nested deeper than this make a too_deep problem. Chat records need about 6
# levels (record, messages, message, tool_calls, call, function); tool schemas a dozen more.
MAX_DEPTH = 64

# A gzip file may decompress to at most this many times its own size, and always to 1 GiB:
# JSONL compresses 5-20 times, a gzip bomb of zeros about 1,000 times.
GZIP_MAX_RATIO = 100
GZIP_MIN_LIMIT = 1024 * 1024 * 1024


def gzip_limit(compressed_bytes: int) -> int:
    """The most bytes a gzip file of ``compressed_bytes`` may decompress to."""
    return max(GZIP_MIN_LIMIT, GZIP_MAX_RATIO * compressed_bytes)
