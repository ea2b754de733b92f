"""Reading training-data files in many formats, and validating them as OpenAI chat examples."""

from curator.formats.detect import FORMATS
from curator.formats.records import Parsed, RecordReader, open_records
from curator.formats.validate import Issue, validate_messages
from curator.formats.writers import write_openai_jsonl, write_sharegpt_jsonl

__all__ = [
    "FORMATS",
    "Issue",
    "Parsed",
    "RecordReader",
    "open_records",
    "validate_messages",
    "write_openai_jsonl",
    "write_sharegpt_jsonl",
]
