"""Which precision training picks: bf16 on CUDA, bf16 autocast on CPUs with native bf16, fp32 elsewhere."""
from __future__ import annotations

import pytest

from optimizers import precision
from optimizers.config import SFTSettings
from optimizers.sft_train import _trl_config


def test_explicit_precision_wins_and_auto_follows_the_hardware(monkeypatch):
    assert precision.use_bf16("cpu", "bf16") and not precision.use_bf16("cuda", "fp32")
    assert precision.use_bf16("cuda", "auto")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.use_bf16("cpu", "auto")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert not precision.use_bf16("cpu", "auto")
    with pytest.raises(ValueError, match="fp32 or bf16"):
        precision.use_bf16("cpu", "fp16")


def test_sft_config_carries_the_choice(tmp_path):
    assert _trl_config(SFTSettings(precision="bf16"), "cpu", tmp_path).bf16
    assert not _trl_config(SFTSettings(precision="fp32"), "cpu", tmp_path).bf16
