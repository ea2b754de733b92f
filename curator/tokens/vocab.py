"""Build tiktoken encodings offline from the vocabularies shipped inside the package."""

from __future__ import annotations

import binascii
import gzip
import hashlib
import threading
import types
import zlib
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import tiktoken
from tiktoken_ext import openai_public

from curator.errors import NotFoundError, StorageError

# SHA-256 of each decompressed vocabulary, equal to the ``expected_hash`` that
# tiktoken_ext.openai_public passes for the same file (checked again at load time).
VOCABULARY_SHA256: dict[str, str] = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

_cache: dict[str, tiktoken.Encoding] = {}
_lock = threading.Lock()


def shipped_vocabulary(name: str) -> Traversable:
    """The packaged ``<name>.tiktoken.gz`` file."""
    if name not in VOCABULARY_SHA256:
        raise NotFoundError(
            f"no shipped vocabulary for encoding {name!r}; known: {', '.join(sorted(VOCABULARY_SHA256))}"
        )
    return resources.files("curator.tokens").joinpath("data", f"{name}.tiktoken.gz")


def read_ranks(path: Traversable | Path, *, expected_sha256: str) -> dict[bytes, int]:
    """Decompress, hash-check and parse one gzipped ``.tiktoken`` vocabulary."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except FileNotFoundError as exc:
        raise StorageError(
            f"tokenizer vocabulary {path} is missing; reinstall curator to restore it"
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise StorageError(
            f"tokenizer vocabulary {path} is unreadable ({exc}); reinstall curator to restore it"
        ) from exc
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected_sha256:
        raise StorageError(
            f"tokenizer vocabulary {path} is corrupt: SHA-256 {actual} "
            f"instead of {expected_sha256}; reinstall curator to restore it"
        )
    # "<base64 token> <rank>" per line. Splitting once and decoding with C-level loops takes
    # about half the time of tiktoken's line-by-line parser; the hash check above already
    # guarantees well-formed base64, so the lenient a2b_base64 is safe here.
    fields = raw.split()
    try:
        if len(fields) % 2:
            raise ValueError("odd number of fields")
        ranks = dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))
    except (ValueError, binascii.Error) as exc:
        # Only reachable if the expected hash itself describes a malformed file.
        raise StorageError(f"tokenizer vocabulary {path} is malformed ({exc})") from exc
    return ranks


def load_encoding(name: str, *, path: Traversable | Path | None = None) -> tiktoken.Encoding:
    """Build encoding ``name`` from the shipped vocabulary (or ``path``), uncached, offline."""
    source = path if path is not None else shipped_vocabulary(name)
    expected = VOCABULARY_SHA256.get(name)
    if expected is None:
        raise NotFoundError(
            f"no shipped vocabulary for encoding {name!r}; known: {', '.join(sorted(VOCABULARY_SHA256))}"
        )

    def offline_ranks(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if expected_hash != expected:
            raise StorageError(
                f"tiktoken {tiktoken.__version__} expects {name} with SHA-256 {expected_hash}, "
                f"curator ships {expected}; update curator/tokens/data to match"
            )
        return read_ranks(source, expected_sha256=expected)

    params = _definition(name, offline_ranks)
    return tiktoken.Encoding(
        params["name"],
        pat_str=params["pat_str"],
        mergeable_ranks=params["mergeable_ranks"],
        special_tokens=params["special_tokens"],
        explicit_n_vocab=params.get("explicit_n_vocab"),
    )


def get_encoding(name: str) -> tiktoken.Encoding:
    """Encoding ``name``, built once per process from the shipped vocabulary."""
    encoding = _cache.get(name)
    if encoding is not None:
        return encoding
    with _lock:
        encoding = _cache.get(name)
        if encoding is None:
            encoding = _cache[name] = load_encoding(name)
    return encoding


def _definition(name: str, ranks_loader: Callable[..., dict[bytes, int]]) -> dict[str, Any]:
    """tiktoken's own constructor for ``name``, run with ``ranks_loader`` instead of a download.

    openai_public defines each encoding's pattern and special tokens only inside a function
    that also downloads the ranks. Running a copy of that function whose globals resolve
    ``load_tiktoken_bpe`` to our loader reuses tiktoken's definition without copying it and
    without patching the shared module (other threads keep the original).
    """
    constructor = openai_public.ENCODING_CONSTRUCTORS[name]

    def no_download(*_args: object, **_kwargs: object) -> Any:
        raise StorageError(
            f"tiktoken {tiktoken.__version__} builds {name} from other files than curator ships; "
            "pin a tiktoken version whose openai_public uses load_tiktoken_bpe"
        )

    scope = dict(constructor.__globals__)
    scope["load_tiktoken_bpe"] = ranks_loader
    scope["data_gym_to_mergeable_bpe_ranks"] = no_download
    offline = types.FunctionType(constructor.__code__, scope, constructor.__name__)
    params: dict[str, Any] = offline()
    return params
