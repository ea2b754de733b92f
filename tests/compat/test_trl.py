"""TRL's SFTTrainer, DPOTrainer and KTOTrainer run two steps on curator's trl-* and hf exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import pytest
from compat_kit import exported, tiny_model, tokenizer

pytestmark = pytest.mark.compat

SPLITS = ("train", "test")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return exported(tmp_path_factory)[0]


@pytest.fixture(scope="module")
def tok(out: Path) -> Any:
    return tokenizer(out)


def _load(out: Path, fmt: str) -> datasets.DatasetDict:
    """Both splits in one call, by the folder's path: its dataset card declares their one schema."""
    data = datasets.load_dataset(str(out / fmt))
    assert sorted(data) == sorted(SPLITS)
    return data


def _args(cls: Any, tmp_path: Path, **extra: Any) -> Any:
    return cls(output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=2, per_device_eval_batch_size=2,
               learning_rate=1e-3, report_to="none", save_strategy="no", logging_steps=1, use_cpu=True,
               disable_tqdm=True, dataloader_num_workers=0, max_length=1024, seed=0, **extra)


def _trained(trainer: Any) -> None:
    result = trainer.train()
    assert trainer.state.global_step == 2
    assert result.training_loss == result.training_loss and result.training_loss > 0  # finite, not NaN


@pytest.mark.parametrize("fmt", ["trl-sft", "hf"])
def test_sft_trainer_runs_on_the_export(out: Path, tok: Any, tmp_path: Path, fmt: str) -> None:
    from trl import SFTConfig, SFTTrainer

    data = datasets.load_from_disk(str(out / "hf")) if fmt == "hf" else _load(out, fmt)
    assert data["train"].num_rows > 200 and data["test"].num_rows > 10
    trainer = SFTTrainer(model=tiny_model(len(tok)), args=_args(SFTConfig, tmp_path), train_dataset=data["train"],
                         eval_dataset=data["test"], processing_class=tok)
    # every row of both splits went through the chat template and tokenised
    assert trainer.train_dataset.num_rows == data["train"].num_rows
    assert all(len(ids) > 0 for ids in trainer.train_dataset["input_ids"])
    _trained(trainer)


def test_dpo_trainer_runs_on_the_export(out: Path, tok: Any, tmp_path: Path) -> None:
    from trl import DPOConfig, DPOTrainer

    data = _load(out, "trl-dpo")
    assert any(r["tools"] for r in data["train"]) or any(r["tools"] for r in data["test"])
    trainer = DPOTrainer(model=tiny_model(len(tok)), ref_model=tiny_model(len(tok)), args=_args(DPOConfig, tmp_path), train_dataset=data["train"],
                         eval_dataset=data["test"], processing_class=tok)
    assert trainer.train_dataset.num_rows == data["train"].num_rows
    _trained(trainer)


def test_kto_trainer_runs_on_the_export(out: Path, tok: Any, tmp_path: Path) -> None:
    from trl import KTOConfig, KTOTrainer

    data = _load(out, "trl-kto")
    assert {r["label"] for r in data["train"]} == {True, False}
    trainer = KTOTrainer(model=tiny_model(len(tok)), ref_model=tiny_model(len(tok)), args=_args(KTOConfig, tmp_path), train_dataset=data["train"],
                         eval_dataset=data["test"], processing_class=tok)
    _trained(trainer)
