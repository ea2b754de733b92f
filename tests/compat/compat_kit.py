"""What the compatibility suite shares: one export of everything, a tokenizer built here from its text
(no hub, no network) with a chat template that renders tools and tool calls, and a tiny randomly
initialised Llama."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fidelity_data import export_everything

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
SPECIAL = ["<pad>", "<unk>", "<|end|>", "<|tools|>", "<|call|>", *(f"<|{r}|>" for r in ROLES)]
# Renders what curator's trainer files hold: tools, text, tool calls and tool results. The
# generation prompt is exactly how an assistant turn starts, as TRL's preference and KTO
# tokenisation require (prompt + completion rendered == prompt rendered + completion).
CHAT_TEMPLATE = (
    "{%- if tools %}<|tools|>{{ tools | tojson }}<|end|>{% endif -%}"
    "{%- for message in messages -%}"
    "<|{{ message['role'] }}|>{% if message['content'] %}{{ message['content'] }}{% endif %}"
    "{%- if message['tool_calls'] %}{% for call in message['tool_calls'] %}"
    "<|call|>{{ call['function']['name'] }} {{ call['function']['arguments'] }}{% endfor %}{% endif -%}"
    "<|end|>"
    "{%- endfor -%}"
    "{%- if add_generation_prompt %}<|assistant|>{% endif -%}"
)

_EXPORT: tuple[Path, dict[str, Any]] | None = None


def exported(tmp_path_factory: Any) -> tuple[Path, dict[str, Any]]:
    """The fixtures and the sample data exported in every format, once per test process."""
    global _EXPORT
    if _EXPORT is None:
        _EXPORT = export_everything(tmp_path_factory.mktemp("compat"))
    return _EXPORT


def _texts(out: Path) -> list[str]:
    return [line for path in sorted(out.rglob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]


def tokenizer(out: Path) -> Any:
    """A word-level tokenizer trained on the export's own text, with CHAT_TEMPLATE."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(_texts(out), trainers.WordLevelTrainer(vocab_size=8000, special_tokens=SPECIAL))
    fast = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="<unk>", pad_token="<pad>", eos_token="<|end|>",
                                   additional_special_tokens=SPECIAL[3:])
    fast.chat_template = CHAT_TEMPLATE
    fast.model_max_length = 1024
    return fast


def tiny_model(vocab_size: int) -> Any:
    """A two-layer Llama with hidden size 16, randomly initialised (seeded)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
                         pad_token_id=0, eos_token_id=2, bos_token_id=None)
    return LlamaForCausalLM(config)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
