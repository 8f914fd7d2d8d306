"""Which precision training picks: bf16 on CUDA, fp32 on CPU unless bf16 is asked for."""
from __future__ import annotations

import pytest

from optimizers import precision
from optimizers.config import SFTSettings
from optimizers.sft_train import _trl_config


def test_explicit_precision_wins_and_auto_is_bf16_on_cuda_only(monkeypatch, caplog):
    assert precision.use_bf16("cpu", "bf16") and not precision.use_bf16("cuda", "fp32")
    assert precision.use_bf16("cuda", "auto")
    # fp32 on every CPU: bf16 autocast was 1.5x slower on an AMX Xeon for the tiny model (docs/TRAINING_ON_CPU.md)
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert not precision.use_bf16("cpu", "auto")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert not precision.use_bf16("cpu", "auto")
    assert precision.use_bf16("cpu", "bf16") and "emulated" in caplog.text
    with pytest.raises(ValueError, match="fp32 or bf16"):
        precision.use_bf16("cpu", "fp16")


def test_sft_config_carries_the_choice(tmp_path):
    assert _trl_config(SFTSettings(precision="bf16"), "cpu", tmp_path).bf16
    assert not _trl_config(SFTSettings(precision="fp32"), "cpu", tmp_path).bf16
